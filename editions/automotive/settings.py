"""Settings of the automotive edition plugin (``[automotive]``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AutomotiveSettings(BaseModel):
    """How vehicles are archived and when they are due for maintenance (保养)."""

    vehicle_product: str = Field(
        "乘用车", description="The service asset product every vehicle is registered as"
    )
    maintenance_months: int = Field(
        6, ge=1, le=36, description="Months between two maintenance services (保养周期)"
    )
    maintenance_km: int = Field(
        5000, ge=500, le=100_000, description="Kilometres between two maintenance services"
    )
    daily_km: int = Field(
        40, ge=1, le=1000, description="Assumed km per day when a vehicle has no mileage history"
    )
    lead_days: int = Field(
        14, ge=0, le=90, description="Remind this many days before the estimated due day"
    )
    reminder_priority: str = Field("normal", description="Priority of the reminder task")

"""The edition's interaction kinds (what dealers, the 800 centre and the website log)
and its validated custom fields (VIN, mileage).

Each dealer-system export, call log or registration list is imported with
``guanxi import interactions`` into one of these kinds; the payload models check the
columns (a VIN is 17 characters without I, O or Q) so a bad row is rejected by name.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

VIN_PATTERN = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
SALE = "automotive.vehicle_sale"
REPAIR = "automotive.repair_order"
CALL = "automotive.call"
REGISTRATION = "automotive.web_registration"
MAINTENANCE_DUE = "automotive.maintenance_due"
SERVICE_TYPES = ("首保", "保养", "维修", "索赔", "钣喷")


def normalize_vin(value: str) -> str:
    """Upper-case a VIN without spaces; refuse one that is not 17 valid characters."""
    vin = re.sub(r"\s+", "", value).upper()
    if not VIN_PATTERN.match(vin):
        raise ValueError(f"{value!r} is not a VIN (17 letters and digits, no I, O or Q)")
    return vin


Vin = Annotated[str, AfterValidator(normalize_vin)]
Mileage = Annotated[int, Field(ge=0, le=2_000_000)]


class VehicleFields(BaseModel):
    """Custom fields of the car owner's main vehicle (the archive holds all of them)."""

    vin: Vin | None = Field(None, description="车架号 VIN of the owner's main vehicle")
    mileage: Mileage | None = Field(None, description="行驶里程 km at the last visit")


class VehicleSale(BaseModel):
    """A new-car sale from a dealer's DMS export: the vehicle enters the archive."""

    model_config = ConfigDict(extra="forbid")
    vin: Vin
    model: str = Field(min_length=1, max_length=120)
    dealer: str = Field(min_length=1, max_length=80)
    sale_no: str | None = None
    plate: str | None = Field(None, max_length=20)
    mileage: Mileage = 0


class RepairOrder(BaseModel):
    """A dealer's repair order (维修工单) on a vehicle, closed in that dealer's DMS."""

    model_config = ConfigDict(extra="forbid")
    ro_number: str = Field(min_length=1, max_length=40)
    vin: Vin
    dealer: str = Field(min_length=1, max_length=80)
    service_type: Literal["首保", "保养", "维修", "索赔", "钣喷"]
    mileage: Mileage
    description: str | None = Field(None, max_length=500)


class Call(BaseModel):
    """A call to or from the manufacturer's 800 service centre."""

    model_config = ConfigDict(extra="forbid")
    call_id: str | None = None
    topic: Literal["咨询", "投诉", "预约", "救援", "回访"]
    vin: Vin | None = None
    summary: str | None = Field(None, max_length=500)


class WebRegistration(BaseModel):
    """An owner registering on the manufacturer's website (用户登记)."""

    model_config = ConfigDict(extra="forbid")
    account: str = Field(min_length=1, max_length=80)
    vin: Vin | None = None


class MaintenanceDue(BaseModel):
    """The maintenance job found a vehicle due (保养提醒)."""

    model_config = ConfigDict(extra="forbid")
    asset_id: int
    vin: str
    due_on: dt.date
    reason: Literal["time", "mileage"]
    last_service_on: dt.date
    estimated_km: int


KINDS = (
    (SALE, VehicleSale, "new-car sale at a dealer (新车销售)", "dealer"),
    (REPAIR, RepairOrder, "repair order closed at a dealer (维修工单)", "dealer"),
    (CALL, Call, "call with the 800 service centre (800客服)", "phone"),
    (REGISTRATION, WebRegistration, "owner registered on the website (网站登记)", "web"),
    (MAINTENANCE_DUE, MaintenanceDue, "vehicle due for maintenance (保养提醒)", "other"),
)

"""Settings of the construction edition's plugin (section ``[construction]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ExtraWarranty(BaseModel):
    """A warranty term a handed-over project of ``project_type`` gets besides the service
    plugin's default term (the five-year waterproofing term of a building, for one)."""

    model_config = ConfigDict(extra="forbid")
    project_type: str = Field(min_length=1)
    terms: str = Field(min_length=1, max_length=120)
    months: int = Field(ge=1, le=240)
    coverage: str | None = None


class ConstructionSettings(BaseModel):
    """Which pipeline is the project lifecycle, and which of its stages mean what.

    The glue in :mod:`guanxi_editions.construction.lifecycle` reads these names, so an
    integrator who renames a stage changes it here, not in code.
    """

    model_config = ConfigDict(extra="forbid")
    pipeline: str = Field("project", description="The pipeline whose opportunities are projects")
    contract_stage: str = Field("awarded", description="Reaching it logs the signed contract")
    handover_stage: str = Field("handover", description="Reaching it registers the asset")
    default_project_type: str = Field(
        "工程", description="The asset's product when the owner has no project_type"
    )
    lifecycle: dict[str, str] = Field(
        default_factory=lambda: {
            "tender": "bidding",
            "bidding": "bidding",
            "awarded": "in_construction",
            "construction": "in_construction",
            "completion": "in_construction",
            "acceptance": "in_construction",
            "handover": "in_warranty",
            "warranty": "in_warranty",
            "warranty_expired": "after_warranty",
        },
        description="Project stage → the owner lifecycle stage it stands for",
    )
    lifecycle_precedence: list[str] = Field(
        default_factory=lambda: ["in_construction", "in_warranty", "bidding", "after_warranty"],
        description="Which owner stage wins when an owner's projects stand for several",
    )
    extra_warranties: list[ExtraWarranty] = Field(
        default_factory=list, description="Terms added at handover, by project type"
    )

"""The hospital edition's own settings (``[hospital]``; edition: ``[settings.hospital]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ClubSettings(BaseModel):
    """A patient club (患者俱乐部): members carry the club's label as a tag."""

    model_config = ConfigDict(extra="forbid")
    label: str = Field(min_length=1, max_length=40, description="The club's name and tag")
    condition: str | None = Field(
        None, description="The chronic condition the club is for (糖尿病); informative"
    )
    description: str = Field("", description="What the club offers")


class HospitalSettings(BaseModel):
    """Departments, follow-up reminders, the revisit figures and the patient clubs."""

    model_config = ConfigDict(extra="forbid")
    departments: list[str] = Field(
        default_factory=lambda: ["内科", "外科", "儿科", "妇产科", "急诊科"],
        min_length=1,
        description="Clinical departments an encounter may name",
    )
    reminder_lead_days: int = Field(
        3, ge=0, le=30, description="复诊提醒 goes out this many days before the follow-up date"
    )
    reminder_late_days: int = Field(
        7, ge=0, le=60, description="A follow-up this many days past due gets no reminder"
    )
    reminder_channel: str = Field("sms", description="Channel the reminder message goes out on")
    adherence_grace_days: int = Field(
        7, ge=0, le=60, description="A patient back within this many days after the date kept it"
    )
    clubs: dict[str, ClubSettings] = Field(
        default_factory=dict, description="Patient clubs by key (diabetes → 糖友俱乐部)"
    )


def hospital_settings(app: object) -> HospitalSettings:
    """The resolved ``[hospital]`` settings of ``app``."""
    return app.settings_for("hospital")  # type: ignore[attr-defined,no-any-return]

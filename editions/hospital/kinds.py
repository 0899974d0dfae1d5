"""The interaction kinds of the hospital edition and their payload schemas.

An encounter (就诊) is the hospital's transaction: its fee is the interaction's revenue,
so the analytics and loyalty areas read it as a purchase. Clinical detail beyond the
department and the ICD-10 code stays in the HIS; payloads are not masked like the
sensitive custom fields are, so nothing private is written here.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ENCOUNTER = "hospital.encounter"
DISCHARGED = "hospital.discharged"
REMINDER = "hospital.follow_up_reminder"
CLUB_JOINED = "hospital.club_joined"
CLUB_LEFT = "hospital.club_left"

SETTINGS = ("outpatient", "inpatient", "emergency")
VISIT_TYPES = ("first", "follow_up")


class EncounterPayload(BaseModel):
    """A visit: outpatient (门诊), inpatient admission (住院) or emergency (急诊)."""

    model_config = ConfigDict(extra="forbid")
    department: str = Field(min_length=1, max_length=40)
    doctor: str | None = Field(None, max_length=40)
    setting: Literal["outpatient", "inpatient", "emergency"] = "outpatient"
    visit_type: Literal["first", "follow_up"] = "first"
    icd10: str | None = Field(None, pattern=r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")
    ward: str | None = Field(None, max_length=40)
    admitted_on: dt.date | None = None
    follow_up_days: int | None = Field(None, ge=1, le=365)

    @model_validator(mode="after")
    def _inpatient_fields(self) -> EncounterPayload:
        if self.setting == "inpatient" and self.admitted_on is None:
            raise ValueError("admitted_on is required for an inpatient encounter")
        if self.setting != "inpatient" and (self.ward or self.admitted_on):
            raise ValueError("ward and admitted_on are for inpatient encounters")
        return self


class DischargePayload(BaseModel):
    """An inpatient went home: starts the discharge visits and the follow-up reminder."""

    model_config = ConfigDict(extra="forbid")
    encounter_id: int = Field(ge=1)
    department: str = Field(min_length=1, max_length=40)
    ward: str | None = Field(None, max_length=40)
    admitted_on: dt.date
    discharged_on: dt.date
    length_of_stay: int = Field(ge=0)
    disposition: Literal["home", "transfer", "against_advice", "deceased"] = "home"
    follow_up_days: int | None = Field(None, ge=1, le=365)


class ReminderPayload(BaseModel):
    """A follow-up reminder (复诊提醒): the task made and the message, if sent."""

    model_config = ConfigDict(extra="forbid")
    advised_by: int = Field(ge=1, description="the encounter or discharge that advised it")
    department: str
    due_on: dt.date
    task_id: int | None = None
    sent: bool = False
    reason: str | None = None
    message: str | None = None


class ClubPayload(BaseModel):
    """Joining or leaving a patient club."""

    model_config = ConfigDict(extra="forbid")
    club: str
    label: str


KINDS: dict[str, tuple[type[BaseModel], str, str]] = {
    ENCOUNTER: (EncounterPayload, "就诊: outpatient, inpatient or emergency visit", "visit"),
    DISCHARGED: (DischargePayload, "出院: an inpatient was discharged", "visit"),
    REMINDER: (ReminderPayload, "复诊提醒: a follow-up reminder", "sms"),
    CLUB_JOINED: (ClubPayload, "joined a patient club (患者俱乐部)", "other"),
    CLUB_LEFT: (ClubPayload, "left a patient club", "other"),
}

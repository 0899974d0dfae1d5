"""The interaction kind the visits area logs: ``service.return_visit``.

Other areas (surveys, the 360 view) read ``visit_id`` and ``outcome``; the channel of
each entry is the visit's (the plan's): a phone call, a home visit, an SMS.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ReturnVisitPayload(BaseModel):
    """``service.return_visit``: a return visit was made (or tried)."""

    model_config = ConfigDict(extra="forbid")
    visit_id: int
    outcome: str  # one of guanxi_service.visits.models.OUTCOMES
    plan: str | None = None
    step: int = 0
    attempt: int = 1
    satisfaction: int | None = None
    paid: bool = False
    asset_id: int | None = None
    ticket_id: int | None = None  # the ticket the visit followed up
    complaint_id: int | None = None  # the complaint ticket an issue found opened


KINDS: dict[str, tuple[type[BaseModel], str | None, str]] = {
    "service.return_visit": (
        ReturnVisitPayload, "phone", "a return visit (回访) was made or tried, with its outcome"),
}

"""Answering a survey, and what a poor answer leads to.

Every value is checked before anything is stored; an answer is final (a second one is
refused, so the figures cannot be changed after the fact). A poor answer (CSAT or NPS at
or below the configured thresholds) goes back to the service team: the ticket is reopened
when it was resolved or closed recently, otherwise a complaint ticket (投诉) is opened
with the surveyed ticket as its parent. Either way the customer is not left unhappy
without someone owning it (REQUIREMENTS §4.2, §4.3 "fix dissatisfaction immediately").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.services.interactions import log_interactions
from guanxi_service.surveys.common import SURVEY, get_survey, survey_settings
from guanxi_service.surveys.models import Survey
from guanxi_service.surveys.settings import SurveySettings
from guanxi_service.tickets.models import CHANNELS, Ticket

COMMENT_MAX = 4000


def _score(value: Any, field: str, low: int, high: int) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError(field, f"not a score: {value!r}")
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise ValidationError(field, f"not a whole number: {value!r}") from None
    if not low <= number <= high:
        raise ValidationError(field, f"{number} is outside {low}–{high}")
    return number


def _factors(given: Mapping[str, Any] | None, settings: SurveySettings) -> dict[str, int]:
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise ValidationError("factors", "give factor ratings as {factor: score}")
    scores = {}
    for key, value in given.items():
        name = str(key).strip()
        if name not in settings.factors:
            raise ValidationError(f"factors.{name}", f"unknown factor (one of "
                                  f"{', '.join(settings.factors)})")
        score = _score(value, f"factors.{name}", 1, 5)
        if score is not None:
            scores[name] = score
    return scores


def is_poor(settings: SurveySettings, csat: int | None, nps: int | None) -> bool:
    """Whether an answer is poor: CSAT or NPS at or below its threshold."""
    if csat is not None and csat <= settings.poor_csat_at_most:
        return True
    limit = settings.poor_nps_at_most
    return nps is not None and limit is not None and nps <= limit


def answer(
    uow: UnitOfWork, survey_ref: int | str, *, csat: Any = None, nps: Any = None,
    factors: Mapping[str, Any] | None = None, comment: str | None = None,
    answered_at: dt.datetime | None = None,
) -> Survey:
    """Record the answer to a survey (found by id or token).

    ``csat`` 1–5 is required; ``nps`` 0–10 when the edition asks it; ``factors`` rates the
    configured factors 1–5; ``comment`` is free text. A bad value raises a
    ValidationError naming the field and stores nothing; a survey already answered or
    expired is refused. Logs ``service.survey_answered`` (inbound) and follows up a poor
    answer (:func:`follow_up_poor_answer`).
    """
    require(uow, SURVEY, "update")
    survey = get_survey(uow, survey_ref)
    settings = survey_settings(uow.app)
    if survey.status == "answered":
        raise ValidationError("survey", f"survey {survey.id} was already answered")
    if survey.status == "expired":
        raise ValidationError("survey", f"survey {survey.id} expired unanswered")
    csat_value = _score(csat, "csat", 1, 5)
    if csat_value is None:
        raise ValidationError("csat", "the overall satisfaction (1–5) is required")
    nps_value = _score(nps, "nps", 0, 10)
    if nps_value is not None and not settings.ask_nps:
        raise ValidationError("nps", "this edition does not ask the NPS question")
    scores = _factors(factors, settings)
    text = (comment or "").strip() or None
    if text is not None and len(text) > COMMENT_MAX:
        raise ValidationError("comment", f"longer than {COMMENT_MAX} characters")
    at = answered_at or uow.now
    if at.tzinfo is None:
        raise ValidationError("answered_at", "needs a time zone")
    if at > uow.now + dt.timedelta(minutes=10):
        raise ValidationError("answered_at", f"{at.isoformat()} is in the future")
    if at < (survey.sent_at or survey.created_at):
        raise ValidationError("answered_at", f"{at.isoformat()} is before the survey was sent")

    if survey.sent_at is None:  # asked in person or by phone before the invitation went out
        survey.sent_at = at
    survey.status, survey.answered_at, survey.answered_by_id = "answered", at, uow.actor_id
    survey.csat, survey.nps, survey.factors, survey.comment = (
        csat_value, nps_value, scores, text)
    survey.poor = is_poor(settings, csat_value, nps_value)
    uow.session.flush()
    log_interactions(uow, [{
        "customer_id": survey.customer_id, "kind": "service.survey_answered",
        "channel": survey.channel, "direction": "inbound", "occurred_at": at,
        "subject": f"CSAT {csat_value}/5" + ("" if nps_value is None else f", NPS {nps_value}"),
        "payload": {"survey_id": survey.id, "csat": csat_value, "nps": nps_value,
                    "ticket_id": survey.ticket_id, "visit_id": survey.visit_id,
                    "poor": survey.poor}}])
    ticket = _ticket(uow, survey.ticket_id)
    if ticket is not None:
        from guanxi_service.tickets.history import record_event

        record_event(uow, ticket, "survey", to_value=f"CSAT {csat_value}",
                     body=_summary(survey, settings))
    if survey.poor:
        follow_up_poor_answer(uow, survey, ticket, settings)
    return survey


def _ticket(uow: UnitOfWork, ticket_id: int | None) -> Ticket | None:
    if ticket_id is None:
        return None
    return uow.session.exec(select(Ticket).where(Ticket.id == ticket_id)).scalars().first()


def _summary(survey: Survey, settings: SurveySettings) -> str:
    parts = [f"满意度 CSAT {survey.csat}/5"]
    if survey.nps is not None:
        parts.append(f"NPS {survey.nps}/10")
    parts += [f"{settings.factors.get(k, k)} {v}/5" for k, v in sorted(survey.factors.items())]
    return "；".join(parts)


def follow_up_poor_answer(
    uow: UnitOfWork, survey: Survey, ticket: Ticket | None, settings: SurveySettings
) -> None:
    """Reopen the surveyed ticket if it was resolved or closed within
    ``reopen_within_days``; otherwise open a complaint ticket (parent: the surveyed
    ticket, if any) on the survey's team. Notes which on the survey."""
    from guanxi_service.tickets.service import open_ticket, reopen_ticket

    reason = f"满意度调查差评（调查 #{survey.id}）：{_summary(survey, settings)}"
    if survey.comment:
        reason += f"。客户意见：{survey.comment}"
    if ticket is not None and ticket.status in ("resolved", "closed"):
        finished = ticket.resolved_at or ticket.closed_at
        window = dt.timedelta(days=settings.reopen_within_days)
        if finished is not None and uow.now - finished <= window:
            reopen_ticket(uow, ticket.id, reason=reason)  # type: ignore[arg-type]
            survey.follow_up, survey.follow_up_ticket_id = "reopened", ticket.id
            uow.session.flush()
            return
    channel = survey.channel if survey.channel in CHANNELS else "other"
    subject = (f"满意度差评：{ticket.subject}" if ticket is not None
               else f"回访满意度差评（调查 #{survey.id}）")
    complaint = open_ticket(
        uow, customer_id=survey.customer_id, type="complaint", channel=channel,
        subject=subject[:200], description=reason, priority="high",
        team_id=ticket.team_id if ticket is not None else survey.team_id,
        parent_id=ticket.id if ticket is not None else None, opened_at=survey.answered_at)
    survey.follow_up, survey.follow_up_ticket_id = "complaint", complaint.id
    uow.session.flush()

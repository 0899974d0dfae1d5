"""Surveys: made after a closed ticket or a return visit, sent after a delay, expired when
nobody answers. Answering is in :mod:`guanxi_service.surveys.answers`.

The trigger (:func:`surveys_for_interactions`, called from the ``interactions_logged``
hook) and the jobs are automation: they see every row, whoever logged the interaction.
What a person asks for (:func:`request_survey`, :func:`list_surveys`) goes through
``require`` and the record policies.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
from sqlalchemy import select
from sqlmodel import col

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.errors import ValidationError
from guanxi.models import Customer
from guanxi.records import InteractionRecord
from guanxi.services.interactions import log_interactions
from guanxi.services.lookup import customer_names
from guanxi_service.surveys.common import SURVEY, get_survey, survey_settings
from guanxi_service.surveys.models import SOURCES, SURVEY_STATUSES, Survey
from guanxi_service.surveys.settings import TRIGGER_SOURCES
from guanxi_service.tickets.models import Ticket

LANGUAGES = ("zh", "en")


def new_token() -> str:
    """32 url-safe characters (192 random bits): the key of the later web form."""
    return secrets.token_urlsafe(24)


def _language(value: str | None, default: str) -> str:
    text = (value or "").strip().lower()[:2]
    return text if text in LANGUAGES else default


def _languages(uow: UnitOfWork, customer_ids: set[int]) -> dict[int, str | None]:
    table = Customer.__table__  # type: ignore[attr-defined]
    found: dict[int, str | None] = {}
    for chunk in chunks(sorted(customer_ids)):
        rows = uow.session.connection().execute(
            select(table.c.id, table.c.language).where(table.c.id.in_(chunk)))
        found.update({cid: language for cid, language in rows})
    return found


def _existing_sources(uow: UnitOfWork, keys: set[tuple[str, int]]) -> set[tuple[str, int]]:
    # A Core query on the table: the trigger must see every survey, not only those of
    # customers the logging user may see, or it would make a second one.
    table = Survey.__table__  # type: ignore[attr-defined]
    found: set[tuple[str, int]] = set()
    for source in {s for s, _ in keys}:
        ids = sorted(i for s, i in keys if s == source)
        for chunk in chunks(ids):
            rows = uow.session.connection().execute(
                select(table.c.source_id).where(table.c.source == source,
                                                table.c.source_id.in_(chunk)))
            found.update((source, source_id) for (source_id,) in rows)
    return found


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def surveys_for_interactions(
    uow: UnitOfWork, interactions: Sequence[InteractionRecord]
) -> list[Survey]:
    """One scheduled survey per closed ticket or return visit among ``interactions``.

    Idempotent: a ticket or visit that already has a survey (a ticket closed a second
    time after being reopened, the same batch logged twice) gets no other one.
    """
    settings = survey_settings(uow.app)
    wanted: dict[tuple[str, int], InteractionRecord] = {}
    for record in interactions:
        if record.kind not in settings.send_after:
            continue
        source = TRIGGER_SOURCES[record.kind]
        source_id = _int(record.payload.get(f"{source}_id"))
        if source_id is None:
            continue
        if source == "ticket" and record.payload.get("type") in settings.skip_ticket_types:
            continue
        if source == "visit" and record.payload.get("outcome") not in settings.visit_outcomes:
            continue
        wanted.setdefault((source, source_id), record)
    if not wanted:
        return []
    fresh = {key: record for key, record in wanted.items()
             if key not in _existing_sources(uow, set(wanted))}
    languages = _languages(uow, {r.customer_id for r in fresh.values()})
    delay = dt.timedelta(hours=settings.delay_hours)
    made = []
    for (source, source_id), record in fresh.items():
        payload = record.payload
        made.append(Survey(
            token=new_token(), customer_id=record.customer_id, source=source,
            source_id=source_id,
            ticket_id=source_id if source == "ticket" else _int(payload.get("ticket_id")),
            visit_id=source_id if source == "visit" else None,
            team_id=_int(payload.get("team_id")), channel=settings.channel,
            language=_language(languages.get(record.customer_id), settings.default_language),
            status="scheduled", created_at=uow.now, send_at=record.occurred_at + delay))
    uow.session.add_all(made)
    uow.session.flush()
    return made


def request_survey(
    uow: UnitOfWork, *, ticket: int | str | None = None, visit: int | None = None,
    customer_id: int | None = None, channel: str | None = None, send_now: bool = True,
) -> Survey:
    """A survey an agent asks for: about a resolved or closed ticket, or about a return
    visit (then ``customer_id`` names the visited customer); sent at once unless
    ``send_now`` is False. One survey per ticket or visit: a second is refused."""
    require(uow, SURVEY, "create")
    settings = survey_settings(uow.app)
    if (ticket is None) == (visit is None):
        raise ValidationError("ticket", "name either a ticket or a visit")
    channel = (channel or settings.channel).strip().lower()
    if channel not in uow.app.settings.channels:
        raise ValidationError("channel", f"unknown channel {channel!r}")
    team_id = None
    if ticket is not None:
        text = str(ticket).strip()
        query = select(Ticket).where(
            Ticket.id == int(text) if text.isdigit() else Ticket.number == text)
        row = uow.session.exec(query).scalars().first()
        if row is None:
            raise ValidationError("ticket", f"no ticket {text!r}")
        if row.status not in ("resolved", "closed"):
            raise ValidationError("ticket", f"{row.number} is {row.status}: survey it once "
                                            "it is resolved or closed")
        source, source_id, customer_id, team_id = "ticket", row.id, row.customer_id, row.team_id
    else:
        if _int(visit) is None or visit <= 0:  # type: ignore[operator]
            raise ValidationError("visit", f"not a visit id: {visit!r}")
        if customer_id is None:
            raise ValidationError("customer", "a visit survey needs the visited customer")
        if not customer_names(uow, [customer_id]):
            raise ValidationError("customer", f"no customer with id {customer_id}")
        source, source_id = "visit", visit
    assert source_id is not None and customer_id is not None
    if _existing_sources(uow, {(source, source_id)}):
        raise ValidationError(source, f"{source} {source_id} already has a survey")
    language = _languages(uow, {customer_id}).get(customer_id)
    survey = Survey(
        token=new_token(), customer_id=customer_id, source=source, source_id=source_id,
        ticket_id=source_id if source == "ticket" else None,
        visit_id=source_id if source == "visit" else None, team_id=team_id, channel=channel,
        language=_language(language, settings.default_language), status="scheduled",
        created_at=uow.now, send_at=uow.now)
    uow.session.add(survey)
    uow.session.flush()
    if send_now:
        send_surveys(uow, [survey])
    return survey


# --------------------------------------------------------------------------- invitation


def _ticket_facts(uow: UnitOfWork, ticket_ids: set[int]) -> dict[int, tuple[str, str]]:
    table = Ticket.__table__  # type: ignore[attr-defined]
    found: dict[int, tuple[str, str]] = {}
    for chunk in chunks(sorted(ticket_ids)):
        rows = uow.session.connection().execute(
            select(table.c.id, table.c.number, table.c.subject).where(table.c.id.in_(chunk)))
        found.update({tid: (number, subject) for tid, number, subject in rows})
    return found


def _template(uow: UnitOfWork, name: str) -> jinja2.Template:
    try:
        return uow.app.templates.get_template(name)
    except jinja2.TemplateNotFound:
        raise ValidationError("template", f"no template {name}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise ValidationError("template", f"{name} line {exc.lineno}: {exc.message}") from None


def _templates(uow: UnitOfWork, language: str) -> tuple[jinja2.Template, jinja2.Template]:
    settings = survey_settings(uow.app)
    stem = settings.template
    try:
        return (_template(uow, f"{stem}.{language}.subject.txt"),
                _template(uow, f"{stem}.{language}.txt"))
    except ValidationError:
        if language == settings.default_language:
            raise
    return (_template(uow, f"{stem}.{settings.default_language}.subject.txt"),
            _template(uow, f"{stem}.{settings.default_language}.txt"))


@dataclass(slots=True)
class Invitation:
    """A survey's cover letter, rendered: why we ask, what we ask, where to answer."""

    survey_id: int
    language: str
    subject: str
    text: str
    form_url: str


def render_invitations(
    uow: UnitOfWork, surveys: Sequence[Survey], *, names: dict[int, str] | None = None
) -> list[Invitation]:
    """The invitation of each survey from the templates ``<template>.<lang>.txt`` and
    ``….subject.txt``; a template error names the template (nothing is sent)."""
    settings = survey_settings(uow.app)
    app = uow.app
    if names is None:
        names = customer_names(uow, [s.customer_id for s in surveys])
    tickets = _ticket_facts(uow, {s.ticket_id for s in surveys if s.ticket_id})
    questions = {"csat": settings.csat_question,
                 "nps": settings.nps_question if settings.ask_nps else None,
                 "factors": settings.factors, "comment": settings.comment_question}
    loaded: dict[str, tuple[jinja2.Template, jinja2.Template]] = {}
    rendered = []
    for survey in surveys:
        if survey.language not in loaded:
            loaded[survey.language] = _templates(uow, survey.language)
        subject_template, text_template = loaded[survey.language]
        number, subject = tickets.get(survey.ticket_id or 0, (None, None))
        url = settings.form_url.replace("{token}", survey.token)
        context = {
            "edition": app.edition, "term": app.edition.term,
            "customer_name": names.get(survey.customer_id, ""), "survey": survey,
            "ticket_number": number, "ticket_subject": subject, "form_url": url,
            "expires_on": (survey.sent_at or uow.now).astimezone(app.tz).date()
            + dt.timedelta(days=settings.expire_after_days),
            "questions": questions,
        }
        try:
            subject_text = " ".join(subject_template.render(context).split())
            body = text_template.render(context)
        except jinja2.TemplateError as exc:
            raise ValidationError("template", f"{text_template.name}: {exc}") from None
        rendered.append(Invitation(survey.id or 0, survey.language, subject_text[:500],
                                   body, url))
    return rendered


# --------------------------------------------------------------------------- sending


def send_surveys(
    uow: UnitOfWork, surveys: Sequence[Survey], *,
    at: dt.datetime | Mapping[int, dt.datetime] | None = None,
) -> list[Invitation]:
    """Send scheduled surveys now: render every invitation first (one failure sends
    none), mark them sent with their expiry, log ``service.survey_sent`` for each.

    Delivery itself (mail, SMS) is the channel's: the interaction log carries the
    subject, and :func:`render_invitations` the text, for whoever delivers it. ``at`` is
    the time of sending (default now), or one per survey id (the demo's history).
    """
    surveys = [s for s in surveys if s.status == "scheduled"]
    if not surveys:
        return []
    settings = survey_settings(uow.app)
    invitations = render_invitations(uow, surveys)
    expiry = dt.timedelta(days=settings.expire_after_days)
    for survey in surveys:
        sent_at = (at.get(survey.id, uow.now) if isinstance(at, Mapping)  # type: ignore[arg-type]
                   else at or uow.now)
        survey.status, survey.sent_at, survey.expires_at = "sent", sent_at, sent_at + expiry
    log_interactions(uow, [
        {"customer_id": s.customer_id, "kind": "service.survey_sent", "channel": s.channel,
         "direction": "outbound", "occurred_at": s.sent_at, "subject": invitation.subject,
         "payload": {"survey_id": s.id, "ticket_id": s.ticket_id, "visit_id": s.visit_id}}
        for s, invitation in zip(surveys, invitations, strict=True)])
    uow.session.flush()
    return invitations


def send_due(uow: UnitOfWork, due_at: dt.datetime, *, limit: int = 1000) -> int:
    """Send the scheduled surveys whose time has come (job ``service.surveys_send``);
    returns how many. Running it again sends nothing twice."""
    total = 0
    while True:
        batch = uow.session.exec(
            select(Survey).where(Survey.status == "scheduled", Survey.send_at <= due_at)
            .order_by(Survey.send_at, Survey.id).limit(limit)).scalars().all()
        if not batch:
            return total
        total += len(send_surveys(uow, batch))


def expire_due(uow: UnitOfWork, due_at: dt.datetime) -> int:
    """Sent surveys past their expiry become ``expired`` (job ``service.surveys_expire``);
    returns how many. Idempotent."""
    rows = uow.session.exec(
        select(Survey).where(Survey.status == "sent", Survey.expires_at <= due_at)
    ).scalars().all()
    for survey in rows:
        survey.status, survey.expired_at = "expired", due_at
    uow.session.flush()
    return len(rows)


# --------------------------------------------------------------------------- reading


def list_surveys(
    uow: UnitOfWork, *, status: str | None = None, customer_id: int | None = None,
    ticket_id: int | None = None, source: str | None = None, poor: bool | None = None,
    after_id: int | None = None, limit: int = 100,
) -> list[Survey]:
    """The surveys the principal may see, newest first (``after_id`` pages on)."""
    require(uow, SURVEY, "read")
    if status is not None and status not in SURVEY_STATUSES:
        raise ValidationError("status", f"{status!r} is not one of {', '.join(SURVEY_STATUSES)}")
    if source is not None and source not in SOURCES:
        raise ValidationError("source", f"{source!r} is not one of {', '.join(SOURCES)}")
    if not 1 <= limit <= 10_000:
        raise ValidationError("limit", "must be between 1 and 10000")
    query = select(Survey)
    for column, value in ((Survey.status, status), (Survey.customer_id, customer_id),
                          (Survey.ticket_id, ticket_id), (Survey.source, source),
                          (Survey.poor, poor)):
        if value is not None:
            query = query.where(column == value)
    if after_id is not None:
        query = query.where(col(Survey.id) < after_id)
    return list(uow.session.exec(query.order_by(col(Survey.id).desc()).limit(limit)).scalars())


def survey_detail(uow: UnitOfWork, ref: int | str, *, invitation: bool = False) -> dict[str, Any]:
    """One survey with its customer's name, its factor labels and (asked for) the
    rendered invitation."""
    survey = get_survey(uow, ref)
    settings = survey_settings(uow.app)
    names = customer_names(uow, [survey.customer_id])
    detail: dict[str, Any] = {
        "id": survey.id, "customer_id": survey.customer_id,
        "customer": names.get(survey.customer_id), "source": survey.source,
        "ticket_id": survey.ticket_id, "visit_id": survey.visit_id, "team_id": survey.team_id,
        "channel": survey.channel, "language": survey.language, "status": survey.status,
        "token": survey.token, "send_at": survey.send_at, "sent_at": survey.sent_at,
        "expires_at": survey.expires_at, "answered_at": survey.answered_at,
        "csat": survey.csat, "nps": survey.nps,
        "factors": {key: {"label": settings.factors.get(key, key), "score": score}
                    for key, score in sorted(survey.factors.items())},
        "comment": survey.comment, "poor": survey.poor, "follow_up": survey.follow_up,
        "follow_up_ticket_id": survey.follow_up_ticket_id,
    }
    if invitation:
        rendered = render_invitations(uow, [survey], names=names)[0]
        detail["invitation"] = {"subject": rendered.subject, "text": rendered.text,
                                "form_url": rendered.form_url}
    return detail


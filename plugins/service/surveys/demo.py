"""The surveys' part of the demo: the closed tickets' and the return visits' surveys sent,
most answered (a realistic spread, comments in Chinese), some expired, a few poor answers
that reopened a ticket or opened a complaint.

Uses only ``rng`` and ``uow.now``; the surveys themselves were made by the trigger while
the tickets and visits areas built their demo data (areas run in order).
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi_service.surveys.answers import answer, is_poor
from guanxi_service.surveys.common import survey_settings
from guanxi_service.surveys.models import Survey
from guanxi_service.surveys.service import new_token, send_surveys
from guanxi_service.tickets.models import Ticket

COMMENTS = {
    5: ["工程师上门很准时，问题一次解决，非常满意。", "客服态度很好，耐心解答，谢谢！",
        "维修速度快，师傅很专业。", "Very quick and friendly service, thank you!", None, None],
    4: ["整体不错，就是等待时间稍长。", "服务挺好，希望以后回访时间能提前约好。", None, None],
    3: ["问题解决了，但来回打了好几次电话。", "电话总是占线，希望增加客服人员。", None],
    2: ["等了三天才有人上门，太慢了。", "维修后同样的问题又出现了。"],
    1: ["客服互相推诿，态度很差，非常失望！", "说好的上门时间没人来，也没有通知。"],
}
# (weight, csat): most customers are satisfied, a few are not.
CSAT_WEIGHTS = ((40, 5), (30, 4), (15, 3), (9, 2), (6, 1))
NPS_BY_CSAT = {5: (9, 10), 4: (7, 9), 3: (5, 8), 2: (2, 6), 1: (0, 4)}
# Poor answers besides the two forced ones (each reopens a ticket or opens a complaint).
POOR_ANSWERS = 3
# How each default factor follows the overall score, so the factor analysis tells a story:
# the result decides satisfaction, speed matters, the staff's attitude is good anyway.
FACTOR_NOISE = {"result": (0, 0, 0, -1, 1), "speed": (-1, -1, 0, 0, 1),
                "professionalism": (-1, 0, 1, 1)}
ATTITUDE = (3, 4, 4, 5, 5)


def _csat(rng: random.Random) -> int:
    pick = rng.randrange(100)
    for weight, score in CSAT_WEIGHTS:
        if pick < weight:
            return score
        pick -= weight
    return 5


def _factor(rng: random.Random, key: str, csat: int) -> int:
    if key == "attitude":
        return rng.choice(ATTITUDE)
    return max(1, min(5, csat + rng.choice(FACTOR_NOISE.get(key, (-1, 0, 0, 1)))))


def _ensure_ticket_surveys(uow: UnitOfWork) -> None:
    """Closed demo tickets the trigger did not see (written without the service) get their
    survey here, as the trigger would have made it."""
    settings = survey_settings(uow.app)
    if "service.ticket_closed" not in settings.send_after:
        return
    done = set(uow.session.exec(select(Survey.ticket_id).where(Survey.source == "ticket")
                                ).scalars())
    tickets = uow.session.exec(select(Ticket).where(Ticket.status == "closed")
                               .order_by(Ticket.id)).scalars().all()
    delay = dt.timedelta(hours=settings.delay_hours)
    for ticket in tickets:
        if ticket.id in done or ticket.type in settings.skip_ticket_types:
            continue
        closed = ticket.closed_at or uow.now
        uow.session.add(Survey(
            token=new_token(), customer_id=ticket.customer_id, source="ticket",
            source_id=ticket.id, ticket_id=ticket.id, team_id=ticket.team_id,
            channel=settings.channel, language=settings.default_language,
            status="scheduled", created_at=closed, send_at=closed + delay))
    uow.session.flush()


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Send the demo's surveys and answer about three in four of them."""
    _ensure_ticket_surveys(uow)
    settings = survey_settings(uow.app)
    now = uow.now
    surveys = uow.session.exec(select(Survey).where(Survey.status == "scheduled")
                               .order_by(Survey.id)).scalars().all()
    finished = {t.id: t.closed_at or t.resolved_at for t in uow.session.exec(
        select(Ticket).where(Ticket.id.in_([s.ticket_id for s in surveys if s.ticket_id]))
    ).scalars()}
    window = dt.timedelta(days=settings.reopen_within_days)
    forced_poor, poor_left = 0, POOR_ANSWERS
    # Closed in the last day: some invitations are still to go out.
    sending = [s for s in surveys if s.send_at <= now or rng.random() >= 0.3]
    send_surveys(uow, sending, at={s.id: min(s.send_at, now) for s in sending})
    for survey in sending:
        sent_at = survey.sent_at
        assert sent_at is not None
        if rng.random() >= 0.75:
            if survey.expires_at is not None and survey.expires_at <= now:
                survey.status, survey.expired_at = "expired", survey.expires_at
            continue
        csat = _csat(rng)
        low, high = NPS_BY_CSAT[csat]
        nps = rng.randint(low, high) if settings.ask_nps else None
        closed = finished.get(survey.ticket_id or 0)
        if forced_poor < 2 and closed is not None and now - closed > window:
            # A couple of old tickets answered poorly: these open complaints.
            csat, nps, forced_poor = 1 + forced_poor, 2 + forced_poor, forced_poor + 1
        elif is_poor(settings, csat, nps):
            if poor_left:
                poor_left -= 1
            else:  # enough complaints for a demo: this one was merely lukewarm
                csat, nps = 3, 7
        factors = {key: _factor(rng, key, csat) for key in settings.factors
                   if rng.random() < 0.9}
        answered_at = min(sent_at + dt.timedelta(hours=rng.randint(1, 72)), now)
        answer(uow, survey.id, csat=csat, nps=nps if settings.ask_nps else None,  # type: ignore[arg-type]
               factors=factors, comment=rng.choice(COMMENTS[csat]), answered_at=answered_at)
    uow.session.flush()

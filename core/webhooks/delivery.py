"""Sending due deliveries: claim a batch, POST each, record the outcome, back off.

A delivery is *claimed* before it is sent (its ``next_attempt_at`` moves a lease into
the future, with a conditional UPDATE), committed, then sent outside any transaction,
and its outcome recorded in a second short transaction. Two senders never take the
same row; a sender that dies between claim and record leaves the row to be sent again
when the lease ends (at least once, never lost). 2xx is delivered; anything else —
another status, a redirect, a timeout, a refused connection — is retried after
:data:`RETRY_DELAYS` (with ±10 % jitter) until ``webhooks.max_attempts``, then ``dead``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, select, update

from guanxi import __version__
from guanxi.errors import first_line
from guanxi.models import WebhookDelivery, WebhookEndpoint
from guanxi.webhooks.endpoints import get_endpoint, settings
from guanxi.webhooks.events import PING, envelope, new_event_id
from guanxi.webhooks.signing import signed_headers

if TYPE_CHECKING:
    import httpx

    from guanxi.app import App, UnitOfWork

_ENDPOINTS = WebhookEndpoint.__table__  # type: ignore[attr-defined]
_DELIVERIES = WebhookDelivery.__table__  # type: ignore[attr-defined]

# After the 1st failed attempt wait 1 min, after the 2nd 5 min, …; the last repeats.
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=5),
    dt.timedelta(hours=10),
)
JITTER = 0.1
# How long a claimed delivery is left alone by other senders before it counts as lost.
CLAIM_LEASE = dt.timedelta(minutes=5)
DUE = ("pending", "failed")
USER_AGENT = f"guanxi-webhooks/{__version__}"


def retry_delay(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt, with jitter."""
    base = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    factor = 1 + (rng or random).uniform(-JITTER, JITTER)
    return base * factor


def body_of(payload: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed) for a payload: compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class Attempt:
    """The outcome of sending one delivery once."""

    delivery_id: int
    status_code: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        """Whether the receiver answered 2xx."""
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class DeliveryReport:
    """What one run of the sender did."""

    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def sent(self) -> int:
        """Attempts made."""
        return len(self.attempts)

    def __str__(self) -> str:
        return (f"{self.sent} sent: {self.delivered} delivered, {self.retrying} to retry, "
                f"{self.dead} dead")


def _client(app: App) -> httpx.Client:
    import httpx

    return httpx.Client(
        timeout=settings(app).timeout_seconds,
        follow_redirects=False,
        headers={"user-agent": USER_AGENT, "content-type": "application/json"},
    )


def send(client: httpx.Client, delivery_id: int, url: str, secret: str,
         payload: dict[str, Any], at: dt.datetime) -> Attempt:
    """POST one signed delivery; never raises for what the network or receiver does."""
    import httpx

    body = body_of(payload)
    headers = signed_headers(secret, str(payload["id"]), int(at.timestamp()), body)
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return Attempt(delivery_id, None, f"{type(exc).__name__}: {first_line(exc)}"[:500])
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return Attempt(delivery_id, response.status_code, error)


def _claim(app: App, now: dt.datetime, limit: int, endpoint_id: int | None) -> list[Any]:
    """Take up to ``limit`` due deliveries of active endpoints; return them with url and secret."""
    # A lease unique to this claim tells our rows from a concurrent sender's.
    lease = now + CLAIM_LEASE + dt.timedelta(microseconds=random.randrange(1, 999_999))
    d, e = _DELIVERIES, _ENDPOINTS
    due = (d.c.status.in_(DUE)) & (d.c.next_attempt_at <= now)
    with app.transaction(now=now) as uow:
        connection = uow.session.connection()
        candidates = (
            select(d.c.id)
            .join(e, e.c.id == d.c.endpoint_id)
            .where(due, e.c.active.is_(True))
            .order_by(d.c.next_attempt_at, d.c.id)
            .limit(limit)
        )
        if endpoint_id is not None:
            candidates = candidates.where(d.c.endpoint_id == endpoint_id)
        ids = list(connection.execute(candidates).scalars())
        if not ids:
            return []
        connection.execute(
            update(d).where(d.c.id.in_(ids), due).values(next_attempt_at=lease)
        )
        return list(
            connection.execute(
                select(d.c.id, d.c.payload, d.c.attempts, e.c.url, e.c.secret)
                .join(e, e.c.id == d.c.endpoint_id)
                .where(d.c.id.in_(ids), d.c.next_attempt_at == lease)
                .order_by(d.c.id)
            ).all()
        )


def _record(app: App, now: dt.datetime, claimed: list[Any], attempts: list[Attempt],
            report: DeliveryReport, max_attempts: int) -> None:
    """Store each attempt's outcome: delivered, or failed with the next try, or dead."""
    rows = []
    for row, attempt in zip(claimed, attempts, strict=True):
        count = row.attempts + 1
        values = {"b_id": row.id, "attempts": count, "code": attempt.status_code,
                  "error": attempt.error, "delivered_at": None, "next": now}
        if attempt.ok:
            values.update(status="delivered", delivered_at=now)
            report.delivered += 1
        elif count >= max_attempts:
            values.update(status="dead")
            report.dead += 1
        else:
            values.update(status="failed", next=now + retry_delay(count))
            report.retrying += 1
        rows.append(values)
    statement = (
        update(_DELIVERIES)
        .where(_DELIVERIES.c.id == bindparam("b_id"))
        .values(status=bindparam("status"), attempts=bindparam("attempts"),
                last_status_code=bindparam("code"), last_error=bindparam("error"),
                delivered_at=bindparam("delivered_at"), next_attempt_at=bindparam("next"))
    )
    with app.transaction(now=now) as uow:
        uow.session.connection().execute(statement, rows)
    report.attempts.extend(attempts)


def deliver_due(
    app: App,
    *,
    now: dt.datetime | None = None,
    endpoint_id: int | None = None,
    budget_seconds: float | None = None,
) -> DeliveryReport:
    """Send every due delivery (in batches of ``webhooks.batch_size``) and record outcomes.

    ``now`` is the sender's clock (tests pass a later one to reach retries);
    ``budget_seconds`` stops claiming new batches after that long (the scheduled job
    leaves the rest to its next run).
    """
    now = now or app.now()
    options = settings(app)
    report = DeliveryReport()
    started = time.monotonic()
    with _client(app) as client:
        while budget_seconds is None or time.monotonic() - started < budget_seconds:
            claimed = _claim(app, now, options.batch_size, endpoint_id)
            if not claimed:
                break
            attempts = [send(client, r.id, r.url, r.secret, r.payload, now) for r in claimed]
            _record(app, now, claimed, attempts, report, options.max_attempts)
    return report


def send_test(app: App, endpoint_id: int, *, as_user: str | None = None,
              now: dt.datetime | None = None) -> Attempt:
    """Send a ``ping`` event to an endpoint now (logged; a failed ping is not retried)."""
    now = now or app.now()
    with app.transaction(as_user=as_user, now=now) as uow:
        endpoint = get_endpoint(uow, endpoint_id)
        event_id = new_event_id()
        payload = envelope(event_id, PING, now, {"endpoint_id": endpoint_id})
        delivery = WebhookDelivery(
            endpoint_id=endpoint_id, event_id=event_id, event_type=PING, payload=payload,
            status="pending", next_attempt_at=now + CLAIM_LEASE, created_at=now)
        uow.session.add(delivery)
        uow.session.flush()
        row = (delivery.id, endpoint.url, endpoint.secret)
    assert row[0] is not None
    with _client(app) as client:
        attempt = send(client, row[0], row[1], row[2], payload, now)
    _record(app, now, [_Fresh(row[0])], [attempt], DeliveryReport(), max_attempts=1)
    return attempt


@dataclass(frozen=True)
class _Fresh:
    """A delivery never attempted before, as :func:`_record` reads a claimed row."""

    id: int
    attempts: int = 0


def deliver_job(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """The ``core.webhooks_deliver`` job: send what is due, for at most 50 seconds."""
    return str(deliver_due(uow.app, now=uow.now, budget_seconds=50))


def purge_job(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """The ``core.webhooks_purge`` job: forget deliveries delivered over keep_days ago."""
    # From when it runs, not when it was due: a run missed for days catches up in full.
    cutoff = max(due_at, uow.now) - dt.timedelta(days=settings(uow.app).keep_days)
    result = uow.session.connection().execute(
        delete(_DELIVERIES).where(
            _DELIVERIES.c.status == "delivered", _DELIVERIES.c.delivered_at < cutoff
        )
    )
    return f"removed {result.rowcount} old webhook deliveries"

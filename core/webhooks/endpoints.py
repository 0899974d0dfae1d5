"""Webhook endpoints and the delivery log: add, list, disable, remove, replay.

Every function takes a unit of work and checks the acting user's permission
(``webhook_endpoint:<action>``, ``webhook_delivery:<action>``; admins only by default).

The event hooks ask :func:`may_deliver` first: a per-process cache of the active
endpoints' subscriptions, re-read every ``webhooks.cache_seconds`` and at once after a
change made in this process. A stale "nobody subscribes" means an endpoint added by
another process gets events from at most that many seconds later; a stale "somebody
does" costs one query (:func:`active_endpoints` then reads the truth in the transaction).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlmodel import col
from sqlmodel import select as orm_select

from guanxi import audit
from guanxi.access.enforce import require
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import WebhookDelivery, WebhookEndpoint
from guanxi.models.webhooks import DELIVERY_STATUSES
from guanxi.webhooks.settings import SECTION, WebhookSettings
from guanxi.webhooks.signing import new_secret

if TYPE_CHECKING:
    from guanxi.app import App, UnitOfWork

_ENDPOINTS = WebhookEndpoint.__table__  # type: ignore[attr-defined]
_DELIVERIES = WebhookDelivery.__table__  # type: ignore[attr-defined]
MAX_URL = 2000


def settings(app: App) -> WebhookSettings:
    """The resolved ``[webhooks]`` settings."""
    value = app.settings_for(SECTION)
    assert isinstance(value, WebhookSettings)
    return value


def subscribed(patterns: Sequence[str], event_type: str) -> bool:
    """Whether any of ``patterns`` (``"customer.*"``, ``"*"``, exact names) matches."""
    return any(fnmatch.fnmatchcase(event_type, pattern) for pattern in patterns)


# --------------------------------------------------------------------------- the cache


@dataclass
class _Cached:
    until: float
    patterns: tuple[tuple[str, ...], ...]


_cache: weakref.WeakKeyDictionary[Any, _Cached] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def forget(app: App) -> None:
    """Drop this process's cached subscriptions of ``app`` (after a change)."""
    with _lock:
        _cache.pop(app, None)


def may_deliver(uow: UnitOfWork, event_type: str) -> bool:
    """Whether some active endpoint may subscribe to ``event_type`` (cached per app)."""
    app = uow.app
    now = time.monotonic()
    cached = _cache.get(app)
    if cached is None or cached.until <= now:
        rows = uow.session.connection().execute(
            select(_ENDPOINTS.c.events).where(_ENDPOINTS.c.active.is_(True))
        ).all()
        cached = _Cached(now + settings(app).cache_seconds, tuple(tuple(r[0]) for r in rows))
        with _lock:
            _cache[app] = cached
    return any(subscribed(patterns, event_type) for patterns in cached.patterns)


def active_endpoints(uow: UnitOfWork, event_type: str) -> list[int]:
    """The ids of the active endpoints subscribed to ``event_type``, read in ``uow``."""
    rows = uow.session.connection().execute(
        select(_ENDPOINTS.c.id, _ENDPOINTS.c.events)
        .where(_ENDPOINTS.c.active.is_(True))
        .order_by(_ENDPOINTS.c.id)
    )
    return [row.id for row in rows if subscribed(row.events, event_type)]


# --------------------------------------------------------------------------- endpoints


def _audit(uow: UnitOfWork, action: str, endpoint: WebhookEndpoint, **changes: Any) -> None:
    """Audit a change of an endpoint by hand: the ORM audit would copy its secret."""
    audit.record(uow, [audit.Event(action, "webhook_endpoint", endpoint.id, None, changes)])


def check_url(url: str) -> str:
    """``url`` stripped, if it is an absolute http(s) URL with a host."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("url", f"{url!r} is not an http(s) URL")
    if len(url) > MAX_URL:
        raise ValidationError("url", f"is longer than {MAX_URL} characters")
    return url


def check_events(patterns: Sequence[str]) -> list[str]:
    """The event patterns, each matching at least one known event type."""
    from guanxi.webhooks.events import EVENT_TYPES

    cleaned = [p.strip() for p in patterns if p.strip()] or ["*"]
    for pattern in cleaned:
        if not any(fnmatch.fnmatchcase(name, pattern) for name in EVENT_TYPES):
            known = ", ".join(EVENT_TYPES)
            raise ValidationError("event", f"unknown event type {pattern!r} (known: {known})")
    return list(dict.fromkeys(cleaned))


@dataclass(frozen=True)
class NewEndpoint:
    """An endpoint just added, and its secret (shown once)."""

    endpoint: WebhookEndpoint
    secret: str


def add_endpoint(
    uow: UnitOfWork,
    url: str,
    events: Sequence[str] = (),
    *,
    secret: str | None = None,
    description: str = "",
) -> NewEndpoint:
    """Add an endpoint subscribed to ``events`` (all when empty); make a secret if none."""
    require(uow, "webhook_endpoint", "create")
    url = check_url(url)
    patterns = check_events(events)
    if secret is not None and not secret.strip():
        raise ValidationError("secret", "is empty")
    secret = secret.strip() if secret else new_secret()
    if len(secret) > 200:
        raise ValidationError("secret", "is longer than 200 characters")
    if len(description) > 200:
        raise ValidationError("description", "is longer than 200 characters")
    endpoint = WebhookEndpoint(
        url=url, secret=secret, events=patterns, description=description, created_at=uow.now
    )
    uow.session.add(endpoint)
    uow.session.flush()
    forget(uow.app)
    _audit(uow, "create", endpoint, url=url, events=patterns)
    return NewEndpoint(endpoint, secret)


def list_endpoints(uow: UnitOfWork) -> list[WebhookEndpoint]:
    """Every endpoint, oldest first."""
    require(uow, "webhook_endpoint", "read")
    return list(uow.session.exec(orm_select(WebhookEndpoint).order_by(col(WebhookEndpoint.id))))


def get_endpoint(uow: UnitOfWork, endpoint_id: int) -> WebhookEndpoint:
    """The endpoint ``endpoint_id``, or :class:`NotFoundError`."""
    require(uow, "webhook_endpoint", "read")
    found = uow.session.exec(
        orm_select(WebhookEndpoint).where(col(WebhookEndpoint.id) == endpoint_id)
    ).first()
    if found is None:
        raise NotFoundError(f"no webhook endpoint {endpoint_id}")
    return found


def set_active(uow: UnitOfWork, endpoint_id: int, active: bool) -> WebhookEndpoint:
    """Enable or disable an endpoint; a disabled one keeps its queued deliveries."""
    require(uow, "webhook_endpoint", "update")
    endpoint = get_endpoint(uow, endpoint_id)
    if endpoint.active != active:
        endpoint.active = active
        uow.session.add(endpoint)
        uow.session.flush()
        forget(uow.app)
        _audit(uow, "update", endpoint, active=[not active, active])
    return endpoint


def remove_endpoint(uow: UnitOfWork, endpoint_id: int) -> int:
    """Delete an endpoint and its delivery log; return how many deliveries went with it."""
    require(uow, "webhook_endpoint", "delete")
    endpoint = get_endpoint(uow, endpoint_id)
    connection = uow.session.connection()
    removed = connection.execute(
        _DELIVERIES.delete().where(_DELIVERIES.c.endpoint_id == endpoint_id)
    ).rowcount
    _audit(uow, "delete", endpoint, url=endpoint.url, deliveries=removed)
    uow.session.delete(endpoint)
    uow.session.flush()
    forget(uow.app)
    return removed


# --------------------------------------------------------------------------- the log


def check_status(status: str | None) -> str | None:
    """``status`` if it is a delivery status (or None)."""
    if status is not None and status not in DELIVERY_STATUSES:
        raise ValidationError(
            "status", f"unknown status {status!r} (one of {', '.join(DELIVERY_STATUSES)})"
        )
    return status


def deliveries_query(
    uow: UnitOfWork, *, endpoint_id: int | None = None, status: str | None = None
) -> Any:
    """The ORM query of the delivery log, newest first (for listings and pages)."""
    require(uow, "webhook_delivery", "read")
    query = orm_select(WebhookDelivery)
    if endpoint_id is not None:
        query = query.where(col(WebhookDelivery.endpoint_id) == endpoint_id)
    if check_status(status) is not None:
        query = query.where(col(WebhookDelivery.status) == status)
    return query


def list_deliveries(
    uow: UnitOfWork,
    *,
    endpoint_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[WebhookDelivery]:
    """The latest ``limit`` deliveries, newest first, of one endpoint or status if given."""
    if endpoint_id is not None:
        get_endpoint(uow, endpoint_id)
    query = deliveries_query(uow, endpoint_id=endpoint_id, status=status)
    query = query.order_by(col(WebhookDelivery.id).desc()).limit(limit)
    return list(uow.session.exec(query))


def _requeue(uow: UnitOfWork, condition: Any) -> int:
    result = uow.session.connection().execute(
        update(_DELIVERIES)
        .where(condition)
        .values(status="pending", attempts=0, next_attempt_at=uow.now, delivered_at=None,
                last_error=None, last_status_code=None)
    )
    uow.session.expire_all()
    return int(result.rowcount)


def replay(uow: UnitOfWork, delivery_ids: Sequence[int]) -> int:
    """Queue deliveries to be sent again (whatever their status); all must exist."""
    require(uow, "webhook_delivery", "update")
    wanted = sorted(set(delivery_ids))
    if not wanted:
        raise ValidationError("delivery", "give at least one delivery id")
    found = set(
        uow.session.connection().execute(
            select(_DELIVERIES.c.id).where(_DELIVERIES.c.id.in_(wanted))
        ).scalars()
    )
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise NotFoundError(f"no webhook delivery {', '.join(missing)}")
    return _requeue(uow, _DELIVERIES.c.id.in_(wanted))


def replay_since(uow: UnitOfWork, endpoint_id: int, since: dt.datetime) -> int:
    """Queue again every delivery of an endpoint created at or after ``since``."""
    require(uow, "webhook_delivery", "update")
    get_endpoint(uow, endpoint_id)
    return _requeue(
        uow, (_DELIVERIES.c.endpoint_id == endpoint_id) & (_DELIVERIES.c.created_at >= since)
    )

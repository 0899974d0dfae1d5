"""Signing webhook deliveries, and checking a signature on the receiving side.

The scheme is Standard Webhooks' (standardwebhooks.com), so receivers can use its
libraries: three headers, ``webhook-id`` (the event id, the same on every retry — use it
to drop duplicates), ``webhook-timestamp`` (Unix seconds of this attempt) and
``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``. The secret
is ``whsec_`` + base64 of 24 random bytes; the HMAC key is those bytes. A secret given by
hand without the prefix is used as UTF-8 text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
# A receiver refuses deliveries whose timestamp is further than this from its clock,
# so a captured request cannot be replayed later (Standard Webhooks uses 5 minutes).
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and base64 of 24 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def _key(secret: str) -> bytes:
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
        except ValueError:
            pass  # not base64 after all: fall back to the text
    return secret.encode("utf-8")


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value of ``body`` sent as ``event_id`` at ``timestamp``."""
    signed = f"{event_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def signed_headers(secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers of one attempt."""
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, event_id, timestamp, body),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """Whether ``body`` with ``headers`` was signed with ``secret`` recently enough.

    For receivers: pass the raw request body (bytes, before any JSON parsing) and its
    headers (any mapping; names are matched case-insensitively). False when a header is
    missing, the timestamp is more than ``tolerance`` seconds from ``now``, or no
    ``v1`` signature in the (space-separated) list matches.
    """
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    event_id = lower.get("webhook-id")
    stamp = lower.get("webhook-timestamp", "")
    given = lower.get("webhook-signature")
    if not event_id or not given or not stamp.isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > tolerance:
        return False
    raw = body.encode("utf-8") if isinstance(body, str) else body
    expected = sign(secret, event_id, int(stamp), raw)
    return any(hmac.compare_digest(expected, candidate) for candidate in given.split())

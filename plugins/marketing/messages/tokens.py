"""Signed unsubscribe tokens: who, on which channel, from which campaign.

A token is ``<payload>.<signature>``, both URL-safe base64 without padding. The payload
is ``customer_id:channel:campaign_id``; the signature is the first 16 bytes of its
HMAC-SHA256 under the signing key. Nothing is stored: a token is checked by signing
its payload again, so a link works for as long as the key stays the same.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from guanxi.app import App
from guanxi.errors import ConfigError, ValidationError

MIN_KEY_LENGTH = 16
SIGNATURE_BYTES = 16


@dataclass(frozen=True, slots=True)
class UnsubscribeRequest:
    """What a valid token says."""

    customer_id: int
    channel: str
    campaign_id: int | None


def signing_key(app: App) -> bytes:
    """The unsubscribe key: the setting, else its environment variable; refuse without one.

    There is no generated default on purpose: links signed with a key that changes on the
    next start would stop working, and a published default would let anyone unsubscribe
    anyone.
    """
    settings = app.settings_for("marketing").messages
    key = settings.unsubscribe_secret or os.environ.get(settings.unsubscribe_secret_env, "")
    if len(key) < MIN_KEY_LENGTH:
        raise ConfigError(
            "setting marketing.messages.unsubscribe_secret (or the environment variable "
            f"{settings.unsubscribe_secret_env}) must hold a key of at least "
            f"{MIN_KEY_LENGTH} characters: messages need signed unsubscribe links"
        )
    return key.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def make_token(key: bytes, customer_id: int, channel: str, campaign_id: int | None) -> str:
    """The token for one customer, channel and campaign."""
    return TokenSigner(key).token(customer_id, channel, campaign_id)


class TokenSigner:
    """Makes many tokens under one key: the HMAC is keyed once and copied per token.

    Keying HMAC-SHA256 (hashing the padded key twice) is most of the cost of a token;
    a campaign signs one per member.
    """

    def __init__(self, key: bytes):
        self.keyed = hmac.new(key, digestmod=hashlib.sha256)

    def token(self, customer_id: int, channel: str, campaign_id: int | None) -> str:
        """The token for one customer, channel and campaign (as :func:`make_token`)."""
        payload = f"{customer_id}:{channel}:{campaign_id or ''}".encode()
        mac = self.keyed.copy()
        mac.update(payload)
        return f"{_b64(payload)}.{_b64(mac.digest()[:SIGNATURE_BYTES])}"


def read_token(key: bytes, token: str) -> UnsubscribeRequest:
    """What ``token`` says; :class:`ValidationError` if it is malformed or not ours."""
    encoded, dot, signature = token.strip().partition(".")
    try:
        payload = _unb64(encoded)
        given = _unb64(signature)
    except ValueError:
        raise ValidationError("token", "is not an unsubscribe token") from None
    if not dot or not hmac.compare_digest(given, _sign(key, payload)):
        raise ValidationError("token", "is not a valid unsubscribe token (bad signature)")
    customer, channel, campaign = payload.decode().split(":")
    return UnsubscribeRequest(int(customer), channel, int(campaign) if campaign else None)


def unsubscribe_url(base: str, path: str, token: str) -> str:
    """The link put in a message: ``base`` + ``path`` + the token."""
    return f"{base.rstrip('/')}/{path.strip('/')}/{token}"

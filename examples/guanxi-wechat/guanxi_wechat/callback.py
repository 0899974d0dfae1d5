"""Reading a WeChat callback: the signature check and the message body (XML or JSON).

WeChat signs a callback to the account's server URL with three query parameters:
``signature = sha1("".join(sorted([token, timestamp, nonce])))``. The body is XML for the
official account (公众号) and JSON where the account is configured for it; both carry the
same field names (``FromUserName``, ``MsgType``, ``Content``, ``MsgId``, ``Event`` …).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from guanxi.errors import ValidationError
from guanxi_wechat.kinds import MSG_TYPES

MAX_BODY = 64 * 1024  # WeChat's bodies are a few kilobytes; refuse anything far larger


def signature_of(token: str, timestamp: str, nonce: str) -> str:
    """The signature WeChat sends with a callback for ``token``, ``timestamp``, ``nonce``."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def verify_signature(token: str, signature: str, timestamp: str, nonce: str) -> None:
    """Raise :class:`ValidationError` naming ``--signature`` unless it is WeChat's."""
    if not token:
        raise ValidationError("wechat.token", "is not set, so no callback can be verified")
    if not timestamp or not nonce:
        raise ValidationError("--timestamp", "and --nonce are needed to verify a signature")
    # compare_digest: the comparison takes as long whatever prefix matches.
    if not hmac.compare_digest(signature_of(token, timestamp, nonce), signature.lower()):
        raise ValidationError("--signature", "does not match the token, timestamp and nonce")


@dataclass(frozen=True)
class InboundMessage:
    """One callback body, as read from XML or JSON."""

    openid: str
    msg_type: str
    created_at: dt.datetime | None  # None: the body gave no CreateTime
    content: str | None = None
    msg_id: str | None = None
    event: str | None = None
    pic_url: str | None = None
    to_user: str | None = None


def _from_xml(body: str) -> dict[str, Any]:
    # A DOCTYPE is how entity-expansion attacks start; WeChat never sends one.
    if "<!DOCTYPE" in body.upper():
        raise ValidationError("body", "an XML body with a DOCTYPE is refused")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ValidationError("body", f"is not well-formed XML ({exc})") from None
    if root.tag != "xml":
        raise ValidationError("body", f"the root element is <{root.tag}>, not <xml>")
    return {child.tag: (child.text or "").strip() for child in root}


def _from_json(body: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValidationError("body", f"is not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ValidationError("body", "a JSON body must be an object")
    return data


def parse_body(body: str) -> InboundMessage:
    """Read a callback body (XML when it starts with ``<``, else JSON).

    Raises :class:`ValidationError` naming the missing or wrong field.
    """
    if len(body) > MAX_BODY:
        raise ValidationError("body", f"is longer than {MAX_BODY} characters")
    text = body.strip()
    if not text:
        raise ValidationError("body", "is empty")
    data = _from_xml(text) if text.startswith("<") else _from_json(text)
    openid = str(data.get("FromUserName") or "").strip()
    if not openid:
        raise ValidationError("FromUserName", "is missing: the sender's openid is required")
    if len(openid) > 64:
        raise ValidationError("FromUserName", "is longer than 64 characters")
    msg_type = str(data.get("MsgType") or "").strip()
    if msg_type not in MSG_TYPES:
        raise ValidationError("MsgType", f"{msg_type!r} is not one of {', '.join(MSG_TYPES)}")
    created = None
    if data.get("CreateTime") not in (None, ""):
        try:
            created = dt.datetime.fromtimestamp(int(data["CreateTime"]), dt.UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            raise ValidationError("CreateTime", "is not a Unix time in seconds") from None
    content = data.get("Content")
    if msg_type == "text" and not (isinstance(content, str) and content.strip()):
        raise ValidationError("Content", "a text message needs its text")
    event = data.get("Event")
    if msg_type == "event" and not event:
        raise ValidationError("Event", "an event message needs the event's name")

    def text_of(key: str) -> str | None:
        value = data.get(key)
        return None if value in (None, "") else str(value)

    return InboundMessage(
        openid=openid, msg_type=msg_type, created_at=created,
        content=content.strip() if isinstance(content, str) and content.strip() else None,
        msg_id=text_of("MsgId"), event=text_of("Event"), pic_url=text_of("PicUrl"),
        to_user=text_of("ToUserName"))

"""Email messages as MIME bytes: UTF-8 bodies, encoded Chinese headers, unsubscribe header.

The layout of a campaign message is always the same (a handful of headers, a text and
an HTML part), so it is written directly instead of through :mod:`email.message` and
its generator: building and flattening an ``EmailMessage`` cost about ten times more
than the rest of the send path per message, which matters at 100,000 messages. What
makes the result safe is spelled out here:

* non-ASCII header text (subject, display names) becomes RFC 2047 encoded words
  (``=?utf-8?b?…?=``), each at most 75 characters and cut between characters, on folded
  lines; ASCII text that fits on one line goes as it is;
* both bodies are UTF-8 in base64 (76-character lines), so the message is 7-bit clean and
  needs neither SMTPUTF8 nor 8BITMIME;
* CR and LF never reach a header from a value (header injection): they are folded away;
* the multipart boundary contains ``=`` and ``_``, which base64 bodies and the fixed part
  headers never contain, so it needs no search for a free one.
"""

from __future__ import annotations

import base64
from email.utils import formataddr, formatdate

from guanxi_marketing.messages.render import RenderedMessage

MAX_LINE = 78
# 42 bytes of UTF-8 make 56 base64 characters: with "=?utf-8?b?" and "?=" that is 68
# (RFC 2047 allows 75), so even after "Subject: " the first line stays within 78.
WORD_BYTES = 42


def message_id_for(campaign_id: int | None, customer_id: int, domain: str) -> str:
    """A Message-ID fixed by campaign and customer, so a server log can be checked by it."""
    return f"<guanxi.{campaign_id or 0}.{customer_id}@{domain}>"


def sender_domain(address: str) -> str:
    """The domain of an email address (``localhost`` when it has none)."""
    return address.rpartition("@")[2] or "localhost"


def _one_line(value: str) -> str:
    return " ".join(value.split()) if ("\r" in value or "\n" in value) else value


def encoded_words(text: str) -> str:
    """``text`` as RFC 2047 base64 encoded words on folded lines (never splitting a char)."""
    words, chunk, size = [], [], 0
    for char in text:
        width = len(char.encode())
        if size + width > WORD_BYTES:
            words.append("".join(chunk))
            chunk, size = [], 0
        chunk.append(char)
        size += width
    words.append("".join(chunk))
    return "\r\n ".join(
        f"=?utf-8?b?{base64.b64encode(word.encode()).decode('ascii')}?=" for word in words
    )


def header_text(name: str, value: str) -> str:
    """An unstructured header's value (a subject): as is when short ASCII, else encoded."""
    value = _one_line(value)
    if value.isascii() and len(name) + len(value) + 2 <= MAX_LINE and "=?" not in value:
        return value
    return encoded_words(value)


def mailbox(name: str | None, address: str) -> str:
    """``Name <address>`` with the name quoted (ASCII) or encoded (anything else)."""
    address = _one_line(address)
    if not name:
        return address
    name = _one_line(name)
    if name.isascii() and "=?" not in name:
        return formataddr((name, address))
    return f"{encoded_words(name)} <{address}>"


def _base64_body(text: str) -> bytes:
    # encodebytes writes 76-character lines ending in LF; SMTP wants CRLF.
    return base64.encodebytes(text.encode()).replace(b"\n", b"\r\n")


def _part(subtype: str, text: str) -> bytes:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
    ).encode() + _base64_body(text)


def email_bytes(message: RenderedMessage, *, from_address: str, from_name: str | None) -> bytes:
    """The message as it goes over SMTP (CRLF line ends, 7-bit)."""
    headers = [
        f"Subject: {header_text('Subject', message.subject or '')}",
        f"From: {mailbox(from_name, from_address)}",
        f"To: {mailbox(message.display_name, message.address or '')}",
        f"Date: {formatdate()}",
    ]
    if message.message_id:
        headers.append(f"Message-ID: {_one_line(message.message_id)}")
    if message.unsubscribe_url:
        headers.append(f"List-Unsubscribe: <{_one_line(message.unsubscribe_url)}>")
    headers.append("MIME-Version: 1.0")
    head = "\r\n".join(headers).encode()
    if message.html is not None and not message.text:
        return head + b"\r\n" + _part("html", message.html)
    if message.html is None:
        return head + b"\r\n" + _part("plain", message.text)
    boundary = f"=_guanxi.{message.customer_id}.alternative".encode()
    return b"".join((
        head, b'\r\nContent-Type: multipart/alternative; boundary="', boundary, b'"\r\n\r\n',
        b"--", boundary, b"\r\n", _part("plain", message.text),
        b"--", boundary, b"\r\n", _part("html", message.html),
        b"--", boundary, b"--\r\n",
    ))

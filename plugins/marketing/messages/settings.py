"""Settings of the messages area (``[marketing.messages]``).

Secrets stay out of files: the SMTP password is read from the environment variable
named by ``password_env``, and the key that signs unsubscribe links comes from
``unsubscribe_secret`` or, when that is empty, from the environment variable named by
``unsubscribe_secret_env``. Without a key nothing is sent (see
:func:`guanxi_marketing.messages.tokens.signing_key`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TlsMode = Literal["none", "starttls", "ssl"]


class MessageSettings(BaseModel):
    """How the messages area behaves; every field has a working default."""

    model_config = ConfigDict(extra="forbid")

    smtp_host: str = Field("127.0.0.1", description="SMTP server host name")
    smtp_port: int = Field(25, ge=1, le=65535, description="SMTP server port")
    tls: TlsMode = Field("none", description="none, starttls (upgrade port 25/587) or ssl (465)")
    username: str | None = Field(None, description="SMTP login (None: no AUTH)")
    password_env: str = Field(
        "GUANXI_SMTP_PASSWORD", description="Environment variable holding the SMTP password"
    )
    from_address: str = Field("marketing@example.com", description="Envelope and From address")
    from_name: str | None = Field(None, description="Display name of the sender (may be Chinese)")
    timeout: float = Field(30.0, gt=0, description="Seconds to wait for the SMTP server")
    batch_size: int = Field(
        500, ge=1, le=10_000, description="Messages claimed and recorded per transaction"
    )
    connections: int = Field(
        4, ge=1, le=32,
        description="SMTP connections used in parallel (one sender thread each; email only)",
    )
    rate_limit: float | None = Field(
        None, gt=0, description="At most this many messages per second (None: as fast as possible)"
    )
    base_url: str = Field(
        "http://localhost:8000", description="Public URL the unsubscribe links start with"
    )
    unsubscribe_path: str = Field(
        "/marketing/unsubscribe/", description="Path after base_url; the token follows it"
    )
    unsubscribe_secret: str | None = Field(
        None, description="Key that signs unsubscribe tokens (prefer the environment variable)"
    )
    unsubscribe_secret_env: str = Field(
        "GUANXI_UNSUBSCRIBE_SECRET", description="Environment variable holding that key"
    )
    consent_purpose: str = Field(
        "marketing", description="The privacy purpose messages need consent for"
    )
    email_sender: str = Field("smtp", description="Sender of email: smtp, outbox or module:factory")
    sms_sender: str = Field("outbox", description="Sender of SMS: outbox or module:factory")
    letter_sender: str = Field("outbox", description="Sender of letters: outbox or module:factory")

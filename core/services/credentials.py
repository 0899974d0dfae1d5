"""API tokens, console sessions and staff passwords.

A token is ``gx_`` and 43 URL-safe random characters; only its SHA-256 is stored, so a
copy of the database gives no working token. Passwords are hashed with scrypt from the
standard library (no extra dependency, memory-hard, the parameters kept in the hash so
they can be raised later without invalidating old hashes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import col, select

from guanxi import audit
from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import ApiToken, Staff, StaffCredential
from guanxi.services.staff import get_staff

TOKEN_PREFIX = "gx_"
TOKEN_KINDS = ("api", "session")
MIN_PASSWORD_LENGTH = 8
# scrypt cost: 16 MiB of memory and some 50 ms per check on a small server.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


@dataclass(frozen=True)
class IssuedToken:
    """A token just made: the stored row and the secret, which is never shown again."""

    token: ApiToken
    secret: str


def token_hash(secret: str) -> str:
    """The stored form of a token's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(
    uow: UnitOfWork,
    staff: str | int,
    *,
    kind: str = "api",
    name: str = "",
    lifetime: dt.timedelta | None = None,
    read_only: bool = False,
) -> IssuedToken:
    """Make a token for a staff user; ``lifetime`` None means it does not expire.

    Making an API token for someone else needs ``api_token:create``; a console login
    makes its own session token. A ``read_only`` API token acts with only the read
    permissions of its user's roles (for reporting tools and data pipelines).
    """
    if kind not in TOKEN_KINDS:
        raise ValidationError("kind", f"{kind!r} is not one of {', '.join(TOKEN_KINDS)}")
    if read_only and kind != "api":
        raise ValidationError("read_only", "only an API token can be read-only")
    user = get_staff(uow, staff)
    if user.id != uow.actor_id:
        require(uow, "api_token", "create")
    if not user.is_active:
        raise ValidationError("staff", f"staff user {user.username!r} is not active")
    if lifetime is not None and lifetime <= dt.timedelta(0):
        raise ValidationError("expires", "must be in the future")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        staff_id=user.id,  # type: ignore[arg-type]
        kind=kind,
        name=name.strip()[:80],
        token_hash=token_hash(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        created_at=uow.now,
        expires_at=uow.now + lifetime if lifetime is not None else None,
        read_only=read_only,
    )
    uow.session.add(row)
    uow.session.flush()
    if kind == "api":
        detail = user.username + (" (read-only)" if read_only else "")
        audit.record(uow, [audit.Event("create", "api_token", row.id, detail=detail)])
    return IssuedToken(row, secret)


def find_token(uow: UnitOfWork, secret: str, *, kind: str) -> tuple[ApiToken, Staff] | None:
    """The live token with this secret and its staff user (None: unknown, expired,
    revoked, of another kind, or of an inactive user)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    found = uow.session.exec(
        select(ApiToken, Staff)
        .join(Staff, col(Staff.id) == col(ApiToken.staff_id))
        .where(ApiToken.token_hash == token_hash(secret), ApiToken.kind == kind)
    ).first()
    if found is None:
        return None
    token, staff = found
    if token.revoked_at is not None or not staff.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= uow.now:
        return None
    return token, staff


def touch_token(app: App, token_id: int) -> None:
    """Record that a token was used now (its own short write transaction: the request
    that used it may be read-only)."""
    with app.transaction() as uow:
        uow.session.execute(
            update(ApiToken).where(col(ApiToken.id) == token_id).values(last_used_at=uow.now)
        )


def revoke_token(uow: UnitOfWork, token_id: int) -> ApiToken:
    """Revoke a token (a console logout revokes its session)."""
    token = uow.session.get(ApiToken, token_id)
    if token is None:
        raise NotFoundError(f"no token {token_id}")
    if token.staff_id != uow.actor_id:
        require(uow, "api_token", "update")
    if token.revoked_at is None:
        token.revoked_at = uow.now
        uow.session.add(token)
        if token.kind == "api":
            audit.record(uow, [audit.Event("revoke", "api_token", token.id)])
    return token


def list_tokens(uow: UnitOfWork, *, staff: str | int | None = None) -> list[ApiToken]:
    """API tokens (not sessions), newest first, optionally of one staff user."""
    require(uow, "api_token", "read")
    query = select(ApiToken).where(ApiToken.kind == "api")
    if staff is not None:
        query = query.where(ApiToken.staff_id == get_staff(uow, staff).id)
    return list(uow.session.exec(query.order_by(col(ApiToken.id).desc())))


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """The stored form of a password: ``scrypt$n$r$p$salt$hash`` (hex)."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def _password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    actual = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(actual.hex(), digest)


def set_password(uow: UnitOfWork, staff: str | int, password: str) -> None:
    """Set a staff user's console password (his own, or anyone's with ``staff:update``)."""
    user = get_staff(uow, staff)
    if user.id != uow.actor_id:
        require(uow, "staff", "update")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    credential = uow.session.get(StaffCredential, user.id)
    if credential is None:
        credential = StaffCredential(staff_id=user.id, password_hash="", changed_at=uow.now)  # type: ignore[arg-type]
    credential.password_hash = hash_password(password)
    credential.changed_at = uow.now
    uow.session.add(credential)
    audit.record(uow, [audit.Event("update", "staff_credential", user.id, detail=user.username)])


def check_password(uow: UnitOfWork, username: str, password: str) -> Staff | None:
    """The active staff user with this username and password, or None.

    An unknown user costs the same scrypt work as a wrong password, so the answer time
    does not tell which usernames exist.
    """
    found = uow.session.exec(
        select(Staff, StaffCredential)
        .join(StaffCredential, col(StaffCredential.staff_id) == col(Staff.id))
        .where(Staff.username == username.strip().lower())
    ).first()
    if found is None:
        _password_matches(password, hash_password("-", salt=b"0" * 16))
        return None
    staff, credential = found
    if not _password_matches(password, credential.password_hash) or not staff.is_active:
        return None
    return staff

"""Social posts under the content policy: check, plan (refused when it breaks the
policy, unless forced and audited), list, and report per account and period.

Posts belong to the company's social accounts, not to customers, so no record policy
applies to them; the role grants of ``marketing.social_post`` decide who may read or
plan them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Integer, cast, func
from sqlmodel import col, select

from guanxi import audit
from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi_marketing.triggers.content import (
    Violation,
    commercial_keywords,
    length_findings,
    period_of,
    post_length,
    share_findings,
    share_status,
)
from guanxi_marketing.triggers.models import SocialPost
from guanxi_marketing.triggers.settings import ContentPolicySettings

ENTITY = "marketing.social_post"
MAX_ACCOUNT = 120


@dataclass
class PostCheck:
    """The content policy's verdict on a post: its length, class and findings."""

    account: str
    length: int
    commercial: bool
    classified_by: str  # author | keywords
    keywords: list[str]
    period: str
    commercial_in_period: int  # including this post
    posts_in_period: int  # including this post
    violations: list[Violation] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        """Whether a finding forbids planning the post."""
        return any(v.severity == "violation" for v in self.violations)


def content_policy(uow: UnitOfWork) -> ContentPolicySettings:
    """The resolved content policy (``[marketing.triggers.content]``)."""
    return uow.app.settings_for("marketing").triggers.content


def _period_bounds(uow: UnitOfWork, at: dt.datetime) -> tuple[str, dt.datetime, dt.datetime]:
    tz = uow.app.tz
    label, first, after = period_of(at.astimezone(tz).date(), content_policy(uow).period)
    start = dt.datetime.combine(first, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(after, dt.time(), tzinfo=tz).astimezone(dt.UTC)
    return label, start, end


def _count_true(condition: Any) -> ColumnElement[int]:
    """How many rows of a group meet ``condition`` (a boolean column or expression)."""
    return func.coalesce(func.sum(cast(condition, Integer)), 0)


def _counts(
    uow: UnitOfWork, account: str, start: dt.datetime, end: dt.datetime
) -> tuple[int, int]:
    """(commercial, all) posts of the account planned within [start, end)."""
    query = select(func.count(), _count_true(col(SocialPost.commercial))).where(
        SocialPost.account == account,
        col(SocialPost.planned_at) >= start,
        col(SocialPost.planned_at) < end,
    )
    total, commercial_count = uow.session.exec(query).one()
    return int(commercial_count), int(total)


def _clean_account(account: str) -> str:
    cleaned = (account or "").strip()
    if not cleaned:
        raise ValidationError("account", "name the social account")
    if len(cleaned) > MAX_ACCOUNT:
        raise ValidationError("account", f"is longer than {MAX_ACCOUNT} characters")
    return cleaned


def _aware(at: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """``at`` in UTC; a naive value is local time of the edition."""
    return (at if at.tzinfo is not None else at.replace(tzinfo=tz)).astimezone(dt.UTC)


def check_post(
    uow: UnitOfWork,
    text: str,
    account: str,
    at: dt.datetime,
    *,
    commercial: bool | None = None,
) -> PostCheck:
    """Check a post planned on ``account`` at ``at`` against the content policy.

    ``commercial`` is the author's word; without it the configured keywords decide.
    The share counts the account's posts planned in the policy period holding ``at``
    plus this one, and is judged only for a commercial post (a plain post can only
    lower the share).
    """
    require(uow, ENTITY, "read")
    if not (text or "").strip():
        raise ValidationError("text", "the post is empty")
    account = _clean_account(account)
    at = _aware(at, uow.app.tz)
    policy = content_policy(uow)
    length = post_length(text, policy)
    found = commercial_keywords(text, policy)
    is_commercial = bool(found) if commercial is None else commercial
    label, start, end = _period_bounds(uow, at)
    commercial_count, total = _counts(uow, account, start, end)
    commercial_count += int(is_commercial)
    total += 1
    violations = length_findings(length, policy)
    if is_commercial:
        violations += share_findings(commercial_count, total, policy)
    return PostCheck(
        account=account,
        length=length,
        commercial=is_commercial,
        classified_by="keywords" if commercial is None else "author",
        keywords=found,
        period=label,
        commercial_in_period=commercial_count,
        posts_in_period=total,
        violations=violations,
    )


def add_post(
    uow: UnitOfWork,
    *,
    account: str,
    text: str,
    at: dt.datetime,
    commercial: bool | None = None,
    published: bool = False,
    force: bool = False,
    reason: str | None = None,
) -> SocialPost:
    """Plan (or record as published) a post; a policy violation refuses it.

    With ``force`` (and a ``reason``) a violating post is stored all the same, marked
    ``forced``, and the override is written to the audit log with its findings.
    """
    require(uow, ENTITY, "create")
    checked = check_post(uow, text, account, at, commercial=commercial)
    if checked.refused and not force:
        first = next(v for v in checked.violations if v.severity == "violation")
        field_name = "text" if first.rule == "length" else "commercial"
        raise ValidationError(field_name, f"{first.message} (use force to override)")
    if force and checked.refused and not (reason or "").strip():
        raise ValidationError("reason", "say why the policy is overridden")
    at = _aware(at, uow.app.tz)
    post = SocialPost(
        account=checked.account,
        text=text.strip(),
        length=checked.length,
        commercial=checked.commercial,
        classified_by=checked.classified_by,
        status="published" if published else "planned",
        planned_at=at,
        published_at=at if published else None,
        forced=force and checked.refused,
        override_reason=((reason or "").strip() or None) if checked.refused else None,
        violations=[v.__dict__ for v in checked.violations],
        created_by_id=uow.actor_id,
        created_at=uow.now,
    )
    uow.session.add(post)
    uow.session.flush()
    if post.forced:
        detail = "; ".join(v.message for v in checked.violations if v.severity == "violation")
        audit.record(
            uow,
            [audit.Event("override", ENTITY, entity_id=post.id, detail=f"{detail}: {reason}")],
        )
    return post


def list_posts(
    uow: UnitOfWork,
    *,
    account: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[SocialPost]:
    """Posts by planned time, optionally of one account and within [since, until)."""
    require(uow, ENTITY, "read")
    query = select(SocialPost).order_by(col(SocialPost.planned_at), col(SocialPost.id))
    if account is not None:
        query = query.where(SocialPost.account == account)
    if since is not None:
        query = query.where(col(SocialPost.planned_at) >= since)
    if until is not None:
        query = query.where(col(SocialPost.planned_at) < until)
    return list(uow.session.exec(query))


def content_report(
    uow: UnitOfWork, *, on: dt.date, account: str | None = None
) -> list[dict[str, Any]]:
    """Per account, the policy period holding ``on``: posts, commercial share, status."""
    require(uow, ENTITY, "read")
    policy = content_policy(uow)
    at = dt.datetime.combine(on, dt.time(12), tzinfo=uow.app.tz)
    label, start, end = _period_bounds(uow, at)
    query = (
        select(
            SocialPost.account,
            func.count(),
            _count_true(col(SocialPost.commercial)),
            _count_true(col(SocialPost.length) > policy.max_length),
            _count_true(col(SocialPost.forced)),
        )
        .where(col(SocialPost.planned_at) >= start, col(SocialPost.planned_at) < end)
        .group_by(col(SocialPost.account))
        .order_by(col(SocialPost.account))
    )
    if account is not None:
        query = query.where(SocialPost.account == account)
    rows = []
    for name, total, commercial_count, long_count, forced in uow.session.exec(query):
        share = commercial_count / total if total else 0.0
        rows.append(
            {
                "account": name,
                "period": label,
                "posts": int(total),
                "commercial": int(commercial_count),
                "share": round(share, 4),
                "status": share_status(int(commercial_count), int(total), policy),
                "too_long": int(long_count),
                "forced": int(forced),
            }
        )
    return rows

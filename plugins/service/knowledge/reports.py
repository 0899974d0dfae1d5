"""Report ``service.kb_usage``: which articles are used, and what people look for in vain.

- most linked: articles linked to the most tickets since ``since`` (then the most often
  sent; links of customers the principal may see only: they go through the record
  policies);
- most viewed and most helpful: the articles' counters (all time);
- needs work: the articles with the most "not helpful" votes;
- knowledge gaps: queries searched since ``since`` that found nothing, most often first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi.errors import ValidationError
from guanxi_service.knowledge.categories import category_paths
from guanxi_service.knowledge.common import ARTICLE, LINK, SEARCH
from guanxi_service.knowledge.models import KbArticle, KbSearch, KbTicketLink

DEFAULT_DAYS = 90


def _since(uow: UnitOfWork, since: dt.date | str | None, days: int | None) -> dt.datetime:
    if since is not None:
        try:
            day = since if isinstance(since, dt.date) else dt.date.fromisoformat(str(since))
        except ValueError:
            raise ValidationError("since", f"not a date (YYYY-MM-DD): {since!r}") from None
    else:
        span = DEFAULT_DAYS if days is None else int(days)
        if span < 1:
            raise ValidationError("days", "must be at least 1")
        day = uow.today() - dt.timedelta(days=span)
    return dt.datetime.combine(day, dt.time(), tzinfo=uow.app.tz).astimezone(dt.UTC)


def _article(a: KbArticle, paths: dict[int, str], **extra: Any) -> dict[str, Any]:
    return {"id": a.id, "title": a.title, "category": paths.get(a.category_id),
            "status": a.status, "audience": a.audience, **extra}


def kb_usage(uow: UnitOfWork, *, since: dt.date | str | None = None, days: int | None = None,
             limit: int = 10) -> dict[str, Any]:
    """The usage of the knowledge base (see the module docstring)."""
    require(uow, ARTICLE, "read")
    require(uow, LINK, "read")
    require(uow, SEARCH, "read")
    if int(limit) < 1:
        raise ValidationError("limit", "must be at least 1")
    start = _since(uow, since, days)
    paths = category_paths(uow)
    linked = uow.session.exec(
        select(KbArticle, func.count(KbTicketLink.id), func.count(KbTicketLink.sent_at))
        .join(KbTicketLink, KbTicketLink.article_id == KbArticle.id)
        .where(KbTicketLink.linked_at >= start)
        .group_by(KbArticle.id)
        .order_by(func.count(KbTicketLink.id).desc(), func.count(KbTicketLink.sent_at).desc(),
                  KbArticle.id)
        .limit(limit)).all()
    viewed = uow.session.exec(select(KbArticle).where(KbArticle.view_count > 0).order_by(
        KbArticle.view_count.desc(), KbArticle.id).limit(limit)).scalars().all()
    helpful = uow.session.exec(select(KbArticle).where(KbArticle.helpful_count > 0).order_by(
        KbArticle.helpful_count.desc(), KbArticle.not_helpful_count, KbArticle.id)
        .limit(limit)).scalars().all()
    unhelpful = uow.session.exec(select(KbArticle).where(KbArticle.not_helpful_count > 0)
                                 .order_by(KbArticle.not_helpful_count.desc(),
                                           KbArticle.helpful_count, KbArticle.id)
                                 .limit(limit)).scalars().all()
    searches, empty = uow.session.exec(
        select(func.count(KbSearch.id), func.count(KbSearch.id).filter(KbSearch.results == 0))
        .where(KbSearch.at >= start)).one()
    gaps = uow.session.exec(
        select(KbSearch.query, func.count(KbSearch.id), func.max(KbSearch.at))
        .where(KbSearch.results == 0, KbSearch.at >= start)
        .group_by(KbSearch.query).order_by(func.count(KbSearch.id).desc(), KbSearch.query)
        .limit(limit)).all()

    def votes(a: KbArticle) -> dict[str, Any]:
        total = a.helpful_count + a.not_helpful_count
        return {"helpful": a.helpful_count, "not_helpful": a.not_helpful_count,
                "helpful_rate": round(a.helpful_count / total, 3) if total else None}

    return {
        "report": "service.kb_usage",
        "since": start.astimezone(uow.app.tz).date(),
        "articles": {status: n for status, n in uow.session.exec(
            select(KbArticle.status, func.count()).group_by(KbArticle.status)).all()},
        "most_linked": [_article(a, paths, links=int(n), sent=int(sent))
                        for a, n, sent in linked],
        "most_viewed": [_article(a, paths, views=a.view_count) for a in viewed],
        "most_helpful": [_article(a, paths, **votes(a)) for a in helpful],
        "needs_work": [_article(a, paths, **votes(a)) for a in unhelpful],
        "searches": int(searches or 0),
        "searches_without_results": int(empty or 0),
        "knowledge_gaps": [{"query": q, "searches": int(n), "last_at": last}
                           for q, n, last in gaps],
    }


def usage_report(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``service.kb_usage``: options since (YYYY-MM-DD) or days (90), limit (10)."""
    return to_jsonable(kb_usage(uow, **options))


def register_reports(register: Callable[..., None]) -> None:
    """The knowledge base's usage and gaps."""
    register("service.kb_usage", usage_report,
             description="knowledge base: most linked/viewed/helpful articles, searches "
                         "without results (knowledge gaps)")

"""Reading the knowledge base: listing, one article in full, search, views and feedback."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import NotFoundError, ValidationError
from guanxi.inputs import parse_choice
from guanxi.services.customers import require_customer
from guanxi.services.staff import usernames
from guanxi_service.knowledge.articles import article_tags, tags_of
from guanxi_service.knowledge.categories import category_paths
from guanxi_service.knowledge.common import (
    ARTICLE,
    FEEDBACK,
    category_field,
    get_article,
)
from guanxi_service.knowledge.index import Filters, check_query, descendants, log_search, rank
from guanxi_service.knowledge.models import (
    ARTICLE_STATUSES,
    AUDIENCES,
    KbArticle,
    KbFeedback,
    KbTicketLink,
)

MAX_COMMENT = 2000
MAX_LIMIT = 1000


def check_limit(limit: int) -> int:
    """A page size between 1 and :data:`MAX_LIMIT`."""
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise ValidationError("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
    return limit


@dataclass(frozen=True)
class ArticleRow:
    """An article as listed or found: no body; a score when it came from a search."""

    id: int
    title: str
    summary: str | None
    category: str | None
    status: str
    audience: str
    tags: list[str]
    version: int
    author: str | None
    updated_at: dt.datetime
    published_at: dt.datetime | None
    views: int
    helpful: int
    not_helpful: int
    score: float | None = None


def article_rows(uow: UnitOfWork, articles: list[KbArticle],
                 scores: dict[int, float] | None = None) -> list[ArticleRow]:
    """Listing rows for stored articles (in the given order)."""
    paths = category_paths(uow)
    authors = usernames(uow, [a.author_id for a in articles])
    tags = tags_of(uow, [a.id for a in articles])
    return [ArticleRow(
        id=a.id, title=a.title, summary=a.summary, category=paths.get(a.category_id),
        status=a.status, audience=a.audience, tags=tags.get(a.id, []), version=a.version,
        author=authors.get(a.author_id) if a.author_id else None, updated_at=a.updated_at,
        published_at=a.published_at, views=a.view_count, helpful=a.helpful_count,
        not_helpful=a.not_helpful_count,
        score=round(scores[a.id], 4) if scores is not None else None) for a in articles]


def _filters(uow: UnitOfWork, *, status: str | None, audience: str | None,
             category: int | str | None, tag: str | None) -> Filters:
    statuses = None if status in (None, "any") else (
        parse_choice(status, ARTICLE_STATUSES, "status"),)
    kind = parse_choice(audience, AUDIENCES, "audience") if audience is not None else None
    category_ids = None
    if category is not None:
        category_ids = tuple(descendants(uow, category_field(uow, category).id))
    return Filters(statuses=statuses, audience=kind, category_ids=category_ids,
                   tag=" ".join(tag.split()) if tag else None)


def list_articles(
    uow: UnitOfWork, *, status: str | None = None, audience: str | None = None,
    category: int | str | None = None, tag: str | None = None, limit: int = 100,
    after_id: int | None = None,
) -> list[ArticleRow]:
    """Articles in id order (``category`` includes the categories below it)."""
    require(uow, ARTICLE, "read")
    check_limit(limit)
    filters = _filters(uow, status=status, audience=audience, category=category, tag=tag)
    query = filters.apply(select(KbArticle))
    if after_id is not None:
        query = query.where(KbArticle.id > after_id)
    found = list(uow.session.exec(query.order_by(KbArticle.id).limit(limit)).scalars())
    return article_rows(uow, found)


def search_articles(
    uow: UnitOfWork, query: str, *, status: str | None = "published",
    audience: str | None = None, category: int | str | None = None, tag: str | None = None,
    limit: int = 20, log: bool = True,
) -> list[ArticleRow]:
    """Articles matching ``query`` (Chinese or English), best first by BM25.

    By default only published articles of either audience; ``audience="public"`` is what
    a customer may be shown. The search is logged (query and hit count, nobody's id)
    unless ``log`` is False or the settings turn the log off.
    """
    require(uow, ARTICLE, "read")
    terms = check_query(query)
    check_limit(limit)
    filters = _filters(uow, status=status, audience=audience, category=category, tag=tag)
    hits = rank(uow, terms, filters)
    if log:
        log_search(uow, query, len(hits), filters.audience)
    top = hits[:limit]
    by_id = {a.id: a for a in uow.session.exec(select(KbArticle).where(
        KbArticle.id.in_([h.article_id for h in top]))).scalars()} if top else {}
    return article_rows(uow, [by_id[h.article_id] for h in top],
                        {h.article_id: h.score for h in top})


@dataclass(frozen=True)
class ArticleDetail:
    """One article in full: the listing row, its Markdown body and the tickets it is on."""

    article: ArticleRow
    body: str
    category_id: int
    updated_by: str | None
    created_at: dt.datetime
    archived_at: dt.datetime | None
    ticket_ids: list[int]


def article_detail(uow: UnitOfWork, article_id: int | str) -> ArticleDetail:
    """Everything about one article (tickets only where the principal sees the customer)."""
    article = get_article(uow, article_id)
    tickets = uow.session.exec(select(KbTicketLink.ticket_id).where(
        KbTicketLink.article_id == article.id).order_by(KbTicketLink.ticket_id)).scalars().all()
    names = usernames(uow, [article.updated_by_id])
    return ArticleDetail(
        article=article_rows(uow, [article])[0], body=article.body,
        category_id=article.category_id, updated_by=names.get(article.updated_by_id),
        created_at=article.created_at, archived_at=article.archived_at,
        ticket_ids=list(tickets))


def _published_for(uow: UnitOfWork, article: KbArticle, customer_id: int | None) -> None:
    """A customer sees published public articles only; staff any published one."""
    if article.status != "published":
        raise ValidationError("article", f"article {article.id} is {article.status}, "
                                         "not published")
    if customer_id is not None:
        require_customer_field(uow, customer_id)
        if article.audience != "public":
            raise ValidationError("article", f"article {article.id} is internal: customers "
                                             "do not see it")


def require_customer_field(uow: UnitOfWork, customer_id: int) -> None:
    """The customer must exist and be visible: reported as bad input of ``customer``."""
    try:
        require_customer(uow, int(customer_id))
    except (NotFoundError, ValueError) as exc:
        raise ValidationError("customer", str(exc)) from None


def record_view(uow: UnitOfWork, article_id: int | str, *,
                customer_id: int | None = None) -> KbArticle:
    """Count one view of a published article (by staff, or by a customer on a portal)."""
    article = get_article(uow, article_id)
    _published_for(uow, article, customer_id)
    table = KbArticle.__table__  # type: ignore[attr-defined]
    # One statement, so concurrent views all count; the row is re-read after.
    uow.session.connection().execute(update(table).where(table.c.id == article.id).values(
        view_count=table.c.view_count + 1))
    uow.session.refresh(article)
    return article


def give_feedback(
    uow: UnitOfWork, article_id: int | str, helpful: bool, *, customer_id: int | None = None,
    comment: str | None = None,
) -> KbFeedback:
    """Record a vote on a published article: by the acting staff user, or for a customer.

    One vote per voter and article: voting again replaces the vote (and the counts).
    """
    require(uow, FEEDBACK, "create")
    article = get_article(uow, article_id)
    if not isinstance(helpful, bool):
        raise ValidationError("helpful", "must be yes or no")
    note = (comment or "").strip() or None
    if note is not None and len(note) > MAX_COMMENT:
        raise ValidationError("comment", f"at most {MAX_COMMENT} characters")
    _published_for(uow, article, customer_id)
    if customer_id is None and uow.actor_id is None:
        raise ValidationError("customer", "the system has no vote of its own: name a customer")
    query = select(KbFeedback).where(KbFeedback.article_id == article.id)
    query = (query.where(KbFeedback.customer_id == int(customer_id)) if customer_id is not None
             else query.where(KbFeedback.staff_id == uow.actor_id,
                              KbFeedback.customer_id.is_(None)))
    vote = uow.session.exec(query).scalars().first()
    if vote is None:
        vote = KbFeedback(article_id=article.id, helpful=helpful, at=uow.now, comment=note,
                          staff_id=uow.actor_id if customer_id is None else None,
                          customer_id=int(customer_id) if customer_id is not None else None)
        uow.session.add(vote)
        _count(article, helpful, +1)
    else:
        require(uow, FEEDBACK, "update")
        if vote.helpful != helpful:
            _count(article, vote.helpful, -1)
            _count(article, helpful, +1)
        vote.helpful, vote.comment, vote.at = helpful, note, uow.now
    uow.session.flush()
    return vote


def _count(article: KbArticle, helpful: bool, step: int) -> None:
    if helpful:
        article.helpful_count += step
    else:
        article.not_helpful_count += step


def article_tags_text(uow: UnitOfWork, article_id: int) -> str:
    """The tags of an article as one comma-separated text (for the CLI)."""
    return ", ".join(article_tags(uow, article_id))

"""Knowledge articles: write, edit (every edit is a new version), publish, archive, revert.

Agents write drafts and edit them; publishing, archiving, editing a published or archived
article and reverting one need a publisher role (``publisher_roles`` in the settings,
managers and admins by default). Every edit that changes the content keeps the version
it replaces in ``service_kb_revision`` and rewrites the article's search index.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.inputs import parse_choice
from guanxi.services.staff import usernames
from guanxi_service.knowledge.common import (
    ARTICLE,
    MAX_BODY,
    MAX_SUMMARY,
    MAX_TITLE,
    REVISION,
    category_field,
    get_article,
    parse_tags,
    require_publisher,
)
from guanxi_service.knowledge.index import reindex
from guanxi_service.knowledge.models import (
    ARTICLE_STATUSES,
    AUDIENCES,
    KbArticle,
    KbArticleTag,
    KbRevision,
)

# What a status may become through publish / archive / reopen (back to draft).
TRANSITIONS = {
    "draft": ("published", "archived"),
    "published": ("archived", "draft"),
    "archived": ("published", "draft"),
}
VERSIONED = ("title", "summary", "body", "category_id", "audience")


def _title(value: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError("title", "is required")
    if len(text) > MAX_TITLE:
        raise ValidationError("title", f"at most {MAX_TITLE} characters")
    return text


def _summary(value: str | None) -> str | None:
    text = " ".join((value or "").split())
    if len(text) > MAX_SUMMARY:
        raise ValidationError("summary", f"at most {MAX_SUMMARY} characters")
    return text or None


def _body(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) > MAX_BODY:
        raise ValidationError("body", f"at most {MAX_BODY} characters")
    return text


def article_tags(uow: UnitOfWork, article_id: int) -> list[str]:
    """The tags of an article, in alphabetical order."""
    return list(uow.session.exec(select(KbArticleTag.tag).where(
        KbArticleTag.article_id == article_id).order_by(KbArticleTag.tag)).scalars())


def tags_of(uow: UnitOfWork, article_ids: list[int]) -> dict[int, list[str]]:
    """Tags by article id, for several articles at once."""
    found: dict[int, list[str]] = {i: [] for i in article_ids}
    if article_ids:
        for article_id, tag in uow.session.exec(
                select(KbArticleTag.article_id, KbArticleTag.tag)
                .where(KbArticleTag.article_id.in_(article_ids))
                .order_by(KbArticleTag.article_id, KbArticleTag.tag)).all():
            found[article_id].append(tag)
    return found


def _store_tags(uow: UnitOfWork, article_id: int, tags: list[str]) -> None:
    table = KbArticleTag.__table__  # type: ignore[attr-defined]
    connection = uow.session.connection()
    connection.execute(delete(table).where(table.c.article_id == article_id))
    if tags:
        connection.execute(insert(table), [{"tag": t, "article_id": article_id} for t in tags])


def create_article(
    uow: UnitOfWork, *, title: str, category: int | str, body: str | None = None,
    summary: str | None = None, tags: list[str] | str | None = None,
    audience: str = "internal", publish: bool = False,
) -> KbArticle:
    """Write an article (a draft; ``publish`` publishes it at once, for publishers).

    The body is Markdown. ``category`` is an id, a name or a path ("设备/液压").
    """
    require(uow, ARTICLE, "create")
    text = _title(title)
    found = category_field(uow, category)
    content = _body(body)
    short = _summary(summary)
    tag_list = parse_tags(tags)
    kind = parse_choice(audience, AUDIENCES, "audience")
    if publish:
        require_publisher(uow, "publish")
        if not content:
            raise ValidationError("body", "an article is published with a body")
    article = KbArticle(
        title=text, summary=short, body=content, category_id=found.id, audience=kind,
        status="published" if publish else "draft", author_id=uow.actor_id,
        updated_by_id=uow.actor_id, created_at=uow.now, updated_at=uow.now,
        published_at=uow.now if publish else None)
    uow.session.add(article)
    uow.session.flush()
    _store_tags(uow, article.id, tag_list)
    reindex(uow, article, tag_list)
    uow.session.flush()
    return article


def _snapshot(article: KbArticle, tags: list[str]) -> KbRevision:
    return KbRevision(
        article_id=article.id, version=article.version, title=article.title,
        summary=article.summary, body=article.body, category_id=article.category_id,
        audience=article.audience, tags=list(tags), edited_by_id=article.updated_by_id,
        edited_at=article.updated_at)


def _require_editable(uow: UnitOfWork, article: KbArticle) -> None:
    require(uow, ARTICLE, "update")
    if article.status != "draft":
        require_publisher(uow, f"edit {article.status}")


def _apply(uow: UnitOfWork, article: KbArticle, values: dict[str, Any],
           tags: list[str]) -> bool:
    """Make ``values`` (and ``tags``) the new version of ``article``; False if unchanged."""
    old_tags = article_tags(uow, article.id)
    changed = [k for k in VERSIONED if getattr(article, k) != values[k]]
    if not changed and tags == old_tags:
        return False
    uow.session.add(_snapshot(article, old_tags))
    for key in VERSIONED:
        setattr(article, key, values[key])
    article.version += 1
    article.updated_at, article.updated_by_id = uow.now, uow.actor_id
    uow.session.flush()
    _store_tags(uow, article.id, tags)
    reindex(uow, article, tags)
    uow.session.flush()
    return True


def edit_article(
    uow: UnitOfWork, article_id: int | str, *, title: str | None = None,
    body: str | None = None, summary: str | None = None, category: int | str | None = None,
    tags: list[str] | str | None = None, audience: str | None = None,
) -> KbArticle:
    """Change an article; the version it replaces is kept (nothing changed: no new version).

    Only the given fields change (``summary=""`` clears the summary). A published article
    stays published with the new text.
    """
    article = get_article(uow, article_id)
    _require_editable(uow, article)
    values = {
        "title": _title(title) if title is not None else article.title,
        "summary": _summary(summary) if summary is not None else article.summary,
        "body": _body(body) if body is not None else article.body,
        "category_id": category_field(uow, category).id if category is not None
        else article.category_id,
        "audience": parse_choice(audience, AUDIENCES, "audience") if audience is not None
        else article.audience,
    }
    if article.status == "published" and not values["body"]:
        raise ValidationError("body", "a published article keeps a body")
    tag_list = parse_tags(tags) if tags is not None else article_tags(uow, article.id)
    _apply(uow, article, values, tag_list)
    return article


def revert_article(uow: UnitOfWork, article_id: int | str, version: int) -> KbArticle:
    """Make an earlier version the content again (as a new version: nothing is lost)."""
    article = get_article(uow, article_id)
    _require_editable(uow, article)  # a draft's author may go back; published: publishers
    revision = uow.session.exec(select(KbRevision).where(
        KbRevision.article_id == article.id, KbRevision.version == int(version))).scalars().first()
    if revision is None:
        raise ValidationError("version", f"article {article.id} has no earlier version "
                                         f"{version} (it is at version {article.version})")
    values = {k: getattr(revision, k) for k in VERSIONED}
    if article.status == "published" and not values["body"]:
        raise ValidationError("version", f"version {version} has no body to publish")
    _apply(uow, article, values, list(revision.tags or []))
    return article


def set_status(uow: UnitOfWork, article_id: int | str, status: str) -> KbArticle:
    """Publish, archive or reopen (back to draft) an article; publishers only."""
    wanted = parse_choice(status, ARTICLE_STATUSES, "status")
    article = get_article(uow, article_id)
    verb = {"published": "publish", "archived": "archive", "draft": "reopen"}[wanted]
    require_publisher(uow, verb)
    if wanted not in TRANSITIONS[article.status]:
        raise ValidationError("status", f"article {article.id} is {article.status} already")
    if wanted == "published" and not article.body:
        raise ValidationError("body", "an article is published with a body")
    article.status = wanted
    if wanted == "published":
        article.published_at, article.archived_at = uow.now, None
    elif wanted == "archived":
        article.archived_at = uow.now
    # updated_at stays: it is when the current version was written (the revisions'
    # edited_at); the status changes have their own times.
    uow.session.flush()
    return article


def publish_article(uow: UnitOfWork, article_id: int | str) -> KbArticle:
    """Publish a draft or archived article."""
    return set_status(uow, article_id, "published")


def archive_article(uow: UnitOfWork, article_id: int | str) -> KbArticle:
    """Archive an article: kept with its history and links, no longer found by default."""
    return set_status(uow, article_id, "archived")


@dataclass(frozen=True)
class RevisionRow:
    """One version of an article, as listed by ``kb show --history``."""

    version: int
    title: str
    edited_by: str | None
    edited_at: dt.datetime
    current: bool


def revisions(uow: UnitOfWork, article_id: int | str) -> list[RevisionRow]:
    """Every version of an article, newest first (the current one included)."""
    require(uow, REVISION, "read")
    article = get_article(uow, article_id)
    rows = uow.session.exec(select(KbRevision).where(KbRevision.article_id == article.id)
                            .order_by(KbRevision.version.desc())).scalars().all()
    names = usernames(uow, [article.updated_by_id, *(r.edited_by_id for r in rows)])
    result = [RevisionRow(article.version, article.title, names.get(article.updated_by_id),
                          article.updated_at, True)]
    result += [RevisionRow(r.version, r.title, names.get(r.edited_by_id), r.edited_at, False)
               for r in rows]
    return result


def get_revision(uow: UnitOfWork, article_id: int | str, version: int) -> KbRevision:
    """A stored earlier version of an article; ValidationError if it has none such."""
    require(uow, REVISION, "read")
    article = get_article(uow, article_id)
    found = uow.session.exec(select(KbRevision).where(
        KbRevision.article_id == article.id, KbRevision.version == int(version))).scalars().first()
    if found is None:
        raise ValidationError("version", f"article {article.id} has no earlier version {version}")
    return found

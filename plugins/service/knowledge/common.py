"""What the knowledge modules share: entity names, settings, lookups, the publisher check.

Lookups read through ORM queries on ``uow.session``, so record policies apply to the
entities that carry a customer (feedback, ticket links); articles and categories are
shared knowledge every role that may read them sees.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi_service.knowledge.models import KbArticle, KbCategory
from guanxi_service.knowledge.settings import KnowledgeSettings

CATEGORY = "service.kb_category"
ARTICLE = "service.kb_article"
REVISION = "service.kb_revision"
TAG = "service.kb_article_tag"
POSTING = "service.kb_posting"
FEEDBACK = "service.kb_feedback"
SEARCH = "service.kb_search"
LINK = "service.kb_ticket_link"

MAX_TITLE = 200
MAX_SUMMARY = 500
MAX_BODY = 200_000  # characters of Markdown; a manual belongs in a file, not an article
MAX_TAG = 50
MAX_TAGS = 20


def kb_settings(app: App) -> KnowledgeSettings:
    """The resolved ``[service.knowledge]`` settings."""
    return app.settings_for("service").knowledge


def is_publisher(uow: UnitOfWork) -> bool:
    """Whether the acting principal holds a publisher role (or is the system)."""
    principal = uow.principal
    if principal.is_system:
        return True
    return bool(set(principal.roles) & set(kb_settings(uow.app).publisher_roles))


def require_publisher(uow: UnitOfWork, what: str) -> None:
    """Refuse with AccessDenied unless the principal may ``what`` (publish, archive …)."""
    require(uow, ARTICLE, "update")
    if not is_publisher(uow):
        roles = ", ".join(kb_settings(uow.app).publisher_roles) or "nobody"
        raise AccessDenied(
            f"{uow.principal.username} may not {what} knowledge articles (roles: {roles})",
            entity=ARTICLE)


def get_category(uow: UnitOfWork, ref: int | str) -> KbCategory:
    """A category by id, name or path ("设备/液压"); NotFoundError otherwise."""
    require(uow, CATEGORY, "read")
    text = str(ref).strip()
    if text.isdigit():
        found = uow.session.get(KbCategory, int(text))
        if found is None:
            raise NotFoundError(f"no knowledge category {ref!r}")
        return found
    parts = [p.strip() for p in text.split("/") if p.strip()]
    if not parts:
        raise NotFoundError(f"no knowledge category {ref!r}")
    rows = uow.session.exec(select(KbCategory).where(KbCategory.name.in_(parts))).scalars().all()
    if len(parts) > 1:  # a path: walk down from the top
        parent: int | None = None
        current = None
        for name in parts:
            current = next((c for c in rows if c.name == name and c.parent_id == parent), None)
            if current is None:
                raise NotFoundError(f"no knowledge category {text!r}")
            parent = current.id
        assert current is not None
        return current
    named = [c for c in rows if c.name == parts[0]]
    if not named:
        raise NotFoundError(f"no knowledge category {ref!r}")
    if len(named) > 1:
        raise ValidationError("category", f"{len(named)} categories are named {text!r}: use "
                                          "the id or the path (parent/child)")
    return named[0]


def category_field(uow: UnitOfWork, ref: int | str, field_name: str = "category") -> KbCategory:
    """:func:`get_category`, with "not found" reported as bad input of ``field_name``."""
    try:
        return get_category(uow, ref)
    except NotFoundError as exc:
        raise ValidationError(field_name, str(exc)) from None


def get_article(uow: UnitOfWork, article_id: int | str) -> KbArticle:
    """An article by id; NotFoundError if there is none."""
    require(uow, ARTICLE, "read")
    text = str(article_id).strip()
    found = uow.session.get(KbArticle, int(text)) if text.isdigit() else None
    if found is None:
        raise NotFoundError(f"no knowledge article {article_id!r}")
    return found


def article_field(uow: UnitOfWork, ref: int | str, field_name: str = "article") -> KbArticle:
    """:func:`get_article`, with "not found" reported as bad input of ``field_name``."""
    try:
        return get_article(uow, ref)
    except NotFoundError as exc:
        raise ValidationError(field_name, str(exc)) from None




def parse_tags(tags: Sequence[str] | str | None) -> list[str]:
    """Distinct tags in order (comma-separated text or a list), each cut of spaces."""
    if tags is None:
        return []
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    result: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValidationError("tags", f"not a tag: {item!r}")
        tag = " ".join(item.split())
        if not tag:
            continue
        if len(tag) > MAX_TAG:
            raise ValidationError("tags", f"{tag!r} is longer than {MAX_TAG} characters")
        if tag not in result:
            result.append(tag)
    if len(result) > MAX_TAGS:
        raise ValidationError("tags", f"at most {MAX_TAGS} tags")
    return result

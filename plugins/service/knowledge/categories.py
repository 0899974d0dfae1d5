"""Knowledge categories: a tree of names, unique among siblings, kept by publishers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi_service.knowledge.common import (
    CATEGORY,
    category_field,
    get_category,
    require_publisher,
)
from guanxi_service.knowledge.models import KbArticle, KbCategory

MAX_NAME = 100
MAX_DEPTH = 5  # a help centre with deeper trees is hard to browse


def _check_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text or len(text) > MAX_NAME:
        raise ValidationError("name", f"is required (at most {MAX_NAME} characters)")
    if "/" in text:
        raise ValidationError("name", "must not contain '/' (it separates a category path)")
    return text


def _position(value: int | str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError("position", f"not a whole number: {value!r}") from None


def _depth(uow: UnitOfWork, category: KbCategory | None) -> int:
    depth = 0
    while category is not None:
        depth += 1
        category = uow.session.get(KbCategory, category.parent_id) if category.parent_id else None
    return depth


def _sibling_named(uow: UnitOfWork, parent_id: int | None, name: str,
                   other_than: int | None = None) -> bool:
    query = select(func.count()).select_from(KbCategory).where(
        KbCategory.name == name,
        KbCategory.parent_id == parent_id if parent_id else KbCategory.parent_id.is_(None))
    if other_than is not None:
        query = query.where(KbCategory.id != other_than)
    return uow.session.exec(query).scalar_one() > 0


def create_category(
    uow: UnitOfWork, *, name: str, parent: int | str | None = None, position: int = 0,
    description: str | None = None,
) -> KbCategory:
    """Create a category (under ``parent``: id, name or path); names are unique per parent."""
    require(uow, CATEGORY, "create")
    require_publisher(uow, "keep the categories of")
    text = _check_name(name)
    order = _position(position)
    parent_row = category_field(uow, parent, "parent") if parent is not None else None
    if _depth(uow, parent_row) >= MAX_DEPTH:
        raise ValidationError("parent", f"categories nest at most {MAX_DEPTH} deep")
    parent_id = parent_row.id if parent_row else None
    if _sibling_named(uow, parent_id, text):
        raise ValidationError("name", f"a category {text!r} exists there already")
    category = KbCategory(name=text, parent_id=parent_id, position=order,
                          description=(description or "").strip() or None, created_at=uow.now)
    uow.session.add(category)
    uow.session.flush()
    return category


def edit_category(
    uow: UnitOfWork, ref: int | str, *, name: str | None = None,
    parent: int | str | None = None, top_level: bool = False, position: int | None = None,
    description: str | None = None,
) -> KbCategory:
    """Rename, move (``parent``, or ``top_level``) or reorder a category."""
    require(uow, CATEGORY, "update")
    require_publisher(uow, "keep the categories of")
    category = get_category(uow, ref)
    new_name = _check_name(name) if name is not None else category.name
    order = _position(position) if position is not None else category.position
    parent_id = category.parent_id
    if top_level:
        parent_id = None
    elif parent is not None:
        target = category_field(uow, parent, "parent")
        from guanxi_service.knowledge.index import descendants

        if target.id in descendants(uow, category.id):
            raise ValidationError("parent", "a category cannot move below itself")
        parent_id = target.id
    if _sibling_named(uow, parent_id, new_name, other_than=category.id):
        raise ValidationError("name", f"a category {new_name!r} exists there already")
    category.name, category.parent_id = new_name, parent_id
    category.position = order
    if description is not None:
        category.description = description.strip() or None
    uow.session.flush()
    return category


@dataclass(frozen=True)
class CategoryRow:
    """A category as listed: its path, depth and how many articles it holds by status."""

    id: int
    name: str
    path: str
    parent_id: int | None
    depth: int
    position: int
    published: int
    drafts: int
    archived: int
    description: str | None


def category_tree(uow: UnitOfWork) -> list[CategoryRow]:
    """Every category, depth-first in position then name order, with article counts."""
    require(uow, CATEGORY, "read")
    categories = uow.session.exec(select(KbCategory)).scalars().all()
    counts: dict[int, dict[str, int]] = {}
    for category_id, status, n in uow.session.exec(
            select(KbArticle.category_id, KbArticle.status, func.count())
            .group_by(KbArticle.category_id, KbArticle.status)).all():
        counts.setdefault(category_id, {})[status] = int(n)
    children: dict[int | None, list[KbCategory]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    rows: list[CategoryRow] = []

    def walk(parent: int | None, prefix: str, depth: int) -> None:
        for c in sorted(children.get(parent, []), key=lambda c: (c.position, c.name, c.id)):
            path = f"{prefix}/{c.name}" if prefix else c.name
            n = counts.get(c.id, {})
            rows.append(CategoryRow(
                id=c.id, name=c.name, path=path, parent_id=c.parent_id, depth=depth,
                position=c.position, published=n.get("published", 0),
                drafts=n.get("draft", 0), archived=n.get("archived", 0),
                description=c.description))
            walk(c.id, path, depth + 1)

    walk(None, "", 0)
    return rows


def category_paths(uow: UnitOfWork) -> dict[int, str]:
    """Category id → path ("设备/液压")."""
    return {row.id: row.path for row in category_tree(uow)}

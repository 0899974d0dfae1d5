"""The knowledge base's service functions in one place (the contract other areas use).

Categories (:mod:`.categories`), articles and their versions (:mod:`.articles`), reading,
search, views and feedback (:mod:`.browse`), articles on tickets and suggestions
(:mod:`.links`). Every write checks the principal's permission and validates every
field before anything is stored.
"""

from __future__ import annotations

from guanxi_service.knowledge.articles import (
    archive_article,
    create_article,
    edit_article,
    get_revision,
    publish_article,
    revert_article,
    revisions,
    set_status,
)
from guanxi_service.knowledge.browse import (
    article_detail,
    give_feedback,
    list_articles,
    record_view,
    search_articles,
)
from guanxi_service.knowledge.categories import category_tree, create_category, edit_category
from guanxi_service.knowledge.common import get_article, get_category
from guanxi_service.knowledge.links import (
    link_article,
    send_article,
    suggest,
    ticket_articles,
)

__all__ = [
    "archive_article",
    "article_detail",
    "category_tree",
    "create_article",
    "create_category",
    "edit_article",
    "edit_category",
    "get_article",
    "get_category",
    "get_revision",
    "give_feedback",
    "link_article",
    "list_articles",
    "publish_article",
    "record_view",
    "revert_article",
    "revisions",
    "search_articles",
    "send_article",
    "set_status",
    "suggest",
    "ticket_articles",
]

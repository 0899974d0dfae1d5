"""The knowledge area's tables: categories, articles with their revisions, tags, feedback,
the search index (postings), the search log and the links from articles to tickets.

Articles are shared knowledge, not customer data; feedback given by a customer and the
links to a ticket are (they carry the customer's id, so record policies apply to them).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from guanxi.db.types import BigID, JSONType, UTCDateTime

ARTICLE_STATUSES = ("draft", "published", "archived")
# internal: staff only (procedures, known issues); public: may be sent to customers and
# shown on a self-service portal.
AUDIENCES = ("internal", "public")
MAX_TERM = 40  # the longest token the index keeps (longer words are cut)


class KbCategory(SQLModel, table=True):
    """A category of the knowledge base (a tree: a category may have a parent)."""

    __tablename__ = "service_kb_category"
    # NULL parents compare distinct in SQL: top-level names are checked by the service too.
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_service_kb_category_name"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    name: str = Field(max_length=100)
    parent_id: int | None = Field(
        default=None, foreign_key="service_kb_category.id", sa_type=BigID, index=True)
    position: int = 0  # order among its siblings
    description: str | None = None
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class KbArticle(SQLModel, table=True):
    """An article (知识条目): title, Markdown body, summary, category, status, audience.

    ``version`` counts edits; the versions before the current one are in
    :class:`KbRevision`. ``title_length`` / ``body_length`` are the token counts of the
    indexed text (BM25 needs them); the counters are kept as views and votes come in.
    """

    __tablename__ = "service_kb_article"
    __table_args__ = (Index("ix_service_kb_article_status", "status", "audience", "category_id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    title: str = Field(max_length=200)
    summary: str | None = Field(default=None, max_length=500)
    body: str = ""
    category_id: int = Field(foreign_key="service_kb_category.id", sa_type=BigID, index=True)
    status: str = Field(default="draft", max_length=10)  # one of ARTICLE_STATUSES
    audience: str = Field(default="internal", max_length=10)  # one of AUDIENCES
    author_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    updated_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    version: int = 1
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)  # when this version was written
    published_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    archived_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    view_count: int = 0
    helpful_count: int = 0
    not_helpful_count: int = 0
    title_length: int = 0
    body_length: int = 0


class KbRevision(SQLModel, table=True):
    """A previous version of an article, as it was before the edit that replaced it."""

    __tablename__ = "service_kb_revision"
    __table_args__ = (UniqueConstraint("article_id", "version",
                                       name="uq_service_kb_revision_version"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    article_id: int = Field(foreign_key="service_kb_article.id", sa_type=BigID)
    version: int
    title: str = Field(max_length=200)
    summary: str | None = Field(default=None, max_length=500)
    body: str = ""
    category_id: int = Field(foreign_key="service_kb_category.id", sa_type=BigID)
    audience: str = Field(max_length=10)
    tags: list = Field(default_factory=list, sa_type=JSONType)
    edited_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    edited_at: dt.datetime = Field(sa_type=UTCDateTime)  # when this version was written


class KbArticleTag(SQLModel, table=True):
    """A tag of an article (a row each, so filtering by tag is an indexed lookup)."""

    __tablename__ = "service_kb_article_tag"
    __table_args__ = (
        UniqueConstraint("tag", "article_id", name="uq_service_kb_article_tag"),  # tag first
        Index("ix_service_kb_article_tag_article", "article_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    tag: str = Field(max_length=50)
    article_id: int = Field(foreign_key="service_kb_article.id", sa_type=BigID)


class KbPosting(SQLModel, table=True):
    """The search index: how often a term occurs in an article's title and body.

    Rewritten for an article on every change of its text; a search reads the rows of
    its terms through the unique index (term, article_id).
    """

    __tablename__ = "service_kb_posting"
    __table_args__ = (
        # Term first: a search reads the rows of its terms through this index.
        UniqueConstraint("term", "article_id", name="uq_service_kb_posting_term"),
        Index("ix_service_kb_posting_article", "article_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    term: str = Field(max_length=MAX_TERM)
    article_id: int = Field(foreign_key="service_kb_article.id", sa_type=BigID)
    title_tf: int = 0
    body_tf: int = 0


class KbFeedback(SQLModel, table=True):
    """One vote on an article: helpful or not, by a staff user or for a customer.

    One vote per voter and article (a second vote replaces the first); the article's
    counters are kept in step.
    """

    __tablename__ = "service_kb_feedback"
    __table_args__ = (
        UniqueConstraint("article_id", "staff_id", name="uq_service_kb_feedback_staff"),
        UniqueConstraint("article_id", "customer_id", name="uq_service_kb_feedback_customer"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    article_id: int = Field(foreign_key="service_kb_article.id", sa_type=BigID, index=True)
    helpful: bool
    staff_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    customer_id: int | None = Field(
        default=None, foreign_key="customer.id", sa_type=BigID, index=True)
    comment: str | None = None  # what the voter wrote (free text: cleared on erasure)
    at: dt.datetime = Field(sa_type=UTCDateTime)


class KbSearch(SQLModel, table=True):
    """One search of the knowledge base: the query and how many articles it found.

    Nobody's id is kept: the log exists to find knowledge gaps (searches that found
    nothing), not to watch who searched.
    """

    __tablename__ = "service_kb_search"
    __table_args__ = (Index("ix_service_kb_search_gaps", "results", "at"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    at: dt.datetime = Field(sa_type=UTCDateTime)
    query: str = Field(max_length=200)  # normalised: NFKC, lower case, single spaces
    results: int = 0
    audience: str | None = Field(default=None, max_length=10)  # what was searched


class KbTicketLink(SQLModel, table=True):
    """An article used on a ticket (and whether it was sent to the customer)."""

    __tablename__ = "service_kb_ticket_link"
    __table_args__ = (
        UniqueConstraint("article_id", "ticket_id", name="uq_service_kb_ticket_link"),
        Index("ix_service_kb_ticket_link_ticket", "ticket_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigID)
    article_id: int = Field(foreign_key="service_kb_article.id", sa_type=BigID)
    ticket_id: int = Field(foreign_key="service_ticket.id", sa_type=BigID)
    # Denormalised from the ticket so record policies need no join.
    customer_id: int = Field(foreign_key="customer.id", sa_type=BigID, index=True)
    article_version: int = 1  # the version that was linked (and sent)
    linked_by_id: int | None = Field(default=None, foreign_key="staff.id", sa_type=BigID)
    linked_at: dt.datetime = Field(sa_type=UTCDateTime)
    sent_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


TABLES: tuple[type, ...] = (KbCategory, KbArticle, KbRevision, KbArticleTag, KbPosting,
                            KbFeedback, KbSearch, KbTicketLink)

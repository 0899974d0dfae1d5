"""The search index of the knowledge base and BM25 ranking over it.

Every change of an article's text rewrites its rows in ``service_kb_posting`` (term,
article, count in the title, count in the body) and its token counts on the article, in
the same transaction. A search turns the query into terms (:mod:`.tokens`), reads the
postings of those terms through the index on (term, article_id), keeps those of articles
that pass the filters, and ranks with BM25 in Python:

- ``tf = w·tf_title + tf_body`` and ``L = w·title_length + body_length`` (``w`` is
  ``title_weight``: a term in the title counts ``w`` times);
- over the articles passing the filters: ``N`` of them, ``avgL`` their mean ``L``, ``df``
  how many contain the term;
- ``idf = ln(1 + (N − df + 0.5) / (df + 0.5))`` (never negative);
- ``score = Σ idf · tf·(k1 + 1) / (tf + k1·(1 − b + b·L / avgL))`` over the query terms.

Ties are broken by article id. A query matches an article that contains any of its terms;
articles with more of them, rarer ones and in the title rank first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select

from guanxi.app import UnitOfWork
from guanxi.db.chunks import chunks
from guanxi.errors import ValidationError
from guanxi_service.knowledge.common import kb_settings
from guanxi_service.knowledge.models import (
    AUDIENCES,
    KbArticle,
    KbArticleTag,
    KbCategory,
    KbPosting,
    KbSearch,
)
from guanxi_service.knowledge.tokens import document_terms, normalize, query_terms, redact

MAX_QUERY = 200


def reindex(uow: UnitOfWork, article: KbArticle, tags: list[str]) -> None:
    """Rewrite the postings of ``article`` from its title (with its tags), summary and body.

    The tags count as title text (they name what the article is about); the summary as
    body text. Core statements: the index is derived data, kept out of the audit log.
    """
    assert article.id is not None
    title_terms, title_length = document_terms(" ".join([article.title, *tags]))
    body_terms, body_length = document_terms(f"{article.summary or ''}\n{article.body}")
    article.title_length, article.body_length = title_length, body_length
    table = KbPosting.__table__  # type: ignore[attr-defined]
    connection = uow.session.connection()
    connection.execute(delete(table).where(table.c.article_id == article.id))
    rows = [{"term": term, "article_id": article.id, "title_tf": title_terms.get(term, 0),
             "body_tf": body_terms.get(term, 0)}
            for term in sorted(set(title_terms) | set(body_terms))]
    if rows:
        connection.execute(insert(table), rows)


def descendants(uow: UnitOfWork, category_id: int) -> list[int]:
    """``category_id`` and every category below it."""
    parents = dict(uow.session.exec(select(KbCategory.id, KbCategory.parent_id)).all())
    tree = {category_id}
    while more := {c for c, p in parents.items() if p in tree} - tree:
        tree |= more
    return sorted(tree)


@dataclass(frozen=True)
class Hit:
    """A search result: the article and its BM25 score."""

    article_id: int
    score: float


@dataclass(frozen=True)
class Filters:
    """Which articles a search considers (None: no condition)."""

    statuses: tuple[str, ...] | None = ("published",)
    audience: str | None = None
    category_ids: tuple[int, ...] | None = None
    tag: str | None = None
    exclude_ids: tuple[int, ...] = ()

    def apply(self, query):  # type: ignore[no-untyped-def]
        """``query`` (over KbArticle) restricted to these filters."""
        if self.statuses is not None:
            query = query.where(KbArticle.status.in_(self.statuses))
        if self.audience is not None:
            query = query.where(KbArticle.audience == self.audience)
        if self.category_ids is not None:
            query = query.where(KbArticle.category_id.in_(self.category_ids))
        if self.tag is not None:
            query = query.where(KbArticle.id.in_(
                select(KbArticleTag.article_id).where(KbArticleTag.tag == self.tag)))
        if self.exclude_ids:
            query = query.where(KbArticle.id.not_in(self.exclude_ids))
        return query


def rank(uow: UnitOfWork, terms: list[str], filters: Filters,
         weights: dict[str, float] | None = None) -> list[Hit]:
    """Every article passing ``filters`` that holds a term, best first (BM25).

    ``weights`` multiplies the part of a term in the score (default 1): suggestions for a
    ticket count the words of its subject more than those of its description.
    """
    if not terms:
        return []
    settings = kb_settings(uow.app)
    w, k1, b = settings.title_weight, settings.bm25_k1, settings.bm25_b
    stats = uow.session.exec(filters.apply(select(
        func.count(KbArticle.id), func.sum(KbArticle.title_length),
        func.sum(KbArticle.body_length)))).one()
    n = int(stats[0] or 0)
    if n == 0:
        return []
    avg_length = (w * float(stats[1] or 0) + float(stats[2] or 0)) / n or 1.0
    # Term first, through the (term, article_id) index; the articles' filters are applied to the few
    # articles found (a join lets SQLite start from the articles and read every posting).
    postings = uow.session.exec(
        select(KbPosting.article_id, KbPosting.term, KbPosting.title_tf, KbPosting.body_tf)
        .where(KbPosting.term.in_(terms))).all()
    lengths: dict[int, tuple[int, int]] = {}
    for chunk in chunks(sorted({p.article_id for p in postings})):
        lengths.update((i, (lt, lb)) for i, lt, lb in uow.session.exec(filters.apply(
            select(KbArticle.id, KbArticle.title_length, KbArticle.body_length)
            .where(KbArticle.id.in_(chunk)))).all())
    rows = [p for p in postings if p.article_id in lengths]
    df: dict[str, int] = {}
    for row in rows:
        df[row.term] = df.get(row.term, 0) + 1
    scores: dict[int, float] = {}
    for row in rows:
        tf = w * row.title_tf + row.body_tf
        if tf <= 0:
            continue
        idf = math.log(1 + (n - df[row.term] + 0.5) / (df[row.term] + 0.5))
        title_length, body_length = lengths[row.article_id]
        length = w * title_length + body_length
        part = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg_length))
        if weights:
            part *= weights.get(row.term, 1.0)
        scores[row.article_id] = scores.get(row.article_id, 0.0) + part
    return [Hit(article_id, score) for article_id, score
            in sorted(scores.items(), key=lambda item: (-item[1], item[0]))]


def check_query(query: str) -> list[str]:
    """The terms of a query; a ValidationError when it is too long or has none."""
    if len(query or "") > MAX_QUERY:
        raise ValidationError("query", f"at most {MAX_QUERY} characters")
    terms = query_terms(query)
    if not terms:
        raise ValidationError("query", "has no words to search for")
    return terms


def log_search(uow: UnitOfWork, query: str, results: int, audience: str | None) -> None:
    """Keep a search for the knowledge-gap report (the query and the hit count only).

    People paste a customer's phone or card number into a search box: such numbers and
    email addresses are replaced before the query is stored (:func:`.tokens.redact`).
    """
    if not kb_settings(uow.app).log_searches:
        return
    if audience is not None and audience not in AUDIENCES:
        audience = None
    text = redact(normalize(query))[:MAX_QUERY]
    uow.session.add(KbSearch(at=uow.now, query=text, results=results, audience=audience))
    uow.session.flush()

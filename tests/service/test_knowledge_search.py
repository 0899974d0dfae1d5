"""Knowledge search: tokens for Chinese and English, the index kept on every write, BM25
ranking checked against scores computed by hand, filters, the search log.
"""

from __future__ import annotations

import math

import pytest
from sqlalchemy import event, select

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi_service.knowledge.models import KbSearch
from guanxi_service.knowledge.service import (
    archive_article,
    create_article,
    edit_article,
    search_articles,
)
from guanxi_service.knowledge.tokens import document_terms, query_terms
from tests.service.knowledge_support import T0, count, make_world


@pytest.fixture
def world(service_app: App) -> dict[str, int]:
    return make_world(service_app)


def test_chinese_is_cut_into_bigrams_and_english_into_stemmed_words() -> None:
    terms, length = document_terms("液压系统漏油的排查")
    assert length == 8  # nine characters, eight pairs
    assert {"液压", "系统", "漏油", "排查"} <= set(terms) and terms["液"] == 1  # singles too
    assert query_terms("液压 漏油") == ["液压", "漏油"]
    assert query_terms("液压系统") == ["液压", "压系", "系统"]
    assert query_terms("泵") == ["泵"]  # a one-character query: the character itself
    assert query_terms("How to replace the Pumps? Batteries, SY215C") == [
        "replace", "pump", "battery", "sy215c"]
    assert query_terms("ＳＹ２１５Ｃ 液压") == ["sy215c", "液压"]  # full-width = half-width
    assert query_terms("the of ... ！？") == []


def _corpus(app: App) -> dict[str, int]:
    with app.transaction(now=T0) as uow:
        ids = {key: create_article(uow, title=title, category=category, body=body,
                                   publish=True).id
               for key, title, category, body in (
                   ("A", "液压系统漏油的排查", "液压系统", "检查油缸"),
                   ("B", "发动机漏油", "工程机械", "液压油管"),
                   ("C", "银行卡挂失", "银行卡", "拨打热线"))}
    return ids


def test_ranking_follows_bm25_computed_by_hand(service_app: App, world: dict) -> None:
    ids = _corpus(service_app)
    with service_app.transaction() as uow:
        found = search_articles(uow, "液压 漏油")
    # By hand: title weight w = 3, k1 = 1.2, b = 0.75 (the defaults). Lengths in bigrams:
    # A title 8 body 3 → L = 27; B title 4 body 3 → 15; C 15; avgL = 57 / 3 = 19.
    # 液压: A title (tf 3), B body (tf 1); 漏油: A title (3), B title (3): df 2 each, N 3.
    idf = math.log(1 + (3 - 2 + 0.5) / (2 + 0.5))

    def part(tf: float, length: float) -> float:
        return idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / 19))

    a, b = 2 * part(3, 27), part(3, 15) + part(1, 15)
    assert a > b
    assert [(r.id, r.score) for r in found] == [(ids["A"], pytest.approx(a, abs=1e-4)),
                                                (ids["B"], pytest.approx(b, abs=1e-4))]
    assert found[0].title == "液压系统漏油的排查"


def test_filters_and_statuses_decide_what_is_searched(service_app: App, world: dict) -> None:
    ids = _corpus(service_app)
    with service_app.transaction(now=T0) as uow:
        draft = create_article(uow, title="液压泵的更换", category="液压系统",
                               body="Replace the hydraulic pumps every 8000 hours.",
                               tags="主泵", audience="public").id
        assert search_articles(uow, "泵") == []  # a draft is not found by default
        assert [r.id for r in search_articles(uow, "泵", status="draft")] == [draft]
        assert [r.id for r in search_articles(uow, "pump", status="any")] == [draft]
        # 液压系统 is below 工程机械; B's title is shorter, so B ranks first for 漏油 alone.
        assert [r.id for r in search_articles(uow, "漏油", category="工程机械")] == [
            ids["B"], ids["A"]]
        assert [r.id for r in search_articles(uow, "漏油", category="液压系统")] == [ids["A"]]
        assert search_articles(uow, "漏油", audience="public") == []
        assert [r.id for r in search_articles(uow, "更换", status="any", tag="主泵")] == [draft]
        archive_article(uow, ids["A"])
        assert [r.id for r in search_articles(uow, "漏油")] == [ids["B"]]
        for query, options, field in (("", {}, "query"), ("!!!", {}, "query"),
                                      ("液" * 201, {}, "query"), ("漏油", {"limit": 0}, "limit"),
                                      ("漏油", {"status": "deleted"}, "status"),
                                      ("漏油", {"audience": "all"}, "audience")):
            with pytest.raises(ValidationError) as caught:
                search_articles(uow, query, **options)
            assert caught.value.field == field
        with pytest.raises(ValidationError) as caught:
            search_articles(uow, "漏油", category="医院")
        assert caught.value.field == "category"


def test_the_index_follows_every_edit(service_app: App, world: dict) -> None:
    with service_app.transaction(now=T0) as uow:
        article = create_article(uow, title="挂失", category="银行卡", body="拨打热线",
                                 publish=True).id
        assert [r.id for r in search_articles(uow, "热线")] == [article]
        edit_article(uow, article, body="到网点办理", tags="补卡")
        assert search_articles(uow, "热线") == []
        assert [r.id for r in search_articles(uow, "网点")] == [article]
        assert [r.id for r in search_articles(uow, "补卡")] == [article]  # tags are indexed
        edit_article(uow, article, title="Lost card")
        assert [r.id for r in search_articles(uow, "lost cards")] == [article]


def test_searches_are_logged_without_who_searched(service_app: App, world: dict) -> None:
    _corpus(service_app)
    with service_app.transaction(now=T0, as_user="wang") as uow:
        search_articles(uow, "  液压   漏油 ")
        search_articles(uow, "回转马达 异响")
        search_articles(uow, "挂失", log=False)
        search_articles(uow, "张三 138 0013 8000 zs@example.cn 挂失")  # pasted from a call
    with service_app.engine.connect() as connection:
        rows = connection.execute(select(KbSearch.__table__).order_by(KbSearch.id)
                                  ).mappings().all()
    assert [(r["query"], r["results"], r["at"]) for r in rows] == [
        ("液压 漏油", 2, T0), ("回转马达 异响", 0, T0), ("张三 [number] [email] 挂失", 1, T0)]
    assert set(rows[0]) == {"id", "at", "query", "results", "audience"}  # nobody's id
    assert count(service_app, "service_kb_search") == 3


def test_a_search_reads_the_index_and_never_scans_with_like(
    service_app: App, world: dict
) -> None:
    _corpus(service_app)
    statements: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    event.listen(service_app.engine, "before_cursor_execute", seen)
    try:
        with service_app.transaction() as uow:
            search_articles(uow, "液压 漏油", log=False)
    finally:
        event.remove(service_app.engine, "before_cursor_execute", seen)
    assert not any(" LIKE " in s.upper() for s, _ in statements)
    postings = [(s, p) for s, p in statements if "FROM service_kb_posting" in s]
    assert len(postings) == 1
    if service_app.engine.dialect.name == "sqlite":  # PostgreSQL plans by table size
        sql, parameters = postings[0]
        with service_app.engine.connect() as connection:
            plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {sql}", parameters).all())
        # The postings are read by term through the index, not scanned.
        assert "SEARCH service_kb_posting USING INDEX" in plan and "(term=?)" in plan, plan

"""Knowledge articles on tickets: links, sending to the customer, suggestions; the usage
report; record policies on links and feedback; personal data and erasure; the job.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from guanxi.app import App
from guanxi.errors import AccessDenied, ValidationError
from guanxi.models import Interaction
from guanxi.privacy import erase_customer, export_personal_data
from guanxi_service.knowledge.jobs import prune_searches
from guanxi_service.knowledge.models import KbFeedback, KbTicketLink
from guanxi_service.knowledge.reports import kb_usage, usage_report
from guanxi_service.knowledge.service import (
    article_detail,
    create_article,
    give_feedback,
    link_article,
    record_view,
    search_articles,
    send_article,
    suggest,
    ticket_articles,
)
from guanxi_service.tickets.models import Ticket, TicketEvent
from tests.service.knowledge_support import T0, count, counts, make_ticket, make_world


@pytest.fixture
def world(service_app: App) -> dict[str, int]:
    ids = make_world(service_app)
    with service_app.transaction(now=T0) as uow:
        for key, title, category, body, audience in (
                ("leak", "液压系统漏油的排查", "液压系统", "检查油缸密封和管路接头。", "public"),
                ("heat", "液压油温度过高怎么办", "液压系统", "检查散热器。", "internal"),
                ("card", "银行卡丢失如何挂失", "银行卡", "拨打热线办理挂失。", "public")):
            ids[key] = create_article(uow, title=title, category=category, body=body,
                                      audience=audience, publish=True).id
        ids["draft"] = create_article(uow, title="草稿 漏油", category="液压系统", body="x").id
        ids["t1"] = make_ticket(uow, ids["张三"], "挖掘机液压油管漏油",
                                "客户反映液压系统漏油，油温偏高。")
        ids["t2"] = make_ticket(uow, ids["王五"], "银行卡丢了", "需要挂失", channel="phone")
    return ids


def _events(app: App, ticket_id: int) -> list[tuple[str, str | None, bool]]:
    with app.engine.connect() as connection:
        rows = connection.execute(select(TicketEvent.kind, TicketEvent.to_value,
                                         TicketEvent.public)
                                  .where(TicketEvent.ticket_id == ticket_id)
                                  .order_by(TicketEvent.id)).all()
    return [tuple(r) for r in rows]


def test_suggestions_rank_articles_for_the_ticket_and_skip_linked_ones(
    service_app: App, world: dict
) -> None:
    with service_app.transaction(now=T0, as_user="wang") as uow:
        found = suggest(uow, world["t1"])
        assert [r.id for r in found] == [world["leak"], world["heat"]]  # no draft, no card
        assert found[0].score > found[1].score > 0
        assert [r.id for r in suggest(uow, world["t1"], audience="public")] == [world["leak"]]
        link_article(uow, world["leak"], world["t1"])
        assert [r.id for r in suggest(uow, world["t1"])] == [world["heat"]]
    assert count(service_app, "service_kb_search") == 0  # a ticket's text is not logged


def test_a_link_is_recorded_on_the_ticket_once(service_app: App, world: dict) -> None:
    later = T0 + dt.timedelta(hours=1)
    with service_app.transaction(now=later, as_user="wang") as uow:
        link = link_article(uow, world["heat"], world["t1"])
    assert (link.customer_id, link.article_version, link.linked_at, link.sent_at) == (
        world["张三"], 1, later, None)
    assert _events(service_app, world["t1"]) == [
        ("article_linked", f"KB-{world['heat']} 液压油温度过高怎么办", False)]
    before = counts(service_app)
    for article, ticket, send, field in (
            (world["heat"], world["t1"], False, "article"),  # the same pair again
            (world["draft"], world["t1"], False, "article"),  # not published
            (999, world["t1"], False, "article"),
            (world["leak"], 999, False, "ticket"),
            (world["heat"], world["t1"], True, "send")):  # internal: not for customers
        with pytest.raises(ValidationError) as caught, service_app.transaction(
                as_user="wang") as uow:
            link_article(uow, article, ticket, send=send)
        assert caught.value.field == field, (article, ticket)
    with pytest.raises(ValidationError) as caught, service_app.transaction(as_user="li") as uow:
        link_article(uow, world["leak"], world["t1"])  # 张三's ticket: li cannot see it
    assert caught.value.field == "ticket"
    with pytest.raises(AccessDenied), service_app.transaction(as_user="zhao") as uow:
        link_article(uow, world["leak"], world["t1"])
    assert counts(service_app) == before
    with service_app.transaction(as_user="wang") as uow:
        assert [(r.article_id, r.title) for r in ticket_articles(uow, world["t1"])] == [
            (world["heat"], "液压油温度过高怎么办")]


def test_sending_an_article_replies_to_the_customer(service_app: App, world: dict) -> None:
    with service_app.transaction(now=T0, as_user="li") as uow:
        link = send_article(uow, world["card"], world["t2"])
        assert link.sent_at == T0
        ticket = uow.session.get(Ticket, world["t2"])
        assert ticket is not None and ticket.first_responded_at == T0
    kinds = [(k, public) for k, _, public in _events(service_app, world["t2"])]
    assert ("article_linked", False) in kinds and ("reply", True) in kinds
    with service_app.engine.connect() as connection:
        reply_body = connection.execute(select(TicketEvent.body).where(
            TicketEvent.ticket_id == world["t2"], TicketEvent.kind == "reply")).scalar_one()
        logged = connection.execute(select(Interaction.kind, Interaction.channel,
                                           Interaction.payload)
                                    .where(Interaction.kind == "service.kb_article_sent")).all()
    assert reply_body.startswith("# 银行卡丢失如何挂失") and "拨打热线" in reply_body
    assert [(k, ch, p["article_id"], p["ticket_id"]) for k, ch, p in logged] == [
        ("service.kb_article_sent", "phone", world["card"], world["t2"])]


def test_links_and_feedback_are_seen_with_their_customer(service_app: App, world: dict) -> None:
    with service_app.transaction(now=T0) as uow:
        link_article(uow, world["leak"], world["t1"])  # 张三: wang's
        link_article(uow, world["card"], world["t2"])  # 王五: li's
        give_feedback(uow, world["card"], False, customer_id=world["王五"], comment="没用")
    with service_app.transaction(now=T0, as_user="wang") as uow:
        links = uow.session.exec(select(KbTicketLink.ticket_id)).scalars().all()
        votes = uow.session.exec(select(KbFeedback)).scalars().all()
        detail = article_detail(uow, world["card"])
        report = kb_usage(uow)
    assert (links, votes, detail.ticket_ids) == ([world["t1"]], [], [])
    assert [(r["id"], r["links"]) for r in report["most_linked"]] == [(world["leak"], 1)]
    with service_app.transaction(now=T0, as_user="boss") as uow:  # managers: their department
        report = kb_usage(uow)
    assert report["most_linked"] == []  # boss leads no team: he sees no customer of theirs


def test_usage_report_lists_used_articles_and_knowledge_gaps(
    service_app: App, world: dict
) -> None:
    old = T0 - dt.timedelta(days=200)
    with service_app.transaction(now=old) as uow:
        search_articles(uow, "斗杆 异响")  # long ago: outside the default 90 days
    with service_app.transaction(now=T0) as uow:
        link_article(uow, world["leak"], world["t1"])
        link_article(uow, world["card"], world["t2"], send=True)
        link_article(uow, world["heat"], world["t1"])
        link_article(uow, world["leak"], world["t2"])
        for _ in range(3):
            record_view(uow, world["card"])
        record_view(uow, world["leak"])
        give_feedback(uow, world["leak"], True, customer_id=world["张三"])
        give_feedback(uow, world["card"], False, customer_id=world["王五"])
        for query in ("斗杆 异响", "Swing motor noise", "斗杆  异响", "漏油"):
            search_articles(uow, query)
        report = usage_report(uow, limit=2)
        since = kb_usage(uow, since=old.date())
        with pytest.raises(ValidationError) as caught:
            kb_usage(uow, since="去年")
        assert caught.value.field == "since"
    # By links, then by how often sent (card was sent, heat only linked), then id.
    assert [(r["id"], r["links"], r["sent"]) for r in report["most_linked"]] == [
        (world["leak"], 2, 0), (world["card"], 1, 1)]
    assert [(r["id"], r["views"]) for r in report["most_viewed"]] == [
        (world["card"], 3), (world["leak"], 1)]
    assert [(r["id"], r["helpful"], r["helpful_rate"]) for r in report["most_helpful"]] == [
        (world["leak"], 1, 1.0)]
    assert [r["id"] for r in report["needs_work"]] == [world["card"]]
    assert report["knowledge_gaps"][0]["query"] == "斗杆 异响"
    assert [(g["query"], g["searches"]) for g in report["knowledge_gaps"]] == [
        ("斗杆 异响", 2), ("swing motor noise", 1)]
    assert (report["searches"], report["searches_without_results"]) == (4, 3)
    assert report["articles"] == {"published": 3, "draft": 1}
    assert since["knowledge_gaps"][0] == {"query": "斗杆 异响", "searches": 3,
                                          "last_at": T0}
    json.dumps(report, ensure_ascii=False)  # plain JSON
    assert service_app.registry.reports["service.kb_usage"].func is usage_report
    assert "service.kb_prune_searches" in service_app.registry.jobs


def test_the_job_forgets_old_searches_once(service_app: App, world: dict) -> None:
    with service_app.transaction(now=T0 - dt.timedelta(days=400)) as uow:
        search_articles(uow, "旧的 搜索")
    with service_app.transaction(now=T0) as uow:
        search_articles(uow, "新的 搜索")
    with service_app.transaction(now=T0) as uow:
        assert prune_searches(uow, T0) == 1
    with service_app.transaction(now=T0) as uow:
        assert prune_searches(uow, T0) == 0
    assert count(service_app, "service_kb_search") == 1


def test_export_and_erasure_cover_feedback_and_links(service_app: App, world: dict) -> None:
    zs = world["张三"]
    with service_app.transaction(now=T0) as uow:
        give_feedback(uow, world["leak"], False, customer_id=zs, comment="张三说步骤看不懂")
        link_article(uow, world["leak"], world["t1"])
        exported = export_personal_data(uow, zs)["plugins"]["service"]
    assert [(v["article"], v["helpful"], v["comment"]) for v in exported["kb_feedback"]] == [
        ("液压系统漏油的排查", False, "张三说步骤看不懂")]
    assert [(a["article_id"], a["ticket_id"]) for a in exported["kb_ticket_articles"]] == [
        (world["leak"], world["t1"])]
    with service_app.transaction(now=T0) as uow:
        erase_customer(uow, zs, reason="data subject request")
    with service_app.engine.connect() as connection:
        votes = connection.execute(select(KbFeedback.__table__)).mappings().all()
    assert [(v["helpful"], v["comment"]) for v in votes] == [(False, None)]
    assert count(service_app, "service_kb_ticket_link") == 1
    with service_app.transaction() as uow:
        assert article_detail(uow, world["leak"]).article.not_helpful == 1  # counts stay

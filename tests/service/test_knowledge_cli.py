"""The knowledge base on the command line, and the demo knowledge base."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import func, select

from guanxi.app import App
from guanxi.services.customers import add_customer
from guanxi.testing import GuanxiCli
from guanxi_service.knowledge.demo import ARTICLES, generate_demo
from guanxi_service.knowledge.models import KbArticle, KbRevision, KbSearch, KbTicketLink
from guanxi_service.knowledge.service import list_articles, search_articles
from tests.service.knowledge_support import T0, make_ticket


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["service"])
    cli("init", "--db", database_url)
    for username, role in (("wang", "agent"), ("boss", "manager")):
        cli("staff", "add", username, username)
        cli("access", "grant", username, role)
    return cli


def test_the_command_line_keeps_a_knowledge_base(gx: GuanxiCli, tmp_path: Path) -> None:
    assert gx.json("service", "kb", "category-add", "工程机械", as_user="boss")["id"] == 1
    gx("service", "kb", "category-add", "液压系统", "--parent", "工程机械", as_user="boss")
    tree = gx.json("service", "kb", "categories")
    assert [(c["category"], c["parent_id"]) for c in tree] == [
        ("工程机械", None), ("工程机械/液压系统", 1)]
    body = tmp_path / "leak.md"
    body.write_text("## 步骤\n\n1. 检查油缸密封\n2. 检查管路接头\n", encoding="utf-8")
    added = gx.json("service", "kb", "add", "液压系统漏油的排查", "--category", "工程机械/液压系统",
                    "--body-file", str(body), "--tags", "液压,漏油", "--audience", "public",
                    as_user="wang")
    article = str(added["id"])
    assert (added["status"], added["author"], added["tags"]) == ("draft", "wang", ["液压", "漏油"])
    assert "may not publish" in gx.fails("service", "kb", "publish", article, as_user="wang")
    assert gx.json("service", "kb", "publish", article, as_user="boss")["status"] == "published"
    edited = gx.json("service", "kb", "edit", article, "--summary", "按顺序找漏点",
                     as_user="boss")
    assert edited["version"] == 2
    found = gx.json("service", "kb", "search", "液压 漏油")
    assert [(r["id"], r["title"]) for r in found] == [(int(article), "液压系统漏油的排查")]
    assert found[0]["score"] > 0
    assert "no articles found" in gx("service", "kb", "search", "斗杆 异响").stdout
    assert "液压系统漏油的排查" in gx("service", "kb", "search", "漏油").stdout
    shown = gx("service", "kb", "show", article).stdout
    assert shown.startswith("# 液压系统漏油的排查") and "1. 检查油缸密封" in shown
    assert gx.json("service", "kb", "show", article, "--no-view")["views"] == 1
    history = gx.json("service", "kb", "show", article, "--history")
    assert [(v["version"], v["current"]) for v in history] == [(2, True), (1, False)]
    assert gx.json("service", "kb", "show", article, "--version", "1")["summary"] is None
    assert gx.json("service", "kb", "revert", article, "1", as_user="boss")["version"] == 3
    listed = gx.json("service", "kb", "list", "--category", "工程机械", "--status", "published")
    assert [(r["id"], r["version"], r["summary"]) for r in listed] == [(int(article), 3, None)]
    assert "液压系统漏油的排查" in gx("service", "kb", "list").stdout
    customer = gx.json("customer", "add", "张三", "--email", "zs@example.cn")["id"]
    voted = gx.json("service", "kb", "feedback", article, "--helpful", "--customer",
                    "zs@example.cn", "--comment", "有用")
    assert (voted["customer_id"], voted["helpful_count"]) == (customer, 1)
    assert "0 helpful, 1 not helpful" in gx("service", "kb", "feedback", article, "--not-helpful",
                                            "--customer", str(customer)).stdout
    opened = gx.json("service", "tickets", "open", "zs@example.cn", "挖掘机漏油", "--type",
                     "repair", "--channel", "email", "--description", "液压油管漏油")
    number = opened["ticket"]["number"]
    suggested = gx.json("service", "kb", "suggest", number)
    assert [r["id"] for r in suggested] == [int(article)]
    linked = gx.json("service", "kb", "link", article, number, "--send", as_user="boss")
    assert linked["sent_at"] is not None and linked["version"] == 3
    assert "no articles to suggest" in gx("service", "kb", "suggest", number).stdout
    usage = gx.json("service", "kb", "usage")
    assert [(r["id"], r["links"], r["sent"]) for r in usage["most_linked"]] == [
        (int(article), 1, 1)]
    assert [g["query"] for g in usage["knowledge_gaps"]] == ["斗杆 异响"]
    assert "searches without results" in gx("service", "kb", "usage").stdout
    report = gx.json("report", "run", "service.kb_usage")
    assert report["searches_without_results"] == 1


def test_bad_input_on_the_command_line_is_one_line_and_stores_nothing(
    gx: GuanxiCli, tmp_path: Path
) -> None:
    gx("service", "kb", "category-add", "银行卡", as_user="boss")
    assert "field 'title'" in gx.fails("service", "kb", "add", "  ", "--category", "银行卡")
    assert "field 'category'" in gx.fails("service", "kb", "add", "挂失", "--category", "医院")
    assert "field 'name'" in gx.fails("service", "kb", "category-add", "银行卡", as_user="boss")
    assert "field 'query'" in gx.fails("service", "kb", "search", "？！")
    assert "field 'body'" in gx.fails("service", "kb", "add", "挂失", "--category", "银行卡",
                                      "--body", "x", "--body-file", __file__)
    assert gx.json("service", "kb", "list") == []
    article = str(gx.json("service", "kb", "add", "挂失", "--category", "银行卡", "--body",
                          "拨打热线", "--publish", "--audience", "public")["id"])
    assert "field 'ticket'" in gx.fails("service", "kb", "link", article, "SR-999999")
    gx.json("customer", "add", "李四", "--email", "ls@example.cn")
    number = gx.json("service", "tickets", "open", "ls@example.cn", "卡丢了", "--type",
                     "inquiry", "--channel", "phone")["ticket"]["number"]
    gx("service", "kb", "link", article, number)
    assert "already" in gx.fails("service", "kb", "link", article, number)
    assert "field 'version'" in gx.fails("service", "kb", "revert", article, "7")
    assert "field 'customer'" in gx.fails("service", "kb", "feedback", article, "--helpful",
                                          "--customer", "nobody@example.cn")
    assert len(gx.json("service", "kb", "usage")["most_linked"]) == 1


def test_the_demo_knowledge_base_links_the_demo_tickets(service_app: App) -> None:
    with service_app.transaction(now=T0) as uow:
        people = [add_customer(uow, name=name) for name in ("张三", "李四", "王五", "赵六")]
        for i, (subject, text) in enumerate((
                ("挖掘机液压油管漏油", "液压系统漏油"), ("信用卡额度不够", "申请临时额度"),
                ("预约专家门诊", "怎么挂号"), ("发动机冒黑烟", "冷启动困难"))):
            make_ticket(uow, people[i].id, subject, text)
        generate_demo(uow, random.Random(7), people)
    with service_app.transaction(now=T0) as uow:
        articles = uow.session.exec(select(func.count()).select_from(KbArticle)).scalar_one()
        linked = uow.session.exec(select(func.count()).select_from(KbTicketLink)).scalar_one()
        revised = uow.session.exec(select(func.count()).select_from(KbRevision)).scalar_one()
        gaps = uow.session.exec(select(func.count()).select_from(KbSearch).where(
            KbSearch.results == 0)).scalar_one()
        statuses = {r.status for r in list_articles(uow)}
        assert search_articles(uow, "液压 漏油", log=False)[0].title == "液压系统漏油的排查"
        assert search_articles(uow, "appointment", log=False)
    assert articles == len(ARTICLES) >= 20
    assert linked >= 1 and revised == 2 and gaps >= 3
    assert statuses == {"draft", "published", "archived"}


def test_the_demo_skips_the_links_without_tickets(service_app: App) -> None:
    with service_app.transaction(now=T0) as uow:
        generate_demo(uow, random.Random(1), [])
        assert uow.session.exec(select(func.count()).select_from(KbTicketLink)).scalar_one() == 0
        assert len(list_articles(uow)) == len(ARTICLES)

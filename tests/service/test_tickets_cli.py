"""Tickets on the command line: the whole life of a ticket, listings, queue, reports,
errors as one line with nothing stored, and the customer 360 section."""

from __future__ import annotations

from pathlib import Path

import pytest

from guanxi.testing import GuanxiCli


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["service"])
    cli("init", "--db", database_url)
    cli("staff", "add", "wang", "王芳")
    cli("access", "grant", "wang", "agent")
    cli("staff", "add", "li", "李雷")
    cli("access", "grant", "li", "agent")
    cli("team", "add", "售后服务部")
    return cli


def test_the_life_of_a_ticket_on_the_command_line(gx: GuanxiCli) -> None:
    zhang = gx.json("customer", "add", "张三", "--email", "zs@example.cn", "--owner", "wang")
    opened = gx.json("service", "tickets", "open", "zs@example.cn", "空调不制冷", "--type",
                     "repair", "--channel", "wechat", "--description", "客厅空调吹热风",
                     "--priority", "high", "--team", "售后服务部")
    number = opened["ticket"]["number"]
    assert (number, opened["ticket"]["status"], opened["ticket"]["customer"],
            opened["ticket"]["team"]) == ("SR-000001", "new", "张三", "售后服务部")
    assert opened["ticket"]["customer_id"] == zhang["id"]
    assert "assigned SR-000001: 空调不制冷 [repair, high, open, wang (售后服务部)]" in gx(
        "service", "tickets", "assign", number, "--to", "wang").stdout
    replied = gx.json("service", "tickets", "reply", number, "请问空调型号？", "--status",
                      "pending", as_user="wang")
    assert replied["ticket"]["status"] == "pending" and replied["first_responded_at"]
    gx("service", "tickets", "customer-reply", number, "型号 KFR-35", "--channel", "sms")
    gx("service", "tickets", "note", number, "需要备件 压缩机", as_user="wang")
    gx("service", "tickets", "priority", number, "urgent")
    gx("service", "tickets", "status", number, "on_hold", "--note", "等厂家发货")
    assert "resolved SR-000001" in gx("service", "tickets", "resolve", number,
                                      "已更换压缩机").stdout
    gx("service", "tickets", "close", number)
    reopened = gx.json("service", "tickets", "reopen", number, "又不制冷了")
    assert (reopened["ticket"]["status"], reopened["ticket"]["reopened_count"]) == ("open", 1)
    shown = gx("service", "tickets", "show", "1").stdout
    assert "description: 客厅空调吹热风" in shown
    assert "wang note (internal): 需要备件 压缩机" in shown
    assert "customer_reply → sms: 型号 KFR-35" in shown
    assert "reopened closed → open: 又不制冷了" in shown
    kinds = [e["kind"] for e in gx.json("service", "tickets", "show", number)["history"]]
    assert kinds == ["created", "assigned", "status", "reply", "status",
                     "customer_reply", "status", "note", "priority", "status", "note", "status",
                     "status", "reopened"]
    # The customer 360 view has the service section.
    view = gx("customer", "show", str(zhang["id"])).stdout
    assert "服务 service" in view and "SR-000001" in view


def test_listings_queue_and_reports(gx: GuanxiCli) -> None:
    a = str(gx.json("customer", "add", "张三", "--owner", "wang")["id"])
    b = str(gx.json("customer", "add", "李四", "--owner", "li")["id"])
    for customer, subject, kind, channel in ((a, "咨询保养", "inquiry", "phone"),
                                             (b, "投诉迟到", "complaint", "email"),
                                             (a, "发动机异响", "repair", "visit")):
        gx("service", "tickets", "open", customer, subject, "--type", kind, "--channel", channel,
           "--team", "售后服务部")
    gx("service", "tickets", "resolve", "1", "已解答")
    listed = gx.json("service", "tickets", "list")
    assert [r["number"] for r in listed] == ["SR-000003", "SR-000002", "SR-000001"]
    assert [r["number"] for r in gx.json("service", "tickets", "list", "--open", "--type",
                                         "repair", "--type", "complaint")] == [
        "SR-000003", "SR-000002"]
    assert [r["number"] for r in gx.json("service", "tickets", "list", "--before", "3",
                                         "--limit", "1")] == ["SR-000002"]
    assert [r["number"] for r in gx.json("service", "tickets", "list", "--customer", b)] == [
        "SR-000002"]
    # wang sees his customer's tickets only.
    assert [r["number"] for r in gx.json("service", "tickets", "list", as_user="wang")] == [
        "SR-000003", "SR-000001"]
    queue = gx.json("service", "tickets", "queue", "售后服务部")
    assert sorted(r["number"] for r in queue) == ["SR-000002", "SR-000003"]
    assert "queue of 售后服务部" in gx("service", "tickets", "queue", "售后服务部").stdout
    volume = gx.json("service", "tickets", "volume", "--by", "channel")
    assert (volume["total"], volume["totals"]) == (3, {"email": 1, "phone": 1, "visit": 1})
    backlog = gx.json("service", "tickets", "backlog")
    assert [(r["team"], r["<1d"], r["total"]) for r in backlog["rows"]] == [("售后服务部", 2, 2)]
    report = gx.json("report", "run", "service.ticket_volume", "--option", "by=status")
    assert report["totals"] == {"new": 2, "resolved": 1}
    assert gx.json("report", "run", "service.ticket_backlog")["total"] == 2
    assert "total: 3" in gx("service", "tickets", "volume").stdout
    assert "售后服务部" in gx("service", "tickets", "backlog").stdout


def test_errors_are_one_line_and_store_nothing(gx: GuanxiCli) -> None:
    a = str(gx.json("customer", "add", "张三")["id"])
    gx("service", "tickets", "open", a, "咨询", "--type", "inquiry", "--channel", "phone")
    before = gx("service", "tickets", "show", "SR-000001", "--json").stdout
    for args, message in (
        (("status", "1", "resolved"), "field 'resolution': is required to resolve a ticket"),
        (("close", "1"), "field 'resolution': is required to close a ticket"),
        (("reopen", "1", "原因"), "field 'status': ticket SR-000001 is new: only a resolved"),
        (("reply", "1", " "), "field 'body': is required"),
        (("assign", "1", "--to", "nobody"), "field 'assignee': no staff user 'nobody'"),
        (("assign", "1", "--team", "火星部"), "field 'team': no team '火星部'"),
        (("show", "SR-000009"), "no ticket 'SR-000009'"),
    ):
        assert gx.fails("service", "tickets", *args).startswith(f"error: {message}")
    assert gx("service", "tickets", "show", "SR-000001", "--json").stdout == before
    assert gx.fails("service", "tickets", "open", a, " ", "--type", "inquiry", "--channel",
                    "phone") == "error: field 'subject': is required"
    assert gx.fails("service", "tickets", "open", "nobody@example.cn", "x", "--type",
                    "inquiry", "--channel", "phone").startswith("error: field 'customer'")
    assert len(gx.json("service", "tickets", "list")) == 1

"""Campaigns on the command line, targeting a segment, and the demo campaigns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi.services.customers import add_customer
from guanxi.testing import GuanxiCli
from guanxi_marketing.campaigns.models import Campaign
from guanxi_marketing.campaigns.roi import attribution, campaign_roi
from guanxi_marketing.campaigns.service import (
    create_campaign,
    get_campaign,
    list_campaigns,
    list_members,
    target_segment,
)
from guanxi_marketing.segments.service import create_segment
from tests.conftest import demo_content_on_sqlite_only


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["marketing"])
    cli("init", "--db", database_url)
    return cli


def test_the_command_line_runs_a_campaign(gx: GuanxiCli) -> None:
    gx("staff", "add", "wang", "王芳")
    gx("access", "grant", "wang", "agent")
    a = gx.json("customer", "add", "张三", "--email", "zs@example.cn", "--owner", "wang")["id"]
    b = gx.json("customer", "add", "李四", "--owner", "wang")["id"]
    made = gx.json("marketing", "campaigns", "create", "春季邮件", "--type", "email",
                   "--budget", "1000", "--starts", "2026-03-01", "--owner", "wang")
    cid = str(made["campaign"]["id"])
    assert (made["campaign"]["status"], made["campaign"]["owner"]) == ("draft", "wang")
    assert "2 new members" in gx("marketing", "campaigns", "add-members", cid, "zs@example.cn",
                                 str(b)).stdout
    assert "1 members marked sent" in gx("marketing", "campaigns", "sent", cid, str(a)).stdout
    responded = gx.json("marketing", "campaigns", "respond", cid, str(a), "--response", "想试用")
    assert responded == {"campaign_id": int(cid), "customer_id": a, "status": "responded",
                         "response": "想试用"}
    gx("marketing", "campaigns", "convert", cid, str(a))
    gx.json("marketing", "campaigns", "cost", cid, "250.50", "--on", "2026-03-02",
            "--note", "设计")
    gx("interaction", "log", str(a), "--kind", "core.purchase", "--revenue", "1000.00")
    listed = gx.json("marketing", "campaigns", "list")
    assert [(r["name"], r["members"], r["sent"], r["responded"], r["converted"],
             r["actual_cost"]) for r in listed] == [("春季邮件", 2, 1, 1, 1, "250.50")]
    roi = gx.json("marketing", "campaigns", "roi", cid, "--model", "first_touch")
    assert (roi[0]["revenue"], roi[0]["roi"], roi[0]["response_rate"]) == ("1000.00", 2.992, 1.0)
    attributed = gx.json("marketing", "campaigns", "attribution", "--window", "30")
    assert attributed["rows"][0]["linear"] == "1000.00"
    assert "revenue of touched customers: 1000.00" in gx("marketing", "campaigns",
                                                         "attribution").stdout
    study = gx.json("marketing", "campaigns", "study", "--by", "customer_kind")
    assert [(r["key"], r["converted"], r["not_converted"]) for r in study] == [("person", 1, 1)]
    members = gx.json("marketing", "campaigns", "members", cid, "--status", "converted")
    assert [(m["customer"], m["response"]) for m in members] == [("张三", "想试用")]
    shown = gx("marketing", "campaigns", "show", cid).stdout
    assert "cost 2026-03-02: 250.50 设计" in shown and "budget: 1000.00" in shown
    assert gx.json("marketing", "campaigns", "status", cid, "completed")["campaign"][
        "status"] == "completed"
    follow = gx.json("marketing", "campaigns", "create", "二期", "--type", "sms",
                     "--parent", "春季邮件")["campaign"]["id"]
    assert "1 new members" in gx("marketing", "campaigns", "target", str(follow),
                                 "--responders").stdout
    assert "roi" in gx("marketing", "campaigns", "roi").stdout
    assert "by type" in gx("marketing", "campaigns", "study", "--by", "type").stdout
    assert gx.json("marketing", "campaigns", "list", as_user="wang")[0]["name"] == "春季邮件"


def test_bad_input_on_the_command_line_is_one_line_and_stores_nothing(
    gx: GuanxiCli, database_url: str
) -> None:
    a = gx.json("customer", "add", "张三")["id"]
    cid = str(gx.json("marketing", "campaigns", "create", "x", "--type", "sms")["campaign"]["id"])
    assert "field 'budget'" in gx.fails("marketing", "campaigns", "create", "y", "--type", "sms",
                                        "--budget", "-1")
    assert "field 'customers'" in gx.fails("marketing", "campaigns", "add-members", cid, "999")
    assert "field 'amount'" in gx.fails("marketing", "campaigns", "cost", cid, "1.234")
    assert "not a member" in gx.fails("marketing", "campaigns", "respond", cid, str(a))
    assert "field 'status'" in gx.fails("marketing", "campaigns", "status", cid, "completed")
    assert "field 'segment'" in gx.fails("marketing", "campaigns", "target", cid)
    assert "field 'parent'" in gx.fails("marketing", "campaigns", "target", cid,
                                        "--non-responders")
    assert gx.fails("marketing", "campaigns", "show", "nope") == "error: no campaign 'nope'"
    assert "field 'window'" in gx.fails("marketing", "campaigns", "roi", "--window", "0")
    listed = gx.json("marketing", "campaigns", "list")
    assert [(r["name"], r["members"], r["actual_cost"]) for r in listed] == [("x", 0, "0.00")]


def test_a_campaign_targets_its_segment(marketing_app: App) -> None:
    with marketing_app.transaction() as uow:
        ids = [add_customer(uow, name=name).id for name in ("甲", "乙", "丙")]
        segment = create_segment(uow, name="老客户", customer_ids=ids[:2])
        campaign = create_campaign(uow, name="回馈", type="sms", segment="老客户")
        assert campaign.segment_id == segment.id
        assert target_segment(uow, campaign.id) == 2
        assert target_segment(uow, campaign.id) == 0  # members are not added twice
        assert [m.customer_id for m in list_members(uow, campaign.id)] == ids[:2]
        with pytest.raises(ValidationError) as caught:
            create_campaign(uow, name="y", type="sms", segment="没有")
        assert caught.value.field == "segment"


def test_the_demo_has_campaigns_with_costs_responses_and_revenue(
    tmp_path: Path, database_url: str
) -> None:
    demo_content_on_sqlite_only(database_url)
    gx = GuanxiCli(tmp_path / "demo", database_url, plugins=["marketing"])
    gx("init", "--demo", "--db", database_url)
    from guanxi.app import create_app

    app = create_app(tmp_path / "demo", settings={"core": {"database_url": database_url}})
    try:
        with app.transaction(now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)) as uow:
            ours = [r for r in list_campaigns(uow) if r.name in (
                "春节问候短信", "夏季新品邮件", "客户答谢会", "夏季新品 电话跟进")]
            follow = get_campaign(uow, "夏季新品 电话跟进")
            roi = {p.name: p for p in campaign_roi(uow)}
            credited = attribution(uow)
        assert len(ours) == 4 and follow.parent_id == get_campaign_id(app, "夏季新品邮件")
        for row in ours:
            assert row.members and row.responded and row.actual_cost > 0
        assert all(roi[row.name].attributed_revenue > Decimal(0) for row in ours)
        assert credited.touched_revenue > sum(r.linear for r in credited.rows) > 0
    finally:
        app.close()


def get_campaign_id(app: App, name: str) -> int:
    with app.engine.connect() as connection:
        return connection.execute(text(f"SELECT id FROM {Campaign.__tablename__} WHERE name = :n"),
                                  {"n": name}).scalar_one()

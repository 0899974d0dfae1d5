"""Surveys on the command line, and the demo's surveys."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from guanxi.testing import GuanxiCli
from tests.conftest import demo_content_on_sqlite_only


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["service"])
    cli("init", "--db", database_url)
    cli("staff", "add", "wang", "王芳")
    cli("access", "grant", "wang", "agent")
    return cli


def test_the_command_line_sends_answers_and_reports(gx: GuanxiCli) -> None:
    zhang = gx.json("customer", "add", "张三", "--owner", "wang")["id"]
    payload = json.dumps({"visit_id": 11, "outcome": "reached"})
    gx("interaction", "log", str(zhang), "--kind", "service.return_visit",
       "--payload", payload, as_user="wang")
    [scheduled] = gx.json("service", "surveys", "list", as_user="wang")
    assert (scheduled["source"], scheduled["visit_id"], scheduled["status"]) == (
        "visit", 11, "scheduled")
    assert gx.json("service", "surveys", "send", as_user="wang") == {"sent": 0}  # not due
    made = gx.json("service", "surveys", "send", "--visit", "12", "--customer", str(zhang),
                   "--channel", "sms", as_user="wang")
    assert (made["status"], made["channel"], made["customer"]) == ("sent", "sms", "张三")
    sid = str(made["id"])
    shown = gx("service", "surveys", "show", sid, "--invitation", as_user="wang").stdout
    assert "尊敬的张三" in shown and made["token"] in shown

    error = gx.fails("service", "surveys", "answer", sid, "--csat", "4", "--factor", "味道=3",
                     as_user="wang")
    assert "factors.味道" in error
    assert "nps" in gx.fails("service", "surveys", "answer", sid, "--csat", "4", "--nps", "11",
                             as_user="wang")
    assert gx.json("service", "surveys", "show", sid, as_user="wang")["status"] == "sent"

    answered = gx.json("service", "surveys", "answer", sid, "--csat", "5", "--nps", "10",
                       "--factor", "speed=5", "--factor", "attitude=4",
                       "--comment", "护士很耐心", as_user="wang")
    assert (answered["status"], answered["csat"], answered["comment"]) == (
        "answered", 5, "护士很耐心")
    assert answered["factors"]["attitude"] == {"label": "服务态度", "score": 4}
    assert "already answered" in gx.fails("service", "surveys", "answer", sid, "--csat", "1",
                                          as_user="wang")
    text = gx("service", "surveys", "show", sid, as_user="wang").stdout
    assert "CSAT 5/5, NPS 10/10" in text and "服务态度: 4/5" in text

    report = gx.json("service", "surveys", "report", "--by", "channel", as_user="wang")
    assert report["rows"][0]["group"] == "sms" and report["total"]["nps"] == 100.0
    factors = gx.json("service", "surveys", "report", "factors", as_user="wang")
    assert factors["factors"][0]["answers"] == 1
    table = gx("service", "surveys", "report", "factors", as_user="wang").stdout
    assert "满意度因素分析" in table and "响应速度" in table
    complaints = gx.json("service", "surveys", "report", "complaints", as_user="wang")
    assert complaints["total"]["resolved"] == 0
    assert "start" in gx.fails("service", "surveys", "report", "--start", "三月",
                               as_user="wang")
    listed = gx("service", "surveys", "list", "--status", "answered", as_user="wang").stdout
    assert "张三" in listed


def test_a_poor_answer_on_the_command_line_opens_a_complaint(gx: GuanxiCli) -> None:
    zhang = gx.json("customer", "add", "张三", "--owner", "wang")["id"]
    made = gx.json("service", "surveys", "send", "--visit", "3", "--customer", str(zhang),
                   as_user="wang")
    answered = gx.json("service", "surveys", "answer", str(made["id"]), "--csat", "1",
                       "--comment", "回访电话态度很差", as_user="wang")
    assert answered["poor"] and answered["follow_up"] == "complaint"
    poor = gx.json("service", "surveys", "list", "--poor", as_user="wang")
    assert [p["follow_up_ticket_id"] for p in poor] == [answered["follow_up_ticket_id"]]


def test_the_demo_has_answered_surveys_and_complaints(tmp_path: Path, database_url: str) -> None:
    demo_content_on_sqlite_only(database_url)
    from sqlalchemy import select

    from guanxi.app import create_app
    from guanxi_service.surveys.models import Survey
    from guanxi_service.surveys.reports import satisfaction, satisfaction_factors

    gx = GuanxiCli(tmp_path / "demo", database_url, plugins=["service"])
    gx("init", "--demo", "--db", database_url)
    app = create_app(tmp_path / "demo", settings={"core": {"database_url": database_url}})
    try:
        with app.transaction(now=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)) as uow:
            rows = uow.session.exec(select(Survey)).scalars().all()
            statuses = {s.status for s in rows}
            answered = [s for s in rows if s.status == "answered"]
            total = satisfaction(uow)["total"]
            factors = satisfaction_factors(uow)
        assert len(rows) >= 10 and {"answered", "sent"} <= statuses
        assert len({s.csat for s in answered}) >= 3
        assert any(s.comment and "满意" in s.comment for s in answered)
        assert sum(1 for s in answered if s.follow_up == "complaint") >= 2
        assert total["nps"] is not None and 0 < total["response_rate"] < 100
        assert factors["factors"][0]["correlation"] is not None
    finally:
        app.close()

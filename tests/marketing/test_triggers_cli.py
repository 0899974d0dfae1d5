"""``guanxi marketing triggers …``, the triggers' reports and their demo data."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import select

from guanxi.app import App
from guanxi.models import Customer, Interaction
from guanxi.testing import GuanxiCli
from guanxi_marketing.triggers.demo import BRAND_ACCOUNT, REPEAT_BUYERS, add_demo
from guanxi_marketing.triggers.posts import content_report
from guanxi_marketing.triggers.reports import content_policy_report, trigger_fires_report
from guanxi_marketing.triggers.service import preview_triggers
from tests.marketing.test_triggers import BIRTHDAY, person, run, trigger_app


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    guanxi = GuanxiCli(tmp_path / "crm", database_url, plugins=["marketing"])
    guanxi("init", "--db", database_url)
    guanxi("customer", "add", "李娜", "--email", "li@example.com", "--birth-date", "1986-05-13")
    guanxi("customer", "add", "王芳", "--email", "wang@example.com", "--birth-date", "1990-05-14")
    return guanxi


def test_cli_list_preview_run(gx: GuanxiCli) -> None:
    listed = gx.json("marketing", "triggers", "list")
    assert [(t["name"], t["type"], t["enabled"]) for t in listed] == [
        ("birthday", "special_date", True),
        ("mothers_day", "repeat_purchase", True),
    ]
    assert "occasion mothers_day" in listed[1]["detail"]
    preview = gx.json("marketing", "triggers", "preview", "--on", "2026-05-13")
    assert [(r["trigger"], r["customer"], r["occurrence"], r["status"]) for r in preview] == [
        ("birthday", 1, "2026-05-13", "due"),
    ]
    assert preview[0]["reason"] == {"date": "birthday", "on": "2026-05-13", "age": 40}
    assert "李娜" not in gx("marketing", "triggers", "preview", "--on", "2026-05-14").stdout
    fired = gx.json("marketing", "triggers", "run", "--on", "2026-05-13", "--no-send")
    assert fired["fired"] == {"birthday": 1, "mothers_day": 0} and fired["sent"] == {}
    # Unsent members stay targeted; a rerun of the day chooses nobody new.
    again = gx("marketing", "triggers", "run", "--on", "2026-05-13", "--no-send").stdout
    assert "birthday: 0 customer(s)" in again
    assert gx.json("marketing", "triggers", "preview", "--on", "2026-05-13") == []
    timeline = gx.json("timeline", "1")
    assert "marketing.trigger_fired" in [entry["kind"] for entry in timeline]


def test_cli_bad_input(gx: GuanxiCli) -> None:
    assert gx.fails("marketing", "triggers", "preview", "--on", "13/05/2026") == (
        "error: field 'on': not a date (YYYY-MM-DD): '13/05/2026'"
    )
    assert "no trigger 'nope'" in gx.fails("marketing", "triggers", "run", "--trigger", "nope")
    assert gx.json("marketing", "triggers", "preview", "--on", "2026-05-13", "--trigger",
                   "mothers_day") == []


def test_reports(make_marketing_app: Callable[..., App]) -> None:
    app = trigger_app(make_marketing_app, BIRTHDAY)
    born = person(app, "报告", birth_date=dt.date(1980, 11, 2))
    run(app, "2026-11-02")
    with app.transaction() as uow:
        fires = trigger_fires_report(uow, trigger="birthday", since="2026-01-01")
        policy = content_policy_report(uow, on="2026-11-02")
        assert trigger_fires_report(uow, since="2027-01-01")["rows"] == []
    [row] = fires["rows"]
    assert (row["trigger"], row["period"], row["customers"]) == ("birthday", "2026-11", 1)
    assert policy == {"report": "marketing.content_policy", "on": "2026-11-02", "rows": []}
    assert born and app.registry.reports["marketing.trigger_fires"].plugin == "marketing"


def test_demo_data_feeds_the_mothers_day_reminder(make_marketing_app: Callable[..., App]) -> None:
    app = make_marketing_app(enable=["sales"])  # the demo's purchases are sales.order
    until = dt.datetime(2026, 10, 31, 18, tzinfo=app.tz)
    with app.transaction(now=until) as uow:
        from guanxi.services.customers import add_customer

        customers = [
            add_customer(uow, name=f"顾客{i}", birth_date=dt.date(1980, 1, 1 + i))
            for i in range(8)
        ]
        add_demo(uow, random.Random(7), customers)
    with app.transaction(now=until) as uow:
        # Mother's Day 2027 is 9 May; the trigger looks ten days ahead.
        [_, mothers_day] = preview_triggers(uow, on=dt.date(2027, 4, 29))
        buyers = {
            cid for (cid,) in uow.session.execute(
                select(Interaction.customer_id).where(Interaction.kind == "sales.order")
            )
        }
        [report] = content_report(uow, on=dt.date(2026, 10, 15))
        people = uow.session.exec(select(Customer.id)).all()
    assert len(mothers_day.due) == REPEAT_BUYERS and len(buyers) == REPEAT_BUYERS + 1
    assert {d.customer_id for d in mothers_day.due} < buyers <= set(people)
    assert report["account"] == BRAND_ACCOUNT
    assert (report["posts"], report["commercial"], report["status"]) == (20, 1, "ideal")


def test_migration_downgrade_drops_the_tables(marketing_app: App) -> None:
    from sqlalchemy import inspect

    from guanxi.db.migrate import check, downgrade, upgrade

    downgrade(marketing_app, "marketing_0006")
    names = set(inspect(marketing_app.engine).get_table_names())
    assert not {"marketing_trigger_fire", "marketing_social_post"} & names
    upgrade(marketing_app)
    assert check(marketing_app) == []

"""Return visits on the command line (``guanxi service visits …``) and in the demo.

The commands run in-process on the real clock: due dates are counted from today in the
generic edition's zone (Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from guanxi.testing import GuanxiCli
from tests.conftest import demo_content_on_sqlite_only

TODAY = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()


def day(offset: int) -> str:
    return (TODAY + dt.timedelta(days=offset)).isoformat()


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["service"])
    cli("init", "--db", database_url)
    cli("staff", "add", "wang", "王芳")
    cli("access", "grant", "wang", "agent")
    return cli


def visit_count(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM service_visit")).scalar_one()
    finally:
        engine.dispose()


def test_visits_are_scheduled_recorded_moved_and_cancelled(
    gx: GuanxiCli, database_url: str
) -> None:
    zhang = str(gx.json("customer", "add", "张三", "--phone", "13800138000",
                        "--owner", "wang")["id"])
    plans = gx.json("service", "visits", "plans")
    assert [(p["name"], p["offsets"]) for p in plans] == [
        ("asset_handed_over", [7, 30, 180]), ("ticket_closed", [3])]
    call = gx.json("service", "visits", "schedule", "13800138000", "--due", day(0),
                   "--title", "节后关怀电话", as_user="wang")
    assert (call["visit"]["customer"], call["visit"]["assignee"], call["visit"]["channel"],
            call["visit"]["status"]) == ("张三", "wang", "phone", "scheduled")
    home = gx.json("service", "visits", "schedule", zhang, "--due", day(3), "--title",
                   "有偿上门保养", "--channel", "visit", "--paid", "--fee", "300",
                   "--assignee", "wang", "--notes", "带滤芯")
    assert (home["visit"]["paid"], home["visit"]["fee"], home["notes"]) == (
        True, "300.00", "带滤芯")
    listed = gx.json("service", "visits", "list", "--customer", zhang)
    assert [(r["title"], r["due_on"]) for r in listed] == [
        ("节后关怀电话", day(0)), ("有偿上门保养", day(3))]
    due_today = gx.json("service", "visits", "due", "--mine", as_user="wang")
    assert [r["title"] for r in due_today] == ["节后关怀电话"]
    assert "节后关怀电话" in gx("service", "visits", "due").stdout

    done = gx.json("service", "visits", "record", str(call["visit"]["id"]), "reached",
                   "--satisfaction", "5", "--notes", "很满意", as_user="wang")
    assert (done["visit"]["status"], done["visit"]["satisfaction"], done["notes"]) == (
        "done", 5, "很满意")
    moved = gx.json("service", "visits", "reschedule", str(home["visit"]["id"]), day(10),
                    "--reason", "客户出差")
    assert moved["visit"]["due_on"] == day(10)
    out = gx("service", "visits", "cancel", str(home["visit"]["id"]), "--reason", "不需要了")
    assert "1 visits cancelled" in out.stdout
    shown = gx("service", "visits", "show", str(home["visit"]["id"])).stdout
    assert "cancel_reason: 不需要了" in shown and "客户出差" in shown
    assert gx.json("service", "visits", "overdue") == []
    assert "0 visits flagged overdue" in gx("service", "visits", "flag-overdue").stdout
    report = gx.json("report", "run", "service.visit_completion", "--option", "by=assignee",
                     "--option", f"start={day(-1)}", "--option", f"end={day(30)}")
    assert [(r["assignee"], r["due"], r["done"], r["cancelled"], r["on_time"])
            for r in report["rows"]] == [("wang", 1, 1, 1, 1)]
    completion = gx.json("service", "visits", "completion", "--start", day(-1))
    assert completion[0]["plan"] == "(manual)"
    assert visit_count(database_url) == 2


def test_bad_input_is_one_line_and_stores_nothing(gx: GuanxiCli, database_url: str) -> None:
    zhang = str(gx.json("customer", "add", "张三")["id"])
    assert "due_on" in gx.fails("service", "visits", "schedule", zhang, "--due", day(-1),
                                "--title", "回访")
    assert "channel" in gx.fails("service", "visits", "schedule", zhang, "--due", day(1),
                                 "--title", "回访", "--channel", "信鸽")
    assert "plan" in gx.fails("service", "visits", "schedule", zhang, "--due", day(1),
                              "--plan", "牙科")
    assert "customer" in gx.fails("service", "visits", "schedule", "nobody@example.cn",
                                  "--due", day(1), "--title", "回访")
    assert visit_count(database_url) == 0
    visit = gx.json("service", "visits", "schedule", zhang, "--due", day(1), "--title", "回访")
    vid = str(visit["visit"]["id"])
    assert "satisfaction" in gx.fails("service", "visits", "record", vid, "reached",
                                      "--satisfaction", "9")
    assert gx("service", "visits", "record", vid, "maybe", ok=False).exit_code == 2
    assert "reason" in gx.fails("service", "visits", "cancel", vid, "--reason", " ")
    assert "no return visit" in gx.fails("service", "visits", "show", "99999")
    assert gx.json("service", "visits", "list", "--status", "open")[0]["attempts"] == 0
    # A customer's whole plan is cancelled by name.
    assert gx.json("service", "visits", "cancel", "--customer", zhang, "--plan",
                   "ticket_closed", "--reason", "客户要求")["cancelled"] == 0


def test_a_viewer_may_list_but_not_record(gx: GuanxiCli) -> None:
    gx("staff", "add", "zhao", "赵")
    gx("access", "grant", "zhao", "viewer")
    zhang = str(gx.json("customer", "add", "张三", "--owner", "zhao")["id"])
    vid = str(gx.json("service", "visits", "schedule", zhang, "--due", day(1), "--title",
                      "回访")["visit"]["id"])
    assert len(gx.json("service", "visits", "list", as_user="zhao")) == 1
    message = gx.fails("service", "visits", "record", vid, "reached", as_user="zhao")
    assert "may not update service.visit" in message


def test_the_demo_has_visits_from_its_own_triggers(tmp_path: Path, database_url: str) -> None:
    demo_content_on_sqlite_only(database_url)
    gx = GuanxiCli(tmp_path / "demo", database_url, plugins=["service"])
    gx("init", "--demo", "--db", database_url)
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            by_plan = dict(connection.execute(text(
                "SELECT coalesce(plan, '(manual)'), count(*) FROM service_visit GROUP BY 1")).all())
            statuses = dict(connection.execute(text(
                "SELECT status, count(*) FROM service_visit GROUP BY status")).all())
            reminders = connection.execute(text(
                "SELECT count(*) FROM task WHERE source = 'service.visits_overdue'")).scalar_one()
            logged = connection.execute(text(
                "SELECT count(*) FROM interaction WHERE kind = 'service.return_visit'")
            ).scalar_one()
            triggered = connection.execute(text(
                "SELECT count(*) FROM service_visit v JOIN interaction i ON i.id = v.trigger_id"
                " WHERE i.kind = v.trigger_kind")).scalar_one()
    finally:
        engine.dispose()
    assert set(by_plan) == {"ticket_closed", "asset_handed_over", "(manual)"}
    assert by_plan["(manual)"] == 6
    assert triggered == sum(by_plan.values()) - 6  # every plan visit names its trigger
    assert statuses["done"] > statuses["overdue"] > 0 and statuses["scheduled"] > 0
    assert reminders == statuses["overdue"]
    assert logged >= statuses["done"]


def test_plans_names_a_plan_that_cannot_work(gx: GuanxiCli) -> None:
    config = gx.project / "guanxi.toml"
    config.write_text(config.read_text(encoding="utf-8") + (
        '\n[service.visits.plans.after_trip]\ntrigger = "travel.returned"\noffsets = [2]\n'),
        encoding="utf-8")
    message = gx.fails("service", "visits", "plans")
    assert message == ("error: [service.visits] plan 'after_trip': trigger 'travel.returned' "
                       "is not a registered interaction kind")

"""Triggered campaigns end to end: who is chosen, the campaign, the sending, reruns.

Messages go to the messages area's outbox sender (``email_sender = "outbox"``), so
what was "sent" is read back from ``marketing_outbox``; consent is the core's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import col, select

from guanxi.app import App
from guanxi.models import Interaction
from guanxi.privacy import set_consent
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interaction
from guanxi_marketing.campaigns.models import Campaign, CampaignMember
from guanxi_marketing.messages.models import MarketingOutbox
from guanxi_marketing.triggers.models import TriggerFire
from guanxi_marketing.triggers.service import (
    fire_triggers,
    preview_triggers,
    run_triggers,
)

BIRTHDAY = {"name": "birthday", "type": "special_date", "template": "birthday",
            "subject": "生日快乐", "title": "生日祝福"}
MOTHERS_DAY = {"name": "mothers_day", "type": "repeat_purchase", "template": "occasion_reminder",
               "subject": "母亲节快到了", "occasion": "mothers_day", "lead_days": 10}
LAPSED = {"name": "lapsed", "type": "lapsed", "template": "we_miss_you", "lapsed_days": 180,
          "cool_down_days": 90}


def trigger_app(
    make_marketing_app: Callable[..., App], *specs: dict[str, Any], **extra: Any
) -> App:
    """An app whose triggers are ``specs``, sending email to the outbox."""
    marketing = {
        "triggers": {"triggers": list(specs), **extra},
        "messages": {"email_sender": "outbox", "unsubscribe_secret": "triggers-test-secret-key"},
    }
    return make_marketing_app(settings={"marketing": marketing})


def person(
    app: App, name: str, *, consent: bool = True, owner: str | None = None, **fields: Any
) -> int:
    """A person with an email address and (by default) consent to marketing email."""
    with app.transaction() as uow:
        record = add_customer(uow, name=name, emails=[f"c{abs(hash(name)) % 10**8}@example.com"],
                              owner=owner, **fields)
        assert record.id is not None
        if consent:
            set_consent(uow, record.id, purpose="marketing", channel="email", granted=True,
                        source="test")
        return record.id


def buy(app: App, customer_id: int, day: str, amount: str = "199.00", **payload: Any) -> None:
    """A purchase (``core.purchase``) at noon local time on ``day``."""
    moment = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), tzinfo=app.tz)
    with app.transaction() as uow:
        log_interaction(uow, customer_id=customer_id, kind="core.purchase", channel="pos",
                        occurred_at=moment, revenue=Decimal(amount), payload=payload)


def outbox(app: App) -> list[MarketingOutbox]:
    """What the outbox sender accepted, in order."""
    with app.transaction() as uow:
        return list(uow.session.exec(select(MarketingOutbox).order_by(col(MarketingOutbox.id))))


def fires(app: App) -> list[TriggerFire]:
    """Every trigger fire, in order."""
    with app.transaction() as uow:
        return list(uow.session.exec(select(TriggerFire).order_by(col(TriggerFire.id))))


def due_ids(app: App, day: str, only: str | None = None, as_user: str | None = None) -> list[int]:
    """The customers a preview on ``day`` chooses."""
    with app.transaction(as_user=as_user) as uow:
        outcomes = preview_triggers(uow, on=dt.date.fromisoformat(day), only=only)
    return sorted(d.customer_id for o in outcomes for d in o.due)


def run(app: App, day: str, only: str | None = None) -> Any:
    """``run_triggers`` on ``day``."""
    return run_triggers(app, on=dt.date.fromisoformat(day), only=only)


def names_of(rows: Iterable[MarketingOutbox]) -> list[int]:
    """The customers that messages went to."""
    return sorted(row.customer_id for row in rows)


# ------------------------------------------------------------------------ special dates


def test_birthday_greeted_once_even_when_rerun(make_marketing_app: Callable[..., App]) -> None:
    app = trigger_app(make_marketing_app, BIRTHDAY)
    li = person(app, "李娜", birth_date=dt.date(1986, 5, 13))
    person(app, "王芳", birth_date=dt.date(1986, 5, 14))
    assert due_ids(app, "2026-05-13") == [li]
    outcomes, sends = run(app, "2026-05-13")
    assert [len(o.due) for o in outcomes] == [1]
    [report] = sends.values()
    assert report.sent == 1
    sent = outbox(app)
    assert names_of(sent) == [li] and sent[0].subject == "生日快乐"
    assert "祝您生日快乐" in sent[0].body
    [fire] = fires(app)
    assert (fire.occurrence, fire.period, fire.reason["age"]) == ("2026-05-13", "2026-05", 40)
    with app.transaction() as uow:
        campaign = uow.session.get(Campaign, fire.campaign_id)
        assert campaign is not None and campaign.settings["trigger"] == "birthday"
        assert campaign.type == "email" and campaign.name == "生日祝福 2026-05"
        logged = uow.session.exec(
            select(Interaction).where(Interaction.kind == "marketing.trigger_fired")
        ).all()
        assert [(i.customer_id, i.payload["occurrence"]) for i in logged] == [(li, "2026-05-13")]
    # The same day again: nobody new, no second message.
    outcomes, _ = run(app, "2026-05-13")
    assert [len(o.due) for o in outcomes] == [0]
    assert len(outbox(app)) == 1 and len(fires(app)) == 1


def test_lead_days_look_ahead_across_the_year_end(make_marketing_app: Callable[..., App]) -> None:
    app = trigger_app(make_marketing_app, {**BIRTHDAY, "lead_days": 3})
    newyear = person(app, "张伟", birth_date=dt.date(1990, 1, 2))
    person(app, "赵磊", birth_date=dt.date(1990, 12, 29))
    third = person(app, "钱敏", birth_date=dt.date(1990, 1, 3))
    with app.transaction() as uow:
        [outcome] = preview_triggers(uow, on=dt.date(2026, 12, 30))
    assert [(d.customer_id, d.occurrence) for d in outcome.due] == [(newyear, "2027-01-02")]
    run(app, "2026-12-30")
    # A day later the 2nd is still in the window, but it was greeted; the 3rd comes in.
    assert due_ids(app, "2026-12-31") == [third]
    assert len(outbox(app)) == 1


def test_feb29_birthdays(make_marketing_app: Callable[..., App]) -> None:
    app = trigger_app(make_marketing_app, BIRTHDAY)
    leap = person(app, "孙丽", birth_date=dt.date(2000, 2, 29))
    feb28 = person(app, "周杰", birth_date=dt.date(2001, 2, 28))
    assert due_ids(app, "2027-02-28") == sorted([feb28, leap])  # a common year: both
    assert due_ids(app, "2027-03-01") == []
    assert due_ids(app, "2028-02-28") == [feb28]  # a leap year: the 29th is his own
    assert due_ids(app, "2028-02-29") == [leap]
    # The same database, configured to celebrate 29 February on 1 March.
    moved = trigger_app(make_marketing_app, BIRTHDAY, feb29_in_common_years="03-01")
    assert due_ids(moved, "2027-02-28") == [feb28] and due_ids(moved, "2027-03-01") == [leap]


def test_labelled_special_dates(make_marketing_app: Callable[..., App]) -> None:
    anniversary = {**BIRTHDAY, "name": "anniversary", "dates": ["结婚纪念日"]}
    app = trigger_app(make_marketing_app, anniversary)
    married = person(app, "郑强", special_dates=[{"label": "结婚纪念日", "date": "2010-06-01"}])
    person(app, "冯雪", special_dates=[{"label": "入会日", "date": "2010-06-01"}])
    person(app, "陈晨", birth_date=dt.date(1980, 6, 1))  # birthdays are not asked for
    with app.transaction() as uow:
        [outcome] = preview_triggers(uow, on=dt.date(2026, 6, 1))
    assert [(d.customer_id, d.reason) for d in outcome.due] == [
        (married, {"date": "结婚纪念日", "on": "2026-06-01", "years": 16})
    ]


# ---------------------------------------------------------------------- repeat purchase


def test_mothers_day_example_of_the_source(make_marketing_app: Callable[..., App]) -> None:
    """S004:231: bought a gift before Mother's Day 2010 and 2011 → a reminder in 2012."""
    app = trigger_app(make_marketing_app, MOTHERS_DAY)
    twice = person(app, "刘洋")
    buy(app, twice, "2010-05-01")
    buy(app, twice, "2011-05-06")
    once = person(app, "黄敏")  # bought only in 2011
    buy(app, once, "2011-05-05")
    late = person(app, "林峰")  # 2011's purchase was after Mother's Day
    buy(app, late, "2010-05-02")
    buy(app, late, "2011-06-20")
    gap = person(app, "何静")  # 2009 and 2011: not each of the last two years
    buy(app, gap, "2009-05-02")
    buy(app, gap, "2011-05-02")
    refunded = person(app, "高飞")  # no revenue: not a purchase
    buy(app, refunded, "2010-05-03", amount="0")
    buy(app, refunded, "2011-05-03")
    # Mother's Day 2012 is 13 May; ten days ahead is 3 May.
    assert due_ids(app, "2012-05-02") == []
    assert due_ids(app, "2012-05-03") == [twice]
    run(app, "2012-05-03")
    sent = outbox(app)
    assert names_of(sent) == [twice] and sent[0].subject == "母亲节快到了"
    [fire] = fires(app)
    assert fire.occurrence == "2012-05-13" and fire.reason["bought_in"] == [2010, 2011]
    with app.transaction() as uow:
        campaign = uow.session.get(Campaign, fire.campaign_id)
        assert campaign is not None and campaign.name.endswith("2012-05-13")
    # Later days of the lead window choose nobody again; the next year is a new occasion.
    assert due_ids(app, "2012-05-10") == []
    buy(app, twice, "2012-05-12")
    assert due_ids(app, "2013-05-02") == [twice]  # Mother's Day 2013 is 12 May


def test_repeat_purchase_product_filter(make_marketing_app: Callable[..., App]) -> None:
    flowers = {**MOTHERS_DAY, "name": "flowers", "products": ["FLOWER-01"]}
    app = trigger_app(make_marketing_app, flowers)
    florist = person(app, "花店常客")
    line = {"sku": "FLOWER-01", "name": "康乃馨", "quantity": 1}
    buy(app, florist, "2010-05-01", lines=[line])
    buy(app, florist, "2011-05-01", lines=[{"sku": "TEA", "name": "茶", "quantity": 1}, line])
    other = person(app, "买茶的人")
    tea = {"sku": "TEA", "name": "茶", "quantity": 1}
    buy(app, other, "2010-05-01", lines=[tea])
    buy(app, other, "2011-05-01", lines=[tea])
    assert due_ids(app, "2012-05-05") == [florist]


# ------------------------------------------------------------------------------- lapsed


def test_lapsed_customers_with_cool_down(make_marketing_app: Callable[..., App]) -> None:
    app = trigger_app(make_marketing_app, LAPSED)
    lapsed = person(app, "久未购买")
    buy(app, lapsed, "2025-01-10")
    recent = person(app, "常来")
    buy(app, recent, "2025-01-10")
    buy(app, recent, "2026-01-05")
    person(app, "从未购买")  # never bought: not lapsed, just not a buyer
    # 2025-07-09 is day 180 after 2025-01-10.
    assert due_ids(app, "2025-07-08") == []
    assert due_ids(app, "2025-07-09") == [lapsed]
    run(app, "2025-07-09")
    assert names_of(outbox(app)) == [lapsed]
    assert due_ids(app, "2025-07-10") == []  # within the 90-day cool-down
    assert due_ids(app, "2025-10-06") == []  # day 89 after the reminder
    assert due_ids(app, "2025-10-07") == [lapsed]  # the cool-down is over
    run(app, "2025-10-07")
    assert names_of(outbox(app)) == [lapsed, lapsed]
    [first, second] = fires(app)
    assert first.campaign_id != second.campaign_id  # one campaign per month
    assert second.reason == {"last_purchase": "2025-01-10", "days_since": 270}
    buy(app, lapsed, "2025-12-01")
    assert due_ids(app, "2026-02-01") == []  # bought again


# ------------------------------------------------------------------------ product match


def test_product_match_once_per_announcement(make_marketing_app: Callable[..., App]) -> None:
    launch = {"name": "new_tea", "type": "product_match", "template": "birthday",
              "tags": ["茶友"], "announcement": "tea-2026", "active_from": "2026-03-01",
              "active_until": "2026-03-31", "campaign_period": "year"}
    app = trigger_app(make_marketing_app, launch)
    fan = person(app, "茶客", tags=["茶友"])
    person(app, "咖啡客", tags=["咖啡"])
    assert due_ids(app, "2026-02-28") == []  # before the launch
    assert due_ids(app, "2026-03-02") == [fan]
    run(app, "2026-03-02")
    assert due_ids(app, "2026-03-03") == [] and len(outbox(app)) == 1
    latecomer = person(app, "新茶友", tags=["茶友"])
    assert due_ids(app, "2026-03-04") == [latecomer]
    run(app, "2026-03-04")
    assert len({f.campaign_id for f in fires(app)}) == 1  # the announcement's campaign


# ----------------------------------------------------------------- consent, access, jobs


def test_consent_is_respected_end_to_end(make_marketing_app: Callable[..., App]) -> None:
    app = trigger_app(make_marketing_app, BIRTHDAY)
    agreed = person(app, "同意者", birth_date=dt.date(1990, 5, 13))
    silent = person(app, "未表态", birth_date=dt.date(1991, 5, 13), consent=False)
    withdrew = person(app, "退订者", birth_date=dt.date(1992, 5, 13))
    with app.transaction() as uow:
        set_consent(uow, withdrew, purpose="marketing", channel="email", granted=False,
                    source="unsubscribed")
    run(app, "2026-05-13")
    # All three were chosen and are members, but only the one who agreed got a message.
    assert sorted(f.customer_id for f in fires(app)) == sorted([agreed, silent, withdrew])
    assert names_of(outbox(app)) == [agreed]
    with app.transaction() as uow:
        statuses = dict(uow.session.exec(
            select(CampaignMember.customer_id, CampaignMember.status)
        ).all())
    assert statuses[agreed] == "sent" and statuses[silent] != "sent"
    run(app, "2026-05-13")
    assert names_of(outbox(app)) == [agreed]


def test_job_runs_daily_and_sends_after_commit(make_marketing_app: Callable[..., App]) -> None:
    from guanxi.services.jobs import run_due

    app = trigger_app(make_marketing_app, BIRTHDAY)
    assert app.registry.jobs["marketing.triggers"].daily_at == dt.time(8, 30)
    born = person(app, "早起的人", birth_date=dt.date(1980, 7, 2))
    # The first run-due only schedules the job (08:30 local on 2 July).
    start = dt.datetime(2026, 7, 1, 23, 0, tzinfo=app.tz)
    run_due(app, now=start)
    [outcome] = run_due(app, now=dt.datetime(2026, 7, 2, 9, 0, tzinfo=app.tz),
                        only="marketing.triggers")
    assert outcome.status == "ok" and outcome.detail == "birthday: 1"
    assert names_of(outbox(app)) == [born]
    # Later the same day nothing is due; the next day's run finds nobody new.
    later = run_due(app, now=dt.datetime(2026, 7, 2, 10, 0, tzinfo=app.tz))
    assert "marketing.triggers" not in [o.name for o in later]
    [again] = run_due(app, now=dt.datetime(2026, 7, 3, 9, 0, tzinfo=app.tz),
                      only="marketing.triggers")
    assert again.detail == "birthday: 0" and len(outbox(app)) == 1


def test_preview_follows_record_policies(make_marketing_app: Callable[..., App]) -> None:
    from guanxi.services.staff import add_staff, grant_role

    app = trigger_app(make_marketing_app, BIRTHDAY)
    with app.transaction() as uow:
        for username in ("agent1", "agent2"):
            add_staff(uow, username=username, display_name=username)
            grant_role(uow, staff=username, role="agent")
    mine = person(app, "我的客户", owner="agent1", birth_date=dt.date(1985, 8, 8))
    theirs = person(app, "别人的客户", owner="agent2", birth_date=dt.date(1986, 8, 8))
    assert due_ids(app, "2026-08-08") == [mine, theirs]
    assert due_ids(app, "2026-08-08", as_user="agent1") == [mine]
    run(app, "2026-08-08")
    with app.transaction(as_user="agent1") as uow:
        visible = uow.session.exec(select(TriggerFire.customer_id)).all()
    assert visible == [mine]


def test_disabled_triggers_and_unknown_names(make_marketing_app: Callable[..., App]) -> None:
    from guanxi.errors import NotFoundError

    app = trigger_app(make_marketing_app, {**BIRTHDAY, "enabled": False})
    born = person(app, "寿星", birth_date=dt.date(1970, 9, 9))
    assert due_ids(app, "2026-09-09") == []
    assert due_ids(app, "2026-09-09", only="birthday") == [born]  # asked for by name
    with app.transaction() as uow, pytest.raises(NotFoundError, match="no trigger 'nope'"):
        fire_triggers(uow, on=dt.date(2026, 9, 9), only="nope")
    assert fires(app) == []


# ------------------------------------------------------------------------------ privacy


def test_personal_data_and_erasure(make_marketing_app: Callable[..., App]) -> None:
    from guanxi.privacy import erase_customer, export_personal_data

    app = trigger_app(make_marketing_app, BIRTHDAY)
    born = person(app, "要删除的人", birth_date=dt.date(1975, 10, 10))
    run(app, "2026-10-10")
    with app.transaction() as uow:
        exported = export_personal_data(uow, born)
    text = repr(exported)
    assert "marketing_trigger_fires" in text and "2026-10-10" in text
    with app.transaction() as uow:
        erase_customer(uow, born, reason="request")
    [fire] = fires(app)
    assert fire.reason == {} and fire.occurrence == f"erased:{fire.id}"
    assert fire.trigger == "birthday" and fire.fired_on == dt.date(2026, 10, 10)  # counts stay
    assert due_ids(app, "2027-10-10") == []


# ------------------------------------------------------------------ failures and SMTP


def test_a_broken_trigger_does_not_stop_the_others(make_marketing_app: Callable[..., App]) -> None:
    from guanxi.services.jobs import run_due

    broken = {"name": "launch", "type": "product_match", "template": "birthday",
              "segment": "no such segment", "announcement": "x", "campaign_period": "year"}
    app = trigger_app(make_marketing_app, broken, BIRTHDAY)
    born = person(app, "照常", birth_date=dt.date(1988, 4, 4))
    run_due(app, now=dt.datetime(2026, 4, 3, 23, 0, tzinfo=app.tz))
    [outcome] = run_due(app, now=dt.datetime(2026, 4, 4, 9, 0, tzinfo=app.tz),
                        only="marketing.triggers")
    assert outcome.status == "ok"
    assert outcome.detail == "launch: failed (no segment 'no such segment'), birthday: 1"
    assert names_of(outbox(app)) == [born]
    with app.transaction() as uow, pytest.raises(Exception, match="no segment"):
        fire_triggers(uow, on=dt.date(2026, 4, 4), only="launch")  # asked for: it raises


def test_product_match_by_segment(make_marketing_app: Callable[..., App]) -> None:
    from guanxi_marketing.segments.service import create_segment

    launch = {"name": "launch", "type": "product_match", "template": "birthday",
              "segment": "老客户", "announcement": "new-2026", "campaign_period": "year"}
    app = trigger_app(make_marketing_app, launch)
    listed = person(app, "名单上的")
    person(app, "不在名单")
    with app.transaction() as uow:
        create_segment(uow, name="老客户", customer_ids=[listed])
    assert due_ids(app, "2026-06-01") == [listed]


def test_smtp_failure_midway_then_rerun_sends_only_the_rest(
    make_marketing_app: Callable[..., App],
) -> None:
    """A real SMTP server refuses after one message; the rerun sends only the other."""
    from tests.marketing.test_messages_support import Inbox, message_settings, smtp_server

    inbox = Inbox(refuse_after=1)
    with smtp_server(inbox) as port:
        settings = message_settings(port)
        app = make_marketing_app(settings={"marketing": {
            "messages": settings["marketing"]["messages"],
            "triggers": {"triggers": [MOTHERS_DAY]},
        }})
        buyers = [person(app, name) for name in ("第一位", "第二位")]
        for buyer in buyers:
            buy(app, buyer, "2010-05-01")
            buy(app, buyer, "2011-05-01")
        _, sends = run(app, "2012-05-05")
        [report] = sends.values()
        assert (report.sent, report.pending) == (1, 1) and report.error
        assert len(inbox.messages) == 1
        inbox.refuse_after = None
        outcomes, sends = run(app, "2012-05-05")
        assert [len(o.due) for o in outcomes] == [0]  # nobody chosen again
        [report] = sends.values()
        assert report.sent == 1
    assert len(inbox.messages) == 2 and len(set(inbox.recipients)) == 2
    assert inbox.messages[0]["Subject"] == "母亲节快到了"
    assert "今年我们为您准备了几份推荐" in str(inbox.messages[1].get_body(("plain",)).get_content())

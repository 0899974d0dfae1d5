"""Leads: capture from any channel, de-duplication, statuses, assignment and access."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, text

from guanxi.app import App
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.services.customers import add_customer
from guanxi.services.interactions import timeline
from guanxi.services.staff import add_member, add_staff, add_team, grant_role
from guanxi_marketing.leads.assignment import assign_by_rule, assign_lead
from guanxi_marketing.leads.common import get_lead
from guanxi_marketing.leads.models import Lead
from guanxi_marketing.leads.reports import lead_funnel
from guanxi_marketing.leads.service import (
    capture,
    capture_lead,
    disqualify_lead,
    list_leads,
    qualify_lead,
    record_touch,
    start_working,
)

T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.UTC)


def add_user(app: App, username: str, role: str, team: str | None = None) -> None:
    """A staff user with one role, optionally in a team (created when missing)."""
    with app.transaction(now=T0) as uow:
        add_staff(uow, username=username, display_name=username.title())
        grant_role(uow, staff=username, role=role)
        if team is not None:
            with contextlib.suppress(ValidationError):  # the team exists already
                add_team(uow, name=team)
            add_member(uow, team=team, staff=username)


def lead_count(app: App) -> int:
    """Leads in the database, below any record policy."""
    with app.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM marketing_lead")).scalar_one()


def new_lead(app: App, as_user: str | None = None, **fields: Any) -> Lead:
    """Capture a lead (a name and source by default) and return it."""
    fields.setdefault("name", "王伟")
    fields.setdefault("source", "cli")
    with app.transaction(as_user=as_user, now=T0) as uow:
        return capture_lead(uow, **fields)


@pytest.fixture
def team_app(marketing_app: App) -> App:
    """Two agents of one team, an agent of another, a manager and an admin."""
    add_user(marketing_app, "wang", "agent", "东区")
    add_user(marketing_app, "li", "agent", "东区")
    add_user(marketing_app, "zhao", "agent", "北区")
    add_user(marketing_app, "boss", "manager", "东区")
    add_user(marketing_app, "root", "admin")
    return marketing_app


# ----------------------------------------------------------------------------- capture


def test_capture_normalises_contact_details_and_scores(marketing_app: App) -> None:
    lead = new_lead(marketing_app, email=" Wang@Example.CN ", phone="139 1234 5678",
                    company="恒通机械", source="referral", estimated_value="150000.50")
    assert (lead.email, lead.phone) == ("wang@example.cn", "+8613912345678")
    assert lead.estimated_value == pytest.approx(150000.50)
    rules = {c["rule"]: c["points"] for c in lead.score_components}
    # The default rules: company 10, phone 5, email 5, warm source 10, large deal 15,
    # captured once 5 (no decay at capture time).
    assert rules == {"company given": 10, "reachable by phone": 5, "reachable by email": 5,
                     "warm source": 10, "large deal": 15, "captured": 5}
    assert (lead.score, lead.grade, lead.status) == (50, "B", "new")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "  "}, "name"),
        ({"source": "pigeon"}, "source"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"campaign_id": 999}, "campaign_id"),
        ({"campaign_id": "x"}, "campaign_id"),
        ({"estimated_value": "-5"}, "estimated_value"),
        ({"estimated_value": "1.234"}, "estimated_value"),
        ({"currency": "yuan"}, "currency"),
        ({"company": "x" * 201}, "company"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    marketing_app: App, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        new_lead(marketing_app, **fields)
    assert caught.value.field == field
    assert lead_count(marketing_app) == 0


def test_a_repeated_capture_is_merged_into_the_open_lead(marketing_app: App) -> None:
    first = new_lead(marketing_app, phone="13912345678", notes="website form")
    with marketing_app.transaction(now=T0 + dt.timedelta(days=1)) as uow:
        again = capture(uow, name="王伟 (展会)", source="event", phone="+86 139-1234-5678",
                        company="恒通机械", email="wang@example.cn", notes="met at the fair")
    assert (again.outcome, again.match) == ("merged", f"open lead {first.id} (phone)")
    assert lead_count(marketing_app) == 1
    with marketing_app.transaction() as uow:
        lead = get_lead(uow, first.id)  # type: ignore[arg-type]
        assert lead.name == "王伟"  # the first capture's name stays
        assert (lead.company, lead.email) == ("恒通机械", "wang@example.cn")  # gaps filled
        assert lead.notes == "website form\nmet at the fair"
        assert [t["source"] for t in lead.touches] == ["cli", "event"]
        assert lead.score > first.score  # captured twice, and now with company and email


def test_a_closed_lead_does_not_absorb_a_new_capture(marketing_app: App) -> None:
    first = new_lead(marketing_app, email="a@b.cn")
    with marketing_app.transaction() as uow:
        disqualify_lead(uow, first.id, "no budget")  # type: ignore[arg-type]
    again = new_lead(marketing_app, email="A@B.cn")
    assert again.id != first.id and lead_count(marketing_app) == 2


def test_a_lead_matching_a_customer_is_flagged_and_logged_on_him(marketing_app: App) -> None:
    with marketing_app.transaction(now=T0) as uow:
        customer = add_customer(uow, name="陈静", phones=["13800001111"])
        result = capture(uow, name="陈静", source="web", phone="138 0000 1111", interest="体检")
        assert result.outcome == "created"
        assert result.match == f"customer {customer.id} (phone)"
        assert result.lead.matched_customer_id == customer.id
        logged = [i for i in timeline(uow, customer.id) if i.kind == "marketing.lead_captured"]
    assert logged[0].payload == {"lead_id": result.lead.id, "source": "web", "matched_on": "phone",
                                 "campaign_id": None, "interest": "体检"}


def test_record_touch_adds_engagement_and_refuses_the_future(marketing_app: App) -> None:
    lead = new_lead(marketing_app)
    with marketing_app.transaction(now=T0) as uow:
        touched = record_touch(uow, lead.id, "marketing.event_attended")  # type: ignore[arg-type]
        assert touched.score == lead.score + 15
    with pytest.raises(ValidationError, match="future"), marketing_app.transaction(now=T0) as uow:
        record_touch(uow, lead.id, "marketing.event_attended",  # type: ignore[arg-type]
                     at=T0 + dt.timedelta(days=2))


# ----------------------------------------------------------------------------- statuses


def test_a_lead_moves_new_working_qualified(marketing_app: App) -> None:
    lead = new_lead(marketing_app)
    assert lead.id is not None
    with marketing_app.transaction() as uow:
        assert start_working(uow, lead.id).status == "working"
        with pytest.raises(ValidationError, match="not new"):
            start_working(uow, lead.id)
        assert qualify_lead(uow, lead.id).status == "qualified"
        with pytest.raises(ValidationError, match="already qualified"):
            qualify_lead(uow, lead.id)


def test_disqualifying_needs_a_known_reason_and_closes_the_lead(marketing_app: App) -> None:
    lead = new_lead(marketing_app, notes="first")
    assert lead.id is not None
    with pytest.raises(ValidationError) as caught, marketing_app.transaction() as uow:
        disqualify_lead(uow, lead.id, "bored")
    assert caught.value.field == "reason"
    with marketing_app.transaction() as uow:
        closed = disqualify_lead(uow, lead.id, "competitor", note="signed with 远大")
        assert (closed.status, closed.disqualified_reason) == ("disqualified", "competitor")
        assert closed.notes == "first\nsigned with 远大"
        with pytest.raises(ValidationError, match="disqualified and cannot change"):
            qualify_lead(uow, lead.id)


def test_listing_filters_and_pages(marketing_app: App) -> None:
    for number, source in enumerate(["cli", "web", "web", "form"]):
        new_lead(marketing_app, source=source, email=f"p{number}@x.cn")
    with marketing_app.transaction() as uow:
        assert [r.source for r in list_leads(uow, source="web")] == ["web", "web"]
        first_two = list_leads(uow, limit=2)
        rest = list_leads(uow, after_id=first_two[-1].id)
        assert len(first_two) + len(rest) == 4
        assert list_leads(uow, status="converted") == []
        assert all(r.score >= 25 for r in list_leads(uow, min_score=25))


# ----------------------------------------------------------------------------- assignment


def test_whoever_captures_by_hand_owns_the_lead(team_app: App) -> None:
    lead = new_lead(team_app, as_user="wang")
    with team_app.transaction(as_user="wang") as uow:
        assert get_lead(uow, lead.id).owner_id == uow.actor_id  # type: ignore[arg-type]


def test_an_agent_cannot_assign_nor_take_a_lead(team_app: App) -> None:
    lead = new_lead(team_app, as_user="wang")
    assert lead.id is not None
    with pytest.raises(AccessDenied), team_app.transaction(as_user="wang") as uow:
        assign_lead(uow, lead.id, "li")
    with pytest.raises(AccessDenied), team_app.transaction(as_user="li") as uow:
        capture_lead(uow, name="x", source="cli", owner="li")  # naming an owner: assigners only
    # li cannot see wang's lead at all, let alone work or take it.
    actions: list[Callable[[Any], Any]] = [
        lambda uow: qualify_lead(uow, lead.id), lambda uow: assign_lead(uow, lead.id, "li"),
        lambda uow: get_lead(uow, lead.id)]
    for action in actions:
        with pytest.raises((NotFoundError, AccessDenied)), \
                team_app.transaction(as_user="li") as uow:
            action(uow)
    wang = _staff_id(team_app, "wang")
    with team_app.transaction() as uow:
        assert (get_lead(uow, lead.id).owner_id, get_lead(uow, lead.id).status) == (wang, "new")


def _staff_id(app: App, username: str) -> int:
    with app.engine.connect() as connection:
        return connection.execute(
            text("SELECT id FROM staff WHERE username = :u"), {"u": username}).scalar_one()


def test_an_admin_assigns_and_a_stale_assignment_is_refused(team_app: App) -> None:
    lead = new_lead(team_app, as_user="wang")
    assert lead.id is not None
    li = _staff_id(team_app, "li")
    with team_app.transaction(as_user="root") as uow:
        assert assign_lead(uow, lead.id, "li", expected_owner="wang").owner_id == li
    # Someone who still thinks wang owns it is refused instead of overwriting li.
    with pytest.raises(ValidationError, match="assigned to li meanwhile"), \
            team_app.transaction(as_user="root") as uow:
        assign_lead(uow, lead.id, "zhao", expected_owner="wang")
    with team_app.transaction() as uow:
        assert get_lead(uow, lead.id).owner_id == li
        with pytest.raises(ValidationError) as caught:
            assign_lead(uow, lead.id, "nobody")
        assert caught.value.field == "owner"


def test_a_manager_assigns_the_leads_he_sees(team_app: App) -> None:
    lead = new_lead(team_app, as_user="boss")  # captured by the manager: his
    wang = _staff_id(team_app, "wang")
    with team_app.transaction(as_user="boss") as uow:
        assert assign_lead(uow, lead.id, "wang").owner_id == wang  # type: ignore[arg-type]


def test_round_robin_gives_the_team_turns(make_marketing_app: Callable[..., App]) -> None:
    app = make_marketing_app(settings={"marketing": {"leads": {"assignment": {
        "rule": "round_robin", "team": "东区"}}}})
    for username in ("wang", "li"):
        add_user(app, username, "agent", "东区")
    add_user(app, "zhao", "agent")
    owners = [new_lead(app, as_user="zhao", email=f"r{i}@x.cn").owner_id for i in range(4)]
    wang, li = _staff_id(app, "wang"), _staff_id(app, "li")
    assert owners == [wang, li, wang, li]  # not zhao, who captured them


def test_assignment_by_source_and_by_rule(make_marketing_app: Callable[..., App]) -> None:
    app = make_marketing_app(settings={"marketing": {"leads": {"assignment": {
        "rule": "source", "by_source": {"event": "li"}}}}})
    add_user(app, "li", "agent")
    add_user(app, "boss", "manager")
    assert new_lead(app, source="event").owner_id == _staff_id(app, "li")
    unowned = new_lead(app, source="web")
    assert unowned.owner_id is None  # no rule for web, no default owner
    with pytest.raises(ValidationError, match="names nobody"), app.transaction() as uow:
        assign_by_rule(uow, unowned.id)  # type: ignore[arg-type]
    with app.transaction() as uow:
        lead = capture_lead(uow, name="x", source="web", owner="boss")
        with pytest.raises(ValidationError, match="already belongs to boss"):
            assign_by_rule(uow, lead.id)  # type: ignore[arg-type]


def test_concurrent_assignments_give_one_owner(team_app: App) -> None:
    with team_app.transaction() as uow:
        lead_id = capture_lead(uow, name="抢单", source="web").id
    outcomes: list[str] = []

    def assign(owner: str) -> None:
        try:
            with team_app.transaction(as_user="root") as uow:
                assign_lead(uow, lead_id, owner, expected_owner=None)  # type: ignore[arg-type]
            outcomes.append(f"ok {owner}")
        except ValidationError:
            outcomes.append("refused")

    threads = [threading.Thread(target=assign, args=(name,)) for name in ("wang", "li")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.split()[0] for o in outcomes) == ["ok", "refused"]
    winner = _staff_id(team_app, next(o.split()[1] for o in outcomes if o.startswith("ok")))
    with team_app.transaction() as uow:
        assert get_lead(uow, lead_id).owner_id == winner  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- access


def test_an_agent_sees_only_his_leads_and_those_of_customers_he_sees(team_app: App) -> None:
    mine = new_lead(team_app, as_user="wang", email="m@x.cn")
    new_lead(team_app, as_user="zhao", email="z@x.cn")
    with team_app.transaction() as uow:
        hidden = capture_lead(uow, name="pool", source="web", owner="zhao", email="p@x.cn")
        # Converted to a customer of wang's team: wang now sees it through the customer.
        customer = add_customer(uow, name="客户", owner="li")
        hidden.customer_id, hidden.status = customer.id, "converted"
    with team_app.transaction(as_user="wang") as uow:
        seen = {lead.id for lead in list_leads(uow, status=None)}
        assert seen == {mine.id, hidden.id}
        funnel = lead_funnel(uow)
    assert sum(row.total for row in funnel) == 2
    with team_app.transaction(as_user="zhao") as uow:
        assert [lead.email for lead in list_leads(uow, status=None)] == ["z@x.cn", "p@x.cn"]
        assert uow.session.exec(select(Lead.id).where(Lead.email == "m@x.cn")).first() is None

"""The console's customer pages: search, list, the 360 page and its forms, tasks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlmodel import func, select

from guanxi.models import Interaction, Task
from guanxi.registry import Section
from guanxi.services.tasks import create_task
from guanxi.testing import CustomerFactory, InteractionFactory
from guanxi.testing.web import GuanxiWeb


def _count(app, model, **where) -> int:
    with app.transaction() as uow:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return uow.session.exec(query).one()


@pytest.fixture
def li_na(guanxi_customers) -> int:
    return guanxi_customers.create(
        name="李娜",
        phones=["13800138000"],
        emails=["li.na@example.com"],
        tags=["vip"],
        identities=[{"source": "shop", "external_id": "A-17"}],
        special_dates=[{"label": "结婚纪念日", "date": "2020-05-20"}],
        lifecycle_stage="customer",
    )


def test_search_redirects_on_one_hit_and_lists_several(guanxi_web, guanxi_customers, li_na):
    guanxi_customers.create(name="李娜娜")
    guanxi_customers.create(name="王芳")
    console = guanxi_web.console("wang")
    for query in ["li.na@example.com", "13800138000", "shop:A-17", str(li_na)]:
        found = console.get("/customers", params={"q": query}, follow_redirects=False)
        assert found.status_code == 303, query
        assert found.headers["location"] == f"/customers/{li_na}"
    several = console.get("/customers", params={"q": "李娜"})
    assert several.status_code == 200
    assert "李娜娜" in several.text and "王芳" not in several.text
    assert f'data-testid="customer-{li_na}"' in several.text
    nothing = console.get("/customers", params={"q": "nobody-like-this"})
    assert 'data-testid="no-customers"' in nothing.text


def test_list_pages_by_id_and_filters(guanxi_web, guanxi_customers):
    ids = guanxi_customers.create_many(55)
    tagged = guanxi_customers.create(name="标签客户", tags=["golf"])
    console = guanxi_web.console("wang")
    first = console.get("/customers")
    assert first.status_code == 200
    assert f'data-testid="customer-{ids[0]}"' in first.text
    assert f'data-testid="customer-{ids[50]}"' not in first.text
    assert f'/customers?after={ids[49]}' in first.text
    second = console.get(f"/customers?after={ids[49]}")
    assert f'data-testid="customer-{ids[50]}"' in second.text
    assert f'data-testid="customer-{ids[49]}"' not in second.text
    assert 'data-testid="next-page"' not in second.text
    golf = console.get("/customers", params={"tag": "golf"})
    assert f'data-testid="customer-{tagged}"' in golf.text
    assert f'data-testid="customer-{ids[0]}"' not in golf.text
    mine = console.get("/customers", params={"owner": "me"})
    assert 'data-testid="no-customers"' in mine.text  # nobody owns them


def test_360_shows_record_rollups_timeline_tasks_and_plugin_sections(
    guanxi_make_app, guanxi_throwaway
):
    def section(uow, customer):
        return Section(title="忠诚度 loyalty", rows=[("points", 1234)],
                       items=[{"card": "GOLD-1", "since": "2024-01-01"}])

    guanxi_throwaway("loyalty_probe", customer_360_sections=section)
    app = guanxi_make_app()
    web = GuanxiWeb(app)
    customers = CustomerFactory(app)
    interactions = InteractionFactory(app)
    org = customers.create(name="华为", kind="organization")
    cid = customers.create(name="张伟", organization_id=org, phones=["13900139000"],
                           tags=["vip"])
    start = dt.datetime(2025, 1, 1, 8, 0, tzinfo=dt.UTC)
    ids = [interactions.log(cid, occurred_at=start + dt.timedelta(hours=n),
                            subject=f"call {n}") for n in range(55)]
    interactions.log(cid, kind="core.purchase", channel="pos",
                     occurred_at=start + dt.timedelta(days=10), revenue=Decimal("88.50"),
                     payload={"lines": [{"name": "茶", "quantity": 1}]})
    web.staff("wang")
    with app.transaction() as uow:
        create_task(uow, customer_id=cid, title="回访张伟", due_at=start, assignee="wang")
    console = web.console("wang")
    page = console.get(f"/customers/{cid}")
    assert page.status_code == 200
    text = page.text
    assert "张伟" in text and "13900139000" in text and '<span class="tag">vip</span>' in text
    assert f'href="/customers/{org}"' in text and "华为" in text
    assert 'data-testid="rollup-count">56<' in text
    assert 'data-testid="rollup-revenue">88.50' in text
    assert 'data-testid="family-core">56<' in text
    assert 'data-testid="last-pos"' in text and 'data-testid="last-phone"' in text
    assert "回访张伟" in text
    assert "忠诚度 loyalty" in text and "GOLD-1" in text and "1234" in text
    # The timeline shows the newest 50 (the purchase, calls 54..6) and pages on.
    assert f'data-testid="interaction-{ids[54]}"' in text
    assert f'data-testid="interaction-{ids[6]}"' in text
    assert f'data-testid="interaction-{ids[5]}"' not in text
    assert f"?before={ids[6]}" in text
    older = console.get(f"/customers/{cid}?before={ids[6]}").text
    assert f'data-testid="interaction-{ids[5]}"' in older
    assert f'data-testid="interaction-{ids[0]}"' in older
    assert f'data-testid="interaction-{ids[6]}"' not in older
    assert 'data-testid="timeline-more"' not in older
    web.close()


def test_log_a_call_stores_it_and_a_bad_one_stores_nothing(guanxi_web, guanxi_app, li_na):
    console = guanxi_web.console("wang", role="agent")
    before = _count(guanxi_app, Interaction, customer_id=li_na)
    page = console.get(f"/customers/{li_na}").text
    assert '<option value="core.contact" selected' in page  # the kinds registered
    assert '<option value="core.note"' in page
    done = console.post(
        f"/customers/{li_na}/interactions",
        data={"csrf": console.csrf, "subject": "问候", "summary": "聊了新品",
              "outcome": "回电", "channel": "phone"},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith(f"/customers/{li_na}")
    with guanxi_app.transaction() as uow:
        row = uow.session.exec(
            select(Interaction).where(Interaction.customer_id == li_na)
            .order_by(Interaction.id.desc())  # type: ignore[union-attr]
        ).first()
    assert row is not None and row.kind == "core.contact" and row.channel == "phone"
    assert row.subject == "问候" and row.direction == "outbound"
    assert row.payload == {"summary": "聊了新品", "outcome": "回电"}
    assert row.actor_id is not None
    assert _count(guanxi_app, Interaction, customer_id=li_na) == before + 1
    for data, field in [
        ({"channel": "carrier-pigeon"}, "channel"),
        ({"kind": "no.such_kind"}, "kind"),
        ({"occurred_at": "2999-01-01T10:00"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"direction": "sideways"}, "direction"),
    ]:
        bad = console.post(f"/customers/{li_na}/interactions",
                           data={"csrf": console.csrf, "subject": "坏的", **data})
        assert bad.status_code == 422, data
        assert f'data-testid="error-call-{field}"' in bad.text, data
        assert "李娜" in bad.text  # the 360 page again, with the form refilled
        assert 'value="坏的"' in bad.text
    # A refused form keeps what was chosen in every list, not the defaults.
    refilled = console.post(
        f"/customers/{li_na}/interactions",
        data={"csrf": console.csrf, "kind": "core.note", "channel": "email",
              "direction": "inbound", "occurred_at": "yesterday"},
    ).text
    for chosen in ('"core.note" selected', '"email" selected', '"inbound" selected'):
        assert chosen in refilled
    assert '"core.contact" selected' not in refilled and '"outbound" selected' not in refilled
    assert _count(guanxi_app, Interaction, customer_id=li_na) == before + 1


def test_new_task_and_done_and_cancel(guanxi_web, guanxi_app, li_na):
    console = guanxi_web.console("wang", role="agent")
    made = console.post(f"/customers/{li_na}/tasks",
                        data={"csrf": console.csrf, "title": "寄样品", "due": "2030-01-02"},
                        follow_redirects=False)
    assert made.status_code == 303
    with guanxi_app.transaction() as uow:
        task = uow.session.exec(select(Task).where(Task.title == "寄样品")).one()
    assert task.status == "open" and task.assignee_id is not None
    bad = console.post(f"/customers/{li_na}/tasks",
                       data={"csrf": console.csrf, "title": "", "due": "2030-01-02"})
    assert bad.status_code == 422 and 'data-testid="error-task-title"' in bad.text
    bad_due = console.post(f"/customers/{li_na}/tasks",
                           data={"csrf": console.csrf, "title": "x", "due": "soon"})
    assert bad_due.status_code == 422 and 'data-testid="error-task-due"' in bad_due.text
    assert _count(guanxi_app, Task) == 1
    tasks = console.get("/tasks").text
    assert f'data-testid="task-{task.id}"' in tasks and "寄样品" in tasks
    done = console.post(f"/tasks/{task.id}/done",
                        data={"csrf": console.csrf, "next": f"/customers/{li_na}"},
                        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/customers/{li_na}"
    with guanxi_app.transaction() as uow:
        assert uow.session.exec(select(Task.status).where(Task.id == task.id)).one() == "done"
        logged = uow.session.exec(select(Interaction.kind).where(
            Interaction.customer_id == li_na)).all()
    assert "core.task_done" in logged
    assert f'data-testid="task-{task.id}"' not in console.get("/tasks").text
    # An offsite "next" does not take the user away.
    with guanxi_app.transaction() as uow:
        other = create_task(uow, customer_id=li_na, title="取消我", due_at=dt.datetime(2030, 1, 1),
                            assignee="wang").id
    gone = console.post(f"/tasks/{other}/cancel",
                        data={"csrf": console.csrf, "next": "https://evil.example/"},
                        follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/"
    with guanxi_app.transaction() as uow:
        assert uow.session.exec(select(Task.status).where(Task.id == other)).one() == "cancelled"


def test_team_lead_sees_the_teams_tasks(guanxi_web, guanxi_app, li_na):
    guanxi_web.staff("lead", role="agent", team="north", lead=True)
    guanxi_web.staff("mate", role="agent", team="north")
    guanxi_web.staff("other", role="agent", team="south")
    with guanxi_app.transaction() as uow:
        create_task(uow, customer_id=li_na, title="队友的待办", due_at=dt.datetime(2030, 1, 1),
                    assignee="mate")
        create_task(uow, customer_id=li_na, title="别队的待办", due_at=dt.datetime(2030, 1, 1),
                    assignee="other")
    lead = guanxi_web.console("lead").get("/tasks").text
    assert 'data-testid="team-tasks"' in lead and "队友的待办" in lead and "别队的待办" not in lead
    mate = guanxi_web.console("mate").get("/tasks").text
    assert 'data-testid="team-tasks"' not in mate and "队友的待办" in mate


def test_record_policies_hide_other_teams_customers(guanxi_web, guanxi_customers, guanxi_app):
    guanxi_web.staff("ma", role="agent", team="north")
    guanxi_web.staff("zhu", role="agent", team="south")
    theirs = guanxi_customers.create(name="南方客户", owner="zhu", emails=["south@example.com"])
    ours = guanxi_customers.create(name="北方客户", owner="ma")
    console = guanxi_web.console("ma")
    assert console.get(f"/customers/{ours}").status_code == 200
    hidden = console.get(f"/customers/{theirs}")
    assert hidden.status_code == 404 and "南方客户" not in hidden.text
    assert console.get(f"/customers/{theirs}?before=1").status_code == 404
    listing = console.get("/customers").text
    assert "北方客户" in listing and "南方客户" not in listing
    search = console.get("/customers", params={"q": "south@example.com"},
                         follow_redirects=False)
    assert search.status_code == 200 and "南方客户" not in search.text
    assert "南方客户" not in console.get("/customers", params={"q": "南方"}).text
    before = _count(guanxi_app, Interaction)
    call = console.post(f"/customers/{theirs}/interactions",
                        data={"csrf": console.csrf, "subject": "probe"})
    assert call.status_code == 404
    task = console.post(f"/customers/{theirs}/tasks",
                        data={"csrf": console.csrf, "title": "probe", "due": "2030-01-01"})
    assert task.status_code == 404
    assert _count(guanxi_app, Interaction) == before and _count(guanxi_app, Task) == 0
    with guanxi_app.transaction() as uow:
        hidden_task = create_task(uow, customer_id=theirs, title="他们的", assignee="zhu",
                                  due_at=dt.datetime(2030, 1, 1)).id
    assert console.post(f"/tasks/{hidden_task}/done",
                        data={"csrf": console.csrf}).status_code == 404
    with guanxi_app.transaction() as uow:
        assert uow.session.exec(select(Task.status).where(Task.id == hidden_task)).one() == "open"


def test_every_post_needs_the_csrf_token(guanxi_web, guanxi_app, li_na):
    console = guanxi_web.console("wang")
    with guanxi_app.transaction() as uow:
        task = create_task(uow, customer_id=li_na, title="t", due_at=dt.datetime(2030, 1, 1),
                           assignee="wang").id
    interactions = _count(guanxi_app, Interaction)
    posts = {
        f"/customers/{li_na}/interactions": {"subject": "x"},
        f"/customers/{li_na}/tasks": {"title": "x", "due": "2030-01-01"},
        f"/tasks/{task}/done": {},
        f"/tasks/{task}/cancel": {},
        "/admin/tokens": {"staff": "wang"},
        "/admin/tokens/1/revoke": {},
    }
    for path, data in posts.items():
        for token in (None, "0" * 32):
            sent = data if token is None else {**data, "csrf": token}
            refused = console.post(path, data=sent)
            assert refused.status_code == 422, path
            assert "csrf" in refused.text, path
    assert _count(guanxi_app, Interaction) == interactions
    assert _count(guanxi_app, Task) == 1
    with guanxi_app.transaction() as uow:
        assert uow.session.exec(select(Task.status).where(Task.id == task)).one() == "open"

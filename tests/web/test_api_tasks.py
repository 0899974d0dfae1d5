"""The tasks API: create, list with filters and paging, complete, cancel."""

from __future__ import annotations

from guanxi.models import Interaction, Task
from tests.web.test_api_access import count_rows


def test_create_list_complete_and_cancel(guanxi_web, guanxi_customers, guanxi_app):
    api = guanxi_web.api("boss", role="admin")
    guanxi_web.staff("li", role="agent")
    cid = guanxi_customers.create()
    other = guanxi_customers.create()
    made = []
    for day, customer, assignee in [(3, cid, "li"), (1, cid, None), (2, other, "li"),
                                    (1, other, None)]:
        response = api.post("/api/tasks", json={
            "customer_id": customer, "title": f"day {day}", "assignee": assignee,
            "due_at": f"2026-12-0{day}T09:00:00+08:00", "priority": "high"})
        assert response.status_code == 201, response.text
        made.append(response.json())
    assert made[0]["due_at"] == "2026-12-03T01:00:00Z" and made[0]["status"] == "open"
    # Who, by username as well as by id.
    assert made[0]["assignee"] == "li" and made[0]["assignee_id"] is not None
    assert made[1]["assignee"] is None and made[1]["assignee_id"] is None
    assert {t["created_by"] for t in made} == {"boss"}
    # By (due_at, id), page by page.
    seen, after = [], None
    while True:
        body = api.get("/api/tasks", params={"limit": 3, **({"after": after} if after
                                                            else {})}).json()
        seen += [t["id"] for t in body["items"]]
        after = body["next"]
        if after is None:
            break
    assert seen == [made[1]["id"], made[3]["id"], made[2]["id"], made[0]["id"]]
    assert [t["id"] for t in api.get(f"/api/tasks?customer={cid}").json()["items"]] == [
        made[1]["id"], made[0]["id"]]
    mine = api.get("/api/tasks?assignee=li").json()["items"]
    assert [(t["id"], t["assignee"]) for t in mine] == [
        (made[2]["id"], "li"), (made[0]["id"], "li")]
    due = api.get("/api/tasks", params={"due_before": "2026-12-02T00:00:00+08:00"}).json()
    assert [t["id"] for t in due["items"]] == [made[1]["id"], made[3]["id"]]

    done = api.post(f"/api/tasks/{made[0]['id']}/complete", json={"outcome": "已回访"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert count_rows(guanxi_app, Interaction) == 1  # core.task_done on the timeline
    again = api.post(f"/api/tasks/{made[0]['id']}/complete")
    assert again.status_code == 422 and again.json()["error"]["field"] == "status"
    assert api.post(f"/api/tasks/{made[1]['id']}/cancel").json()["status"] == "cancelled"
    assert api.post(f"/api/tasks/{made[1]['id']}/complete").status_code == 422
    assert count_rows(guanxi_app, Interaction) == 1
    assert [t["id"] for t in api.get("/api/tasks?status=open").json()["items"]] == [
        made[3]["id"], made[2]["id"]]
    assert api.get(f"/api/tasks/{made[2]['id']}").json() == made[2]


def test_bad_tasks_store_nothing(guanxi_web, guanxi_customers, guanxi_app):
    api = guanxi_web.api("boss", role="admin")
    cid = guanxi_customers.create()
    base = {"customer_id": cid, "title": "x", "due_at": "2026-12-01T09:00:00"}
    for change, field in [({"assignee": "nobody"}, "assignee"), ({"title": ""}, "title"),
                          ({"priority": "whenever"}, "priority"), ({"due_at": "soon"}, "due_at"),
                          ({"due_at": "0001-01-01T00:00:00+08:00"}, "due_at"),
                          ({"colour": "red"}, "colour"), ({"customer_id": 999999}, "customer_id")]:
        response = api.post("/api/tasks", json={**base, **change})
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == field
    assert count_rows(guanxi_app, Task) == 0

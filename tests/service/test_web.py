"""The service plugin's JSON API (/api/service): listing with filters and keyset pages,
one ticket with its SLA clock, opening, assigning, replying, closing, reopening; record
policies (404, not 403), permissions (403) and bad input that changes nothing."""

from __future__ import annotations

import datetime as dt

from guanxi_service.sla.service import calendar_of
from tests.service.web_support import TEAM, state, stored, world


def _iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def test_list_pages_newest_first_with_filters(guanxi_web):
    ids = world(guanxi_web)
    api = guanxi_web.api("boss")
    seen, after, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"after": after} if after else {})}
        page = api.get("/api/service/tickets", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [item["id"] for item in body["items"]]
        pages += 1
        after = body["next"]
        if after is None:
            break
    assert pages == 3 and len(body["items"]) == 1
    assert seen == sorted(ids[k] for k in ("ok", "late", "paused", "warn", "closed", "other",
                                           "viewer"))[::-1]

    def listed(**params) -> set[int]:
        response = api.get("/api/service/tickets", params=params)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert listed(status="pending") == {ids["paused"]}
    assert listed(status=["pending", "closed"]) == {ids["paused"], ids["closed"]}
    assert listed(team="投诉组") == {ids["other"]}
    assert listed(assignee="wang") == {ids["paused"]}
    assert listed(customer_id=ids["wangwu"]) == {ids["other"]}
    assert listed(priority="normal") == {ids["viewer"]}
    assert listed(open="true", team=TEAM) == {ids[k] for k in ("ok", "late", "paused", "warn")}
    assert listed(overdue="true") == {ids["late"]}
    row = api.get("/api/service/tickets", params={"status": "closed"}).json()["items"][0]
    assert (row["customer"], row["team"], row["status"]) == ("张三", TEAM, "closed")


def test_the_record_policies_decide_what_is_listed(guanxi_web):
    ids = world(guanxi_web)
    wang = guanxi_web.api("wang").get("/api/service/tickets").json()["items"]
    assert {t["id"] for t in wang} == {ids[k] for k in ("ok", "late", "paused", "warn",
                                                        "closed")}
    zhao = guanxi_web.api("zhao").get("/api/service/tickets").json()["items"]
    assert [t["id"] for t in zhao] == [ids["viewer"]]


def test_bad_listing_input_is_422_naming_the_parameter(guanxi_web):
    world(guanxi_web)
    api = guanxi_web.api("boss")
    for params, field in (({"status": "lost"}, "status.0"), ({"after": "not-a-cursor"}, "after"),
                          ({"team": "没有这个组"}, "team"), ({"limit": 0}, "limit"),
                          ({"limit": 501}, "limit"), ({"assignee": "nobody"}, "assignee"),
                          ({"team": "9" * 30}, "team"), ({"customer_id": "x"}, "customer_id")):
        response = api.get("/api/service/tickets", params=params)
        assert response.status_code == 422, params
        assert response.json()["error"]["field"] == field, params


def test_one_ticket_with_the_clock_the_sla_service_computed(guanxi_web):
    ids = world(guanxi_web)
    api = guanxi_web.api("wang")
    app = guanxi_web.app
    for key, level in (("late", "late"), ("warn", "warn"), ("ok", "ok")):
        response = api.get(f"/api/service/tickets/{ids[key]}")
        assert response.status_code == 200, response.text
        body = response.json()
        ticket = stored(app, ids[key])
        sla = body["sla"]
        assert sla["policy"] == "urgent" and not sla["paused"]
        # The deadlines are the SLA service's: 30 and 240 minutes of the 24x7 calendar.
        with app.transaction() as uow:
            always = calendar_of(uow, "24x7")
        opened = ticket.opened_at.astimezone(dt.UTC)
        assert _iso(sla["first_response"]["due_at"]) == ticket.first_response_due_at \
            == always.add(opened, dt.timedelta(minutes=30))
        assert _iso(sla["resolution"]["due_at"]) == ticket.resolution_due_at \
            == always.add(opened, dt.timedelta(minutes=240))
        assert _iso(sla["next"]["due_at"]) == ticket.sla_due_at
        assert sla["first_response"]["level"] == sla["next"]["level"] == level
        left = (ticket.first_response_due_at - app.now()).total_seconds()
        assert abs(sla["first_response"]["remaining_seconds"] - left) < 60
        assert sla["resolution"]["level"] == "ok"
        assert body["history"][0]["kind"] == "created"
    paused = api.get(f"/api/service/tickets/{ids['paused']}").json()["sla"]
    assert paused["paused"] and paused["state"] == "paused"
    assert paused["next"] == {"due_at": None, "warn_at": None, "remaining_seconds": None,
                              "level": "paused"}
    closed = api.get(f"/api/service/tickets/{ids['closed']}").json()
    assert closed["resolution"] == "已更换液压泵" and closed["sla"]["state"] == "met"
    assert closed["sla"]["next"]["level"] == "none"


def test_open_assign_reply_close_and_reopen(guanxi_web):
    ids = world(guanxi_web)
    api = guanxi_web.api("wang")
    opened = api.post("/api/service/tickets", json={
        "customer_id": ids["zhang"], "type": "complaint", "channel": "wechat",
        "subject": "售后响应太慢", "priority": "urgent", "team": TEAM})
    assert opened.status_code == 201, opened.text
    ticket = opened.json()
    tid = ticket["id"]
    assert (ticket["status"], ticket["team"], ticket["sla"]["policy"]) == ("new", TEAM, "urgent")
    assert ticket["number"].endswith(f"{tid:06d}")

    assigned = api.post(f"/api/service/tickets/{tid}/assign", json={"assignee": "wang"}).json()
    assert (assigned["assignee"], assigned["status"], assigned["team"]) == ("wang", "open", TEAM)
    replied = api.post(f"/api/service/tickets/{tid}/replies", json={"body": "已安排工程师"})
    assert replied.status_code == 200, replied.text
    first = replied.json()["sla"]["first_response"]
    assert first["met_at"] is not None and first["level"] == "none"
    noted = api.post(f"/api/service/tickets/{tid}/notes", json={"body": "客户情绪激动"}).json()
    assert [h["kind"] for h in noted["history"]][-1] == "note"
    assert noted["history"][-1]["public"] is False

    before = state(guanxi_web.app, tid)
    missing = api.post(f"/api/service/tickets/{tid}/close", json={})
    assert missing.status_code == 422
    assert missing.json()["error"]["field"] == "resolution"
    assert state(guanxi_web.app, tid) == before

    closed = api.post(f"/api/service/tickets/{tid}/close", json={"resolution": "已道歉并补偿"})
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["sla"]["state"]) == ("closed", "met")
    assert stored(guanxi_web.app, tid).status == "closed"

    before = state(guanxi_web.app, tid)
    again = api.post(f"/api/service/tickets/{tid}/close", json={"resolution": "再关一次"})
    assert again.status_code == 422
    assert again.json()["error"]["field"] == "status"
    assert "already closed" in again.json()["error"]["message"]
    assert state(guanxi_web.app, tid) == before
    reply_closed = api.post(f"/api/service/tickets/{tid}/replies", json={"body": "还在吗"})
    assert reply_closed.status_code == 422 and state(guanxi_web.app, tid) == before

    reopened = api.post(f"/api/service/tickets/{tid}/reopen", json={"reason": "客户再次投诉"})
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["status"], reopened.json()["reopened_count"]) == ("open", 1)
    resolved = api.post(f"/api/service/tickets/{tid}/resolve", json={"resolution": "已补发配件"})
    assert resolved.json()["status"] == "resolved"
    moved = api.post(f"/api/service/tickets/{tid}/status", json={"status": "closed"})
    assert moved.json()["status"] == "closed" and moved.json()["resolution"] == "已补发配件"


def test_assignment_keeps_what_is_left_out_and_clears_nulls(guanxi_web):
    ids = world(guanxi_web)
    api = guanxi_web.api("boss")
    tid = ids["paused"]
    body = api.post(f"/api/service/tickets/{tid}/assign", json={"team": None}).json()
    assert (body["assignee"], body["team"]) == ("wang", None)
    before = state(guanxi_web.app, tid)
    for payload, field in (({}, "assignee"), ({"assignee": "nobody"}, "assignee"),
                           ({"team": "没有这个组"}, "team"), ({"assignee": "9" * 25}, "assignee")):
        response = api.post(f"/api/service/tickets/{tid}/assign", json=payload)
        assert response.status_code == 422, payload
        assert response.json()["error"]["field"] == field, payload
    assert state(guanxi_web.app, tid) == before


def test_invisible_tickets_are_404_not_403(guanxi_web):
    ids = world(guanxi_web)
    li = guanxi_web.api("li")
    hidden, missing = ids["late"], 10**12
    before = state(guanxi_web.app, hidden)
    for tid in (hidden, missing):
        answers = [
            li.get(f"/api/service/tickets/{tid}"),
            li.post(f"/api/service/tickets/{tid}/close", json={"resolution": "x"}),
            li.post(f"/api/service/tickets/{tid}/assign", json={"assignee": "li"}),
            li.post(f"/api/service/tickets/{tid}/replies", json={"body": "x"}),
            li.post(f"/api/service/tickets/{tid}/reopen", json={"reason": "x"}),
        ]
        for response in answers:
            assert response.status_code == 404, response.text
            assert response.json()["error"]["code"] == "not_found"
    assert state(guanxi_web.app, hidden) == before
    # His own team's ticket he sees.
    assert li.get(f"/api/service/tickets/{ids['other']}").status_code == 200


def test_a_viewer_reads_but_cannot_close(guanxi_web):
    ids = world(guanxi_web)
    zhao = guanxi_web.api("zhao")
    tid = ids["viewer"]
    assert zhao.get(f"/api/service/tickets/{tid}").status_code == 200
    before = state(guanxi_web.app, tid)
    for path, payload in (("close", {"resolution": "x"}), ("assign", {"assignee": "zhao"}),
                          ("notes", {"body": "x"})):
        response = zhao.post(f"/api/service/tickets/{tid}/{path}", json=payload)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"
    refused = zhao.post("/api/service/tickets", json={
        "customer_id": ids["zhaoliu"], "type": "inquiry", "channel": "phone", "subject": "x"})
    assert refused.status_code == 403
    assert state(guanxi_web.app, tid) == before
    # A ticket he may not see stays "not found" even where he lacks the right to act.
    assert zhao.get(f"/api/service/tickets/{ids['late']}").status_code == 404


def test_bad_input_to_open_is_refused_and_nothing_is_stored(guanxi_web):
    ids = world(guanxi_web)
    api = guanxi_web.api("wang")
    good = {"customer_id": ids["zhang"], "type": "repair", "channel": "phone",
            "subject": "漏油"}
    before = state(guanxi_web.app, ids["ok"])
    cases = [
        ({**good, "colour": "red"}, 422, "colour"),
        ({**good, "customer_id": "张三"}, 422, "customer_id"),
        ({**good, "customer_id": 2**70}, 422, "customer_id"),
        ({**good, "customer_id": ids["wangwu"]}, 422, "customer_id"),  # not his to see
        ({**good, "type": "wish"}, 422, "type"),
        ({**good, "subject": "  "}, 422, "subject"),
        ({**good, "subject": "a\x00b"}, 422, "subject"),
        ({**good, "assignee": "nobody"}, 422, "assignee"),
        ({k: v for k, v in good.items() if k != "channel"}, 422, "channel"),
    ]
    for payload, status, field in cases:
        response = api.post("/api/service/tickets", json=payload)
        assert response.status_code == status, (payload, response.text)
        assert response.json()["error"]["field"] == field, payload
    malformed = api.post("/api/service/tickets", content=b"{not json",
                         headers={"content-type": "application/json"})
    assert malformed.status_code == 400
    assert api.get("/api/service/tickets/abc").status_code == 422
    assert api.get(f"/api/service/tickets/{2**64}").status_code == 422
    assert state(guanxi_web.app, ids["ok"]) == before
    listed = api.get("/api/service/tickets", params={"customer_id": ids["zhang"]}).json()
    assert len(listed["items"]) == 5


def test_team_queue_nearest_deadline_first(guanxi_web):
    ids = world(guanxi_web)
    api = guanxi_web.api("wang")
    queue = api.get("/api/service/queue", params={"team": TEAM})
    assert queue.status_code == 200, queue.text
    items = queue.json()["items"]
    assert [t["id"] for t in items] == [ids[k] for k in ("late", "warn", "ok", "paused")]
    assert [t["clock"]["level"] for t in items] == ["late", "warn", "ok", "paused"]
    assert api.get("/api/service/queue", params={"team": "没有这个组"}).status_code == 422
    # li sees nothing of wang's customers in that queue.
    assert guanxi_web.api("li").get("/api/service/queue",
                                    params={"team": TEAM}).json()["items"] == []


def test_knowledge_base_search(guanxi_web):
    from guanxi_service.knowledge.service import create_article, create_category

    world(guanxi_web)
    with guanxi_web.app.transaction() as uow:
        create_category(uow, name="液压")
        article = create_article(uow, title="液压泵漏油的处理", category="液压",
                                 body="检查密封圈，更换液压油。", publish=True)
    api = guanxi_web.api("wang")
    found = api.get("/api/service/kb", params={"q": "液压泵"})
    assert found.status_code == 200, found.text
    assert [a["id"] for a in found.json()] == [article.id]
    empty = api.get("/api/service/kb", params={"q": "   "})
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "q"

"""The service console: the ticket queue (order, SLA clocks and their colours, the team
selector), the ticket page and its forms (assign to me, reply, note, close with CSRF),
record policies (404) and a viewer's read-only page, both languages."""

from __future__ import annotations

import datetime as dt
import re

from guanxi_service.web.messages import MESSAGES
from tests.service.web_support import OTHER_TEAM, TEAM, state, stored, world

ROW = re.compile(r'data-testid="ticket-(\d+)"')
CLOCK = re.compile(r'<span class="sla-clock (\w+)" data-due="([^"]+)" data-warn="([^"]+)"')


def test_queue_nearest_deadline_first_with_coloured_clocks(guanxi_web):
    ids = world(guanxi_web)
    page = guanxi_web.console("wang").get("/service/tickets")
    assert page.status_code == 200, page.text
    html = page.text
    assert [int(i) for i in ROW.findall(html)] == [ids[k] for k in ("late", "warn", "ok",
                                                                   "paused")]
    clocks = CLOCK.findall(html)
    assert [level for level, _, _ in clocks] == ["late", "warn", "ok"]
    # data-due is the deadline the SLA service stored, as ISO text the script can parse.
    for (_, due, warn), key in zip(clocks, ("late", "warn", "ok"), strict=True):
        ticket = stored(guanxi_web.app, ids[key])
        assert dt.datetime.fromisoformat(due) == ticket.sla_due_at
        assert dt.datetime.fromisoformat(warn) < ticket.sla_due_at
    assert "已超时 0:" in html and "剩余 0:" in html
    assert MESSAGES["zh"]["service.sla.paused"] in html
    assert f'href="/customers/{ids["zhang"]}"' in html
    assert "setInterval" in html and "<script src" not in html
    # The other team's, the closed and the viewer's tickets are not in this queue.
    for key in ("other", "closed", "viewer"):
        assert f'data-testid="ticket-{ids[key]}"' not in html
    # The selector offers his team only; the menu entry is there.
    assert f">{TEAM}</option>" in html and OTHER_TEAM not in html
    assert 'href="/service/tickets"' in html and MESSAGES["zh"]["service.tickets"] in html


def test_queue_in_english_and_another_team(guanxi_web):
    ids = world(guanxi_web)
    boss = guanxi_web.console("boss")
    teams = {name: tid for tid, name in _teams(guanxi_web)}
    page = boss.get("/service/tickets", params={"team": teams[OTHER_TEAM], "lang": "en"})
    assert page.status_code == 200
    assert [int(i) for i in ROW.findall(page.text)] == [ids["other"]]
    assert "Ticket queue" in page.text and "left</span>" in page.text
    for key in ("service.col.subject", "service.col.assignee", "service.unassigned"):
        assert MESSAGES["en"][key] in page.text
    unknown = boss.get("/service/tickets", params={"team": 10**9})
    assert unknown.status_code == 422


def _teams(web) -> list[tuple[int, str]]:
    from sqlalchemy import select

    from guanxi.models import Team

    with web.app.transaction() as uow:
        return [tuple(row) for row in uow.session.execute(select(Team.id, Team.name))]


def test_every_message_has_both_languages():
    assert set(MESSAGES["zh"]) == set(MESSAGES["en"])
    assert all(key.startswith("service.") for key in MESSAGES["zh"])


def test_ticket_page_and_closing_through_the_form(guanxi_web):
    ids = world(guanxi_web)
    wang = guanxi_web.console("wang")
    tid = ids["warn"]
    page = wang.get(f"/service/tickets/{tid}")
    assert page.status_code == 200, page.text
    html = page.text
    assert 'data-testid="close-ticket"' in html and 'name="resolution"' in html
    assert len(CLOCK.findall(html)) == 2  # first response and resolution
    assert "warn" in CLOCK.findall(html)[0][0]

    taken = wang.post(f"/service/tickets/{tid}/assign-me", data={"csrf": wang.csrf},
                      follow_redirects=False)
    assert taken.status_code == 303 and taken.headers["location"] == f"/service/tickets/{tid}"
    assert stored(guanxi_web.app, tid).status == "open"
    wang.post(f"/service/tickets/{tid}/reply", data={"csrf": wang.csrf, "body": "工程师已出发"})
    wang.post(f"/service/tickets/{tid}/reply",
              data={"csrf": wang.csrf, "body": "备件缺货", "kind": "note"})
    ticket = stored(guanxi_web.app, tid)
    assert ticket.first_responded_at is not None

    before = state(guanxi_web.app, tid)
    no_csrf = wang.post(f"/service/tickets/{tid}/close", data={"resolution": "已修复"})
    assert no_csrf.status_code == 422
    no_resolution = wang.post(f"/service/tickets/{tid}/close",
                              data={"csrf": wang.csrf, "resolution": "  "})
    assert no_resolution.status_code == 422 and "resolution" in no_resolution.text
    assert state(guanxi_web.app, tid) == before

    closed = wang.post(f"/service/tickets/{tid}/close",
                       data={"csrf": wang.csrf, "resolution": "已更换油封"}, follow_redirects=False)
    assert closed.status_code == 303
    assert stored(guanxi_web.app, tid).status == "closed"
    after = wang.get(f"/service/tickets/{tid}").text
    assert 'data-testid="close-ticket"' not in after and "已更换油封" in after
    assert 'data-testid="reopen-ticket"' in after
    assert "工程师已出发" in after and "备件缺货" in after
    before = state(guanxi_web.app, tid)
    twice = wang.post(f"/service/tickets/{tid}/close",
                      data={"csrf": wang.csrf, "resolution": "再关"})
    assert twice.status_code == 422 and state(guanxi_web.app, tid) == before
    # Gone from the queue.
    assert f'data-testid="ticket-{tid}"' not in wang.get("/service/tickets").text


def test_a_refused_form_shows_the_ticket_again_with_the_reason(guanxi_web):
    ids = world(guanxi_web)
    wang = guanxi_web.console("wang")
    tid = ids["warn"]
    before = state(guanxi_web.app, tid)

    blank = wang.post(f"/service/tickets/{tid}/close",
                      data={"csrf": wang.csrf, "resolution": "  ", "status": "resolved"})
    assert blank.status_code == 422
    # The ticket page, not the error page: its details, forms and the reason on top.
    assert 'data-testid="ticket-details"' in blank.text
    alert = re.search(r'data-testid="error-close">([^<]*)<', blank.text)
    assert alert is not None and "解决方案" in alert.group(1)
    assert "is required to resolve a ticket" in alert.group(1)

    nul = wang.post(f"/service/tickets/{tid}/reply",
                    data={"csrf": wang.csrf, "body": "line one\x00 line two"})
    assert nul.status_code == 422 and 'data-testid="error-reply"' in nul.text
    # What was typed comes back in its field (escaped), so nothing is lost.
    assert "line one" in re.search(r'<textarea name="body"[^>]*>([^<]*)<', nul.text).group(1)
    assert state(guanxi_web.app, tid) == before

    english = wang.post(f"/service/tickets/{tid}/reopen?lang=en",
                        data={"csrf": wang.csrf, "reason": "customer wrote back"})
    assert english.status_code == 422
    alert = re.search(r'data-testid="error-reopen">([^<]*)<', english.text)
    assert alert is not None and alert.group(1).startswith("Could not reopen: Status:")
    assert state(guanxi_web.app, tid) == before


def test_invisible_ticket_pages_are_404(guanxi_web):
    ids = world(guanxi_web)
    li = guanxi_web.console("li")
    tid = ids["late"]
    before = state(guanxi_web.app, tid)
    assert li.get(f"/service/tickets/{tid}").status_code == 404
    assert li.get("/service/tickets/999999999").status_code == 404
    refused = li.post(f"/service/tickets/{tid}/close",
                      data={"csrf": li.csrf, "resolution": "x"})
    assert refused.status_code == 404
    assert li.post(f"/service/tickets/{tid}/assign-me", data={"csrf": li.csrf}).status_code == 404
    assert state(guanxi_web.app, tid) == before


def test_a_viewer_sees_no_forms_and_cannot_close(guanxi_web):
    ids = world(guanxi_web)
    zhao = guanxi_web.console("zhao")
    tid = ids["viewer"]
    page = zhao.get(f"/service/tickets/{tid}")
    assert page.status_code == 200
    assert 'data-testid="close-ticket"' not in page.text
    assert 'data-testid="assign-me"' not in page.text
    before = state(guanxi_web.app, tid)
    refused = zhao.post(f"/service/tickets/{tid}/close",
                        data={"csrf": zhao.csrf, "resolution": "x"})
    assert refused.status_code == 403
    assert state(guanxi_web.app, tid) == before


def test_anonymous_goes_to_the_login_page(guanxi_web):
    client = guanxi_web.anonymous()
    response = client.get("/service/tickets", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/service/tickets")


def test_the_hospital_calls_tickets_its_own_word(guanxi_make_app):
    from guanxi.testing.web import GuanxiWeb

    web = GuanxiWeb(guanxi_make_app(edition="hospital", plugins=["service", "hospital"]))
    try:
        web.staff("nurse", role="agent", team="随访组")
        page = web.console("nurse").get("/service/tickets")
        assert page.status_code == 200
        assert "投诉与服务请求队列" in page.text
        english = web.console("nurse").get("/service/tickets", params={"lang": "en"}).text
        assert "Complaint or request queue" in english
    finally:
        web.close()

"""The console's lead page works a lead: start, qualify, disqualify, convert, take.

The same world as test_web.py: agents wang and li each own a customer and a lead; boss
is an admin (an assigner), zhao a viewer. A refused step shows the lead again with the
reason (422) and changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from guanxi.app import App
from guanxi_marketing.lead_console import MESSAGES
from guanxi_marketing.leads.models import Lead
from tests.marketing import test_web as shared

world = shared.world  # the fixture, used here by name


def stored(app: App, lead_id: int) -> tuple[Any, ...]:
    with app.engine.connect() as connection:
        row = connection.execute(select(
            Lead.status, Lead.owner_id, Lead.customer_id, Lead.disqualified_reason, Lead.notes,
        ).where(Lead.id == lead_id)).one()
    return tuple(row)


def steps(html: str) -> set[str]:
    return set(re.findall(r'data-testid="(take|start|qualify|convert|disqualify)-lead"', html))


def test_the_owner_works_a_lead_to_a_customer(guanxi_web, guanxi_app, world) -> None:
    lead = world["leads"]["wang"]
    wang = guanxi_web.console("wang")
    page = wang.get(f"/marketing/leads/{lead}")
    assert steps(page.text) == {"start", "qualify", "disqualify"}  # not take: his own

    for step, status in [("start", "working"), ("qualify", "qualified")]:
        done = wang.post(f"/marketing/leads/{lead}/{step}", data={"csrf": wang.csrf},
                         follow_redirects=False)
        assert done.status_code == 303 and stored(guanxi_app, lead)[0] == status
    assert steps(wang.get(f"/marketing/leads/{lead}").text) == {"convert", "disqualify"}

    before = stored(guanxi_app, lead)
    bad = wang.post(f"/marketing/leads/{lead}/convert",
                    data={"csrf": wang.csrf, "customer_id": "12ab"})
    assert bad.status_code == 422 and 'data-testid="lead-name"' in bad.text
    assert re.search(r'data-testid="error-convert">[^<]*customer_id', bad.text)
    assert 'value="12ab"' in bad.text and stored(guanxi_app, lead) == before
    for unknown in ("987654", "0", "9" * 30):
        missing = wang.post(f"/marketing/leads/{lead}/convert",
                            data={"csrf": wang.csrf, "customer_id": unknown})
        assert missing.status_code == 422, unknown
    assert stored(guanxi_app, lead) == before

    converted = wang.post(f"/marketing/leads/{lead}/convert", data={"csrf": wang.csrf},
                          follow_redirects=False)
    assert converted.status_code == 303
    status, _, customer, _, _ = stored(guanxi_app, lead)
    assert status == "converted" and customer is not None
    after = wang.get(f"/marketing/leads/{lead}").text
    assert steps(after) == set() and f'href="/customers/{customer}"' in after
    again = wang.post(f"/marketing/leads/{lead}/qualify", data={"csrf": wang.csrf})
    assert again.status_code == 422 and 'data-testid="error-status"' in again.text


def test_disqualifying_needs_one_of_the_reasons(guanxi_web, guanxi_app, world) -> None:
    lead = world["leads"]["wang"]
    wang = guanxi_web.console("wang")
    before = stored(guanxi_app, lead)
    bad = wang.post(f"/marketing/leads/{lead}/disqualify?lang=en",
                    data={"csrf": wang.csrf, "reason": "bored", "note": "called twice"})
    assert bad.status_code == 422
    assert re.search(r'data-testid="error-disqualify">Not done: reason:', bad.text)
    assert 'value="called twice"' in bad.text and stored(guanxi_app, lead) == before
    done = wang.post(f"/marketing/leads/{lead}/disqualify",
                     data={"csrf": wang.csrf, "reason": "no budget", "note": "预算明年"},
                     follow_redirects=False)
    assert done.status_code == 303
    status, _, _, reason, notes = stored(guanxi_app, lead)
    assert (status, reason) == ("disqualified", "no budget") and "预算明年" in notes


def test_who_may_take_which_step(guanxi_web, guanxi_app, world) -> None:
    lead = world["leads"]["wang"]
    before = stored(guanxi_app, lead)
    li = guanxi_web.console("li")  # another agent: the lead is not his to see
    assert li.get(f"/marketing/leads/{lead}").status_code == 404
    assert li.post(f"/marketing/leads/{lead}/qualify", data={"csrf": li.csrf}).status_code == 404
    assert stored(guanxi_app, lead) == before

    boss = guanxi_web.console("boss")  # an assigner: may take it, and work it
    assert steps(boss.get(f"/marketing/leads/{lead}").text) == {
        "take", "start", "qualify", "disqualify"}
    taken = boss.post(f"/marketing/leads/{lead}/take", data={"csrf": boss.csrf},
                      follow_redirects=False)
    assert taken.status_code == 303
    assert stored(guanxi_app, lead)[1] != before[1]
    assert "take" not in steps(boss.get(f"/marketing/leads/{lead}").text)
    # wang no longer owns it: no steps for him, and a step by hand is refused.
    wang = guanxi_web.console("wang")
    assert wang.post(f"/marketing/leads/{lead}/start",
                     data={"csrf": wang.csrf}).status_code in (403, 404)


def test_lead_messages_are_in_both_languages() -> None:
    assert set(MESSAGES["zh"]) == set(MESSAGES["en"])
    assert all(MESSAGES["zh"][key] != MESSAGES["en"][key] for key in MESSAGES["zh"])

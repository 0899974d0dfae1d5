"""The analytics plugin's HTTP API (/api/analytics) and console pages (/analytics).

The data are a handful of purchases, so every analysis stays quick. What matters: the
API answers what the report functions answer for the same user (record policies apply
to the figures), bad options are refused naming the option, and the console shows the
areas' sections with the report's own charts to the users who may read customers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from guanxi.app import App
from guanxi.cli.output import to_jsonable
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interactions


@pytest.fixture
def world(guanxi_app: App, guanxi_web: Any) -> dict[str, int]:
    """Four customers (two of the agent wang's, two of li's) with purchases in the last
    months; an admin and a user without any role."""
    for name in ("wang", "li"):
        guanxi_web.staff(name, role="agent")
    guanxi_web.staff("boss", role="admin")
    guanxi_web.staff("nobody", role=None)
    today = guanxi_app.now()
    with guanxi_app.transaction() as uow:
        ids = {f"{owner}{n}": add_customer(uow, name=f"客户{owner}{n}", owner=owner).id
               for owner in ("wang", "li") for n in (1, 2)}
        log_interactions(uow, [
            {"customer_id": customer, "kind": "core.purchase",
             "occurred_at": today - dt.timedelta(days=days),
             "revenue": Decimal(amount)}
            for number, customer in enumerate(ids.values())
            for days, amount in ((20 + number, f"{(number + 1) * 300}"), (90, "50"))])
    return ids


def run_as(app: App, user: str, name: str, **options: Any) -> Any:
    with app.transaction(as_user=user) as uow:
        return to_jsonable(app.registry.reports[name].func(uow, **options))


def test_the_report_list_is_the_plugins_registered_reports(guanxi_app: App,
                                                           guanxi_web: Any, world: dict) -> None:
    listed = guanxi_web.api("wang").get("/api/analytics/reports").json()
    expected = sorted((r.name, r.description) for r in guanxi_app.registry.reports.values()
                      if r.plugin == "analytics")
    assert [(r["name"], r["description"]) for r in listed] == expected
    assert "analytics.value_distribution" in {r["name"] for r in listed}


def test_a_report_answers_what_the_function_does_for_that_user(
    guanxi_app: App, guanxi_web: Any, world: dict
) -> None:
    name = "analytics.value_distribution"
    results = {}
    for user in ("boss", "wang"):
        response = guanxi_web.api(user).get(f"/api/analytics/reports/{name}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["name"] == name and body["options"] == {}
        assert body["result"] == run_as(guanxi_app, user, name)
        results[user] = sum(row["customers"] for row in body["result"]["rows"])
    # The agent's figures cover his own two customers only; the admin's all four.
    assert results == {"boss": 4, "wang": 2}
    # The short name and options work as for `guanxi report run --option`.
    start = (guanxi_app.now() - dt.timedelta(days=60)).date().isoformat()
    short = guanxi_web.api("boss").get("/api/analytics/reports/value_distribution",
                                       params={"from": start})
    assert short.json()["result"] == run_as(guanxi_app, "boss", name, **{"from": start})
    assert short.json()["options"] == {"from": start}


def test_bad_report_requests_are_refused_naming_the_problem(guanxi_web: Any,
                                                             world: dict) -> None:
    client = guanxi_web.api("boss")
    path = "/api/analytics/reports/analytics.value_distribution"
    for query, status, field in [("?colour=red", 422, "colour"), ("?from=2026-13-40", 422, "from"),
                                 ("?from=2026-01-01&from=2026-02-01", 422, "from"),
                                 ("?from=2026-05-01&to=2026-01-01", 422, "to")]:
        response = client.get(path + query)
        assert response.status_code == status, (query, response.text)
        assert response.json()["error"]["field"] == field, query
    for name in ("nope", "marketing.campaign_roi", "analytics."):
        assert client.get(f"/api/analytics/reports/{name}").status_code == 404, name
    assert guanxi_web.api("nobody").get("/api/analytics/reports").status_code == 403
    assert guanxi_web.api("nobody").get(path).status_code == 403
    assert guanxi_web.anonymous().get("/api/analytics/reports").status_code == 401


def test_console_lists_the_analyses_and_shows_an_area_with_its_charts(
    guanxi_web: Any, world: dict
) -> None:
    console = guanxi_web.console("wang")
    index = console.get("/analytics")
    assert index.status_code == 200
    for area in ("value", "clv", "churn", "scorecard"):
        assert f'href="/analytics/{area}"' in index.text
    assert 'href="/analytics"' in index.text  # the menu entry
    assert 'data-testid="report-analytics.value_distribution"' in index.text
    assert "客户价值" in index.text
    english = console.get("/analytics?lang=en")
    assert "Customer value" in english.text and "客户价值" not in english.text
    value = console.get("/analytics/value")
    assert value.status_code == 200
    assert 'data-testid="section-value.tiers"' in value.text
    assert "<svg" in value.text and 'class="table-wrap"' in value.text
    assert console.get("/analytics/nope").status_code == 404
    assert console.get("/analytics/value?from=2026-13-01").status_code == 422


def test_console_serves_the_full_report(guanxi_web: Any, world: dict) -> None:
    report = guanxi_web.console("boss").get("/analytics/report")
    assert report.status_code == 200
    assert report.text.startswith("<!DOCTYPE html>")
    assert 'data-key="value.tiers"' in report.text and "<svg" in report.text


def test_console_hides_analytics_from_users_who_may_not_read_customers(
    guanxi_web: Any, world: dict
) -> None:
    console = guanxi_web.console("nobody")
    assert 'href="/analytics"' not in console.get("/").text
    for path in ("/analytics", "/analytics/value", "/analytics/report"):
        assert console.get(path).status_code == 403, path
    page = guanxi_web.anonymous().get("/analytics", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_every_message_is_in_both_languages() -> None:
    from guanxi_analytics.web import NAV, _messages

    messages = _messages()
    assert set(messages["zh"]) == set(messages["en"])
    assert all(item.label in messages["zh"] for item in NAV)
    assert all(messages["zh"][key] != messages["en"][key] for key in messages["zh"])

"""The console's admin pages: only for admins (404 for everybody else), secrets masked,
API tokens made (shown once) and revoked."""

from __future__ import annotations

import re

import pytest
from sqlmodel import func, select

from guanxi.models import ApiToken, WebhookDelivery, WebhookEndpoint
from guanxi.web.pages.admin import MASK, masked

ADMIN_PAGES = ["/admin", "/admin/settings", "/admin/staff", "/admin/webhooks"]


@pytest.fixture
def guanxi_settings():
    return {"web": {"auth_cache_seconds": 0}}


def _count(app, model) -> int:
    with app.transaction() as uow:
        return uow.session.exec(select(func.count()).select_from(model)).one()


def _api_tokens(app) -> int:
    with app.transaction() as uow:
        return uow.session.exec(
            select(func.count()).select_from(ApiToken).where(ApiToken.kind == "api")
        ).one()


@pytest.mark.parametrize("role", ["agent", "manager", "viewer"])
def test_admin_pages_are_not_found_for_non_admins(guanxi_web, guanxi_app, role):
    console = guanxi_web.console(f"user_{role}", role=role)
    home = console.get("/").text
    assert 'href="/admin"' not in home
    for path in ADMIN_PAGES:
        answer = console.get(path)
        assert answer.status_code == 404, path
    made = console.post("/admin/tokens", data={"csrf": console.csrf, "staff": f"user_{role}"})
    assert made.status_code == 404 and "gx_" not in made.text
    assert _api_tokens(guanxi_app) == 0
    hook = console.post("/admin/webhooks",
                        data={"csrf": console.csrf, "url": "https://erp.example/hook"})
    assert hook.status_code == 404 and _count(guanxi_app, WebhookEndpoint) == 0
    guanxi_web.staff("boss", role="admin")
    assert 'href="/admin"' in guanxi_web.console("boss").get("/").text


def test_admin_overview_shows_edition_plugins_and_jobs(guanxi_make_app):
    pytest.importorskip("guanxi_wechat")
    from guanxi.testing.web import GuanxiWeb

    # The example distribution's bridge needs the service plugin: enabled, inactive.
    app = guanxi_make_app(plugins=["wechat", "wechat_service"],
                          settings={"wechat": {"channel": "chat"}})
    web = GuanxiWeb(app)
    page = web.console("root").get("/admin")
    assert page.status_code == 200
    text = page.text
    assert app.edition.title in text and app.edition.description in text
    assert 'data-testid="plugin-core"' in text and 'data-testid="plugin-wechat"' in text
    assert 'data-testid="reason-wechat_service"' in text and "needs service" in text
    for job in app.registry.jobs:
        assert f'data-testid="job-{job}"' in text
    web.close()


def test_settings_show_values_and_sources_with_secrets_masked(guanxi_web):
    page = guanxi_web.console("root").get("/admin/settings", params={"lang": "en"})
    assert page.status_code == 200
    row = re.search(r'data-testid="setting-web-auth_cache_seconds">(.*?)</tr>', page.text, re.S)
    assert row is not None and "0.0" in row.group(1)
    assert 'data-testid="setting-core-timezone"' in page.text
    assert masked("database_url", "postgresql://gx:s3cret@db/guanxi") == (
        "postgresql://gx:***@db/guanxi"
    )
    hidden = masked("hooks", [{"url": "https://x.example/", "secret": "abc"},
                              {"api_key": "k", "n": 1}])
    assert hidden == [{"url": "https://x.example/", "secret": MASK}, {"api_key": MASK, "n": 1}]
    assert masked("token_lifetime_days", None) is None


def test_tokens_are_made_once_and_revoked(guanxi_web, guanxi_app):
    guanxi_web.staff("bot", role="agent")
    console = guanxi_web.console("root")
    made = console.post("/admin/tokens",
                        data={"csrf": console.csrf, "staff": "bot", "name": "erp", "days": "30"})
    assert made.status_code == 200
    secret = re.search(r'<code class="secret">(gx_[^<]+)</code>', made.text).group(1)
    api = guanxi_web.anonymous()
    assert api.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).json()[
        "username"] == "bot"
    listing = console.get("/admin/staff").text
    assert secret not in listing and secret[:8] in listing  # the prefix only, ever after
    with guanxi_app.transaction() as uow:
        token = uow.session.exec(select(ApiToken).where(ApiToken.name == "erp")).one()
    assert token.expires_at is not None
    for data, field in [({"staff": "nobody"}, "staff"), ({"staff": "bot", "days": "x"}, "days")]:
        bad = console.post("/admin/tokens", data={"csrf": console.csrf, **data})
        assert bad.status_code == 422 and f'data-testid="error-token-{field}"' in bad.text
    assert _api_tokens(guanxi_app) == 1
    gone = console.post(f"/admin/tokens/{token.id}/revoke", data={"csrf": console.csrf},
                        follow_redirects=False)
    assert gone.status_code == 303
    assert api.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert f'data-testid="revoke-{token.id}"' not in console.get("/admin/staff").text


def test_a_read_only_token_from_the_admin_page(guanxi_web, guanxi_app):
    guanxi_web.staff("bi", role="manager")
    console = guanxi_web.console("root")
    made = console.post("/admin/tokens", data={"csrf": console.csrf, "staff": "bi",
                                               "name": "报表", "read_only": "1"})
    secret = re.search(r'<code class="secret">(gx_[^<]+)</code>', made.text).group(1)
    with guanxi_app.transaction() as uow:
        token = uow.session.exec(select(ApiToken).where(ApiToken.name == "报表")).one()
    assert token.read_only is True
    assert f'data-testid="read-only-{token.id}"' in console.get("/admin/staff").text
    api = guanxi_web.anonymous()
    api.headers["Authorization"] = f"Bearer {secret}"
    assert api.get("/api/me").json()["read_only"] is True
    assert api.post("/api/customers", json={"kind": "person", "name": "x"}).status_code == 403


def test_webhooks_page_adds_switches_and_replays(guanxi_web, guanxi_app, guanxi_customers):
    console = guanxi_web.console("root")
    page = console.get("/admin/webhooks")
    assert page.status_code == 200 and 'href="/admin/webhooks"' in page.text

    # Bad input: the page again, naming the field, the form as typed, nothing stored.
    for data, field in [({"url": "ftp://erp.example"}, "url"),
                        ({"url": "https://erp.example/hook", "events": "customer.*, nope"},
                         "event")]:
        bad = console.post("/admin/webhooks", data={"csrf": console.csrf, **data})
        assert bad.status_code == 422
        error = re.search(r'data-testid="error-endpoint">([^<]*)<', bad.text)
        assert error is not None and error.group(1).startswith(f"{field}:")
        assert f'value="{data["url"]}"' in bad.text
    assert _count(guanxi_app, WebhookEndpoint) == 0

    made = console.post("/admin/webhooks", data={
        "csrf": console.csrf, "url": "https://erp.example/hook", "events": "customer.created",
        "description": "ERP"})
    assert made.status_code == 200
    secret = re.search(r'<code class="secret">([^<]+)</code>', made.text).group(1)
    with guanxi_app.transaction() as uow:
        endpoint = uow.session.exec(select(WebhookEndpoint)).one()
    assert endpoint.secret == secret and endpoint.events == ["customer.created"]
    assert secret not in console.get("/admin/webhooks").text  # shown once

    customer = guanxi_customers.create(name="沈阳重工")
    with guanxi_app.transaction() as uow:
        delivery = uow.session.exec(select(WebhookDelivery)).one()
        delivery.status, delivery.attempts, delivery.last_error = "dead", 8, "HTTP 500"
        uow.session.add(delivery)
    listing = console.get("/admin/webhooks?lang=en").text
    counts = re.search(rf'data-testid="counts-{endpoint.id}">(.*?)</td>', listing, re.S)
    assert re.sub(r"<[^>]+>", "", counts.group(1)) == "given up 1"
    row = re.search(rf'data-testid="delivery-{delivery.id}">(.*?)</tr>', listing, re.S).group(1)
    assert "customer.created" in row and f"/customers/{customer}" in row and "HTTP 500" in row
    assert f'data-testid="delivery-{delivery.id}"' not in console.get(
        "/admin/webhooks?status=delivered").text
    assert console.get("/admin/webhooks?status=lost").status_code == 422

    again = console.post(f"/admin/webhooks/deliveries/{delivery.id}/replay",
                         data={"csrf": console.csrf}, follow_redirects=False)
    assert again.status_code == 303
    with guanxi_app.transaction() as uow:
        replayed = uow.session.get(WebhookDelivery, delivery.id)
        assert (replayed.status, replayed.attempts, replayed.last_error) == ("pending", 0, None)
    assert console.post("/admin/webhooks/deliveries/999999/replay",
                        data={"csrf": console.csrf}).status_code == 404

    off = console.post(f"/admin/webhooks/{endpoint.id}/active",
                       data={"csrf": console.csrf, "active": "0"}, follow_redirects=False)
    assert off.status_code == 303
    with guanxi_app.transaction() as uow:
        assert uow.session.get(WebhookEndpoint, endpoint.id).active is False
    # The language chosen above is remembered.
    assert f'data-testid="switch-{endpoint.id}">Enable' in console.get("/admin/webhooks").text

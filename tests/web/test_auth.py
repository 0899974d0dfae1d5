"""Authentication of the API (tokens) and the console (password, session, CSRF)."""

from __future__ import annotations

import datetime as dt

import pytest

from guanxi.services.credentials import issue_token, revoke_token
from guanxi.web.errors import error_body


@pytest.fixture
def guanxi_settings():
    return {"web": {"auth_cache_seconds": 0}}


def test_api_without_a_token_is_401_json(guanxi_web):
    client = guanxi_web.anonymous()
    response = client.get("/api/openapi.json")
    assert response.status_code == 200  # the description itself is public
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"


def test_api_token_identifies_the_user(guanxi_web):
    client = guanxi_web.api("wang", role="agent")
    me = client.get("/api/me").json()
    assert me["username"] == "wang"
    assert me["roles"] == ["agent"]


def test_unknown_revoked_and_expired_tokens_are_refused(guanxi_web, guanxi_app):
    guanxi_web.staff("li", role="agent")
    with guanxi_app.transaction() as uow:
        live = issue_token(uow, "li").secret
        revoked = issue_token(uow, "li")
        revoke_token(uow, revoked.token.id)
    past = guanxi_app.now() - dt.timedelta(days=2)
    with guanxi_app.transaction(now=past) as uow:
        expired = issue_token(uow, "li", lifetime=dt.timedelta(days=1)).secret
    client = guanxi_web.anonymous()
    for secret, status in [(live, 200), (revoked.secret, 401), (expired, 401),
                           ("gx_nonsense", 401), ("Basic abc", 401)]:
        response = client.get("/api/me", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == status, secret


def test_a_read_only_token_reads_and_cannot_write(guanxi_web, guanxi_app, guanxi_customers):
    guanxi_web.staff("qian", role="agent")
    cid = guanxi_customers.create(name="钱庄", owner="qian")
    with guanxi_app.transaction() as uow:
        secret = issue_token(uow, "qian", name="BI", read_only=True).secret
    client = guanxi_web.anonymous()
    client.headers["Authorization"] = f"Bearer {secret}"
    me = client.get("/api/me").json()
    assert me["read_only"] is True and me["roles"] == ["agent"]
    assert me["permissions"] and all(p.endswith(":read") for p in me["permissions"])
    assert "interaction:read" in me["permissions"]  # narrowed from interaction:*
    assert client.get(f"/api/customers/{cid}").json()["name"] == "钱庄"
    assert client.get(f"/api/customers/{cid}/360").status_code == 200

    before = guanxi_web.api("boss", role="admin").get(f"/api/customers/{cid}").json()
    for method, path, body in [
        ("POST", "/api/customers", {"kind": "person", "name": "新客户"}),
        ("PATCH", f"/api/customers/{cid}", {"name": "改名"}),
        ("POST", "/api/interactions", {"customer_id": cid, "kind": "core.note",
                                        "payload": {"text": "x"}}),
    ]:
        refused = client.request(method, path, json=body)
        assert refused.status_code == 403, (method, path, refused.text)
        assert "read-only" in refused.json()["error"]["message"]
    after = guanxi_web.api("boss").get(f"/api/customers/{cid}").json()
    assert after == before


def test_reading_only_keeps_reads_and_drops_every_other_action():
    from guanxi.access.principal import Principal

    principal = Principal("x", grants=frozenset(
        {"*", "customer:*", "task:read", "task:create", "*:export", "audit:read"}),
        policies=frozenset({"own"}), sensitive=True)
    narrowed = principal.reading_only()
    assert narrowed.grants == {"*:read", "customer:read", "task:read", "audit:read"}
    assert narrowed.can("ticket", "read") and not narrowed.can("customer", "update")
    assert not narrowed.can("customer", "export")
    assert (narrowed.policies, narrowed.sensitive) == (principal.policies, True)


def test_only_api_tokens_can_be_read_only(guanxi_web, guanxi_app):
    from guanxi.errors import ValidationError

    guanxi_web.staff("sun", role="agent")
    with pytest.raises(ValidationError, match="read_only"), guanxi_app.transaction() as uow:
        issue_token(uow, "sun", kind="session", read_only=True)


def test_read_only_tokens_on_the_command_line(guanxi_web, guanxi_cli):
    guanxi_web.staff("zhou", role="agent")
    made = guanxi_cli.json("token", "create", "zhou", "--read-only")
    full = guanxi_cli.json("token", "create", "zhou")
    assert made["read_only"] is True and full["read_only"] is False
    listed = {t["id"]: t["access"] for t in guanxi_cli.json("token", "list")}
    assert listed == {made["id"]: "read-only", full["id"]: "full"}
    client = guanxi_web.anonymous()
    response = client.post("/api/tasks", json={},
                           headers={"Authorization": f"Bearer {made['token']}"})
    assert response.status_code == 403


def test_a_session_cookie_is_not_an_api_token(guanxi_web):
    console = guanxi_web.console("zhao", role="agent")
    secret = console.cookies["guanxi_session"]
    response = guanxi_web.anonymous().get(
        "/api/me", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 401


def test_console_login_wrong_password_and_logout(guanxi_web):
    guanxi_web.staff("chen", role="agent")
    client = guanxi_web.anonymous()
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/"
    failed = client.post("/login", data={"username": "chen", "password": "wrong-one"})
    assert failed.status_code == 401 and "guanxi_session" not in client.cookies
    console = guanxi_web.console("chen")
    assert console.get("/").status_code == 200
    # A POST without the session's CSRF token is refused and changes nothing.
    refused = console.post("/logout", data={})
    assert refused.status_code == 422
    assert console.get("/", follow_redirects=False).status_code == 200
    out = console.post("/logout", data={"csrf": console.csrf}, follow_redirects=False)
    assert out.status_code == 303
    again = guanxi_web.anonymous()
    again.cookies.set("guanxi_session", console.cookies.get("guanxi_session") or "x")
    assert again.get("/", follow_redirects=False).status_code == 303


def test_login_redirect_stays_on_this_site(guanxi_web):
    guanxi_web.staff("wu", role="agent")
    client = guanxi_web.anonymous()
    for target in ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]:
        response = client.post(
            "/login",
            data={"username": "wu", "password": "test-password", "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"


def test_repeated_failed_logins_make_the_address_wait(guanxi_web, guanxi_app):
    guanxi_web.staff("sun", role="agent")
    throttle = guanxi_web.web.state.login_throttle
    clock = [1000.0]
    throttle.clock = lambda: clock[0]
    allowed = guanxi_app.settings_for("web").login_failures_allowed
    client = guanxi_web.anonymous()
    wrong = {"username": "sun", "password": "wrong-one"}
    right = {"username": "sun", "password": "test-password"}
    for _ in range(allowed):
        assert client.post("/login", data=wrong).status_code == 401

    # Locked out: even the right password is refused, before it is checked.
    refused = client.post("/login", data=right, follow_redirects=False)
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "60"
    assert "60" in refused.text and "guanxi_session" not in client.cookies
    clock[0] += 45
    assert client.post("/login", data=right).headers["retry-after"] == "15"

    # After the cooldown one more attempt; a further failure locks it again.
    clock[0] += 15
    assert client.post("/login", data=wrong).status_code == 401
    assert client.post("/login", data=right).status_code == 429
    clock[0] += 60
    assert client.post("/login", data=right, follow_redirects=False).status_code == 303
    assert "guanxi_session" in client.cookies

    # The success cleared the count: the next failures start from zero.
    other = guanxi_web.anonymous()
    for _ in range(allowed - 1):
        assert other.post("/login", data=wrong).status_code == 401
    assert other.post("/login", data=right, follow_redirects=False).status_code == 303


def test_login_throttle_is_per_address_and_may_be_turned_off():
    from guanxi.web.throttle import LoginThrottle

    clock = [0.0]
    throttle = LoginThrottle(2, 30, clock=lambda: clock[0])
    throttle.failed("10.0.0.1")
    throttle.failed("10.0.0.1")
    assert throttle.wait_seconds("10.0.0.1") == 30
    assert throttle.wait_seconds("10.0.0.2") == 0
    clock[0] = 29.5
    assert throttle.wait_seconds("10.0.0.1") == 1
    throttle.succeeded("10.0.0.1")
    assert throttle.wait_seconds("10.0.0.1") == 0

    unlimited = LoginThrottle(0, 30)
    for _ in range(100):
        unlimited.failed("10.0.0.1")
    assert unlimited.wait_seconds("10.0.0.1") == 0


def test_login_throttle_forgets_cooled_addresses_when_full(monkeypatch):
    from guanxi.web import throttle as module

    monkeypatch.setattr(module, "MAX_TRACKED", 4)
    clock = [0.0]
    throttle = module.LoginThrottle(1, 10, clock=lambda: clock[0])
    for n in range(4):
        throttle.failed(f"10.0.0.{n}")
    clock[0] = 5.0
    throttle.failed("10.0.0.9")  # nothing has cooled yet: the older half goes
    assert len(throttle._failures) == 3
    assert throttle.wait_seconds("10.0.0.9") == 10
    clock[0] = 30.0
    throttle.failed("10.0.1.0")  # full again
    clock[0] = 45.0
    throttle.failed("10.0.1.1")  # everything has cooled: only the new one is kept
    assert list(throttle._failures) == ["10.0.1.1"]


def test_console_language_follows_the_choice(guanxi_web):
    console = guanxi_web.console("zhou")
    assert "工作台" in console.get("/").text
    english = console.get("/?lang=en")
    assert "Home" in english.text and "工作台" not in english.text
    assert "Home" in console.get("/").text  # remembered in a cookie


def test_error_body_names_the_field():
    assert error_body(422, "invalid", "must be an email", "email") == {
        "error": {"status": 422, "code": "invalid", "message": "must be an email",
                  "field": "email"}
    }

"""The console's main journeys in a real headless Chromium (Debian's, through Playwright).

A uvicorn server in a thread serves a demo project (generic edition, its four plugins);
the browser logs in, finds a customer, logs a call, moves an opportunity and closes a
ticket, and each step is checked in the database as well as on the page. Every page
visited is saved as a screenshot under ``test-output/screenshots/`` (or
``$GUANXI_TEST_OUTPUT/screenshots``), which CI keeps as artifacts.

SQLite only: the journeys test the console, not the database (the routes themselves run
on both backends in the other web tests).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from sqlmodel import select

from guanxi.app import App, create_app
from guanxi.db.migrate import upgrade
from guanxi.demo import DEMO_PASSWORD, generate_demo
from guanxi.models import Interaction
from guanxi.web import create_web_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)"
)
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("GUANXI_TEST_OUTPUT", ROOT / "test-output")) / "screenshots"
# Flags that keep Chromium off the network (the machines have none) and quiet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ADMIN = "wang.1"  # the demo's first user is an admin


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """A demo project on SQLite with every plugin of the generic edition."""
    folder = tmp_path_factory.mktemp("journeys")
    app = create_app(
        folder,
        settings={"core": {"database_url": f"sqlite:///{folder / 'guanxi.db'}"}},
        environ={},
    )
    upgrade(app)
    generate_demo(app)
    yield app
    app.close()


@pytest.fixture(scope="module")
def base_url(demo_app: App) -> Iterator[str]:
    """The console served by uvicorn in a thread on a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(create_web_app(demo_app), host="127.0.0.1", port=port,
                            log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, base_url: str, request: pytest.FixtureRequest):
    """A fresh browser context (no cookies) and a screenshot helper ``page.shot(name)``."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900},
                                  locale="zh-CN")
    page = context.new_page()
    SHOTS.mkdir(parents=True, exist_ok=True)
    test = request.node.name.removeprefix("test_")

    def shot(name: str) -> None:
        page.screenshot(path=str(SHOTS / f"{test}--{name}.png"), full_page=True)

    page.shot = shot
    yield page
    context.close()


def log_in(page, username: str = ADMIN) -> None:
    page.goto("/")
    assert "/login" in page.url  # not logged in yet: sent to the login page
    page.shot("login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    page.shot("home")


def first_id(page, prefix: str) -> int:
    """The id in the first ``data-testid="<prefix>-<id>"`` element of the page."""
    testids = page.locator(f"[data-testid^='{prefix}-']").evaluate_all(
        "nodes => nodes.map(n => n.dataset.testid)"
    )
    ids = [int(t.rsplit("-", 1)[1]) for t in testids if t.rsplit("-", 1)[1].isdigit()]
    assert ids, f"no {prefix} on {page.url}"
    return ids[0]


def test_log_in_and_a_wrong_password(page) -> None:
    page.goto("/login")
    page.fill("input[name=username]", ADMIN)
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").is_visible()
    page.shot("wrong-password")
    log_in(page)
    assert page.locator("header .user").inner_text().strip() != ""


def test_find_a_customer_and_log_a_call(page, demo_app: App) -> None:
    from guanxi.services.lookup import get_customer

    log_in(page)
    with demo_app.transaction() as uow:
        customer_id = uow.session.exec(select(Interaction.customer_id).limit(1)).one()
        customer = get_customer(uow, customer_id)
    # The search box in the header: one hit opens the 360 page, several list them.
    page.fill("form.search input[name=q]", customer.name)
    page.press("form.search input[name=q]", "Enter")
    page.wait_for_load_state()
    page.shot("search")
    if not re.search(r"/customers/\d+$", page.url):
        page.click(f"a[href='/customers/{customer_id}']")
    page.wait_for_url(re.compile(rf"/customers/{customer_id}$"))
    assert customer.name in page.locator("[data-testid=customer-name]").inner_text()
    page.shot("customer-360")
    before = _interaction_count(demo_app, customer_id)
    form = page.locator("[data-testid=call-form]")
    form.locator("select[name=kind]").select_option("core.contact")
    form.locator("select[name=channel]").select_option("phone")
    form.locator("input[name=subject]").fill("浏览器回访电话")
    form.locator("textarea[name=summary]").fill("客户对服务满意")
    form.locator("[data-testid=log-call]").click()
    page.wait_for_load_state()
    assert "浏览器回访电话" in page.locator("[data-testid=timeline]").inner_text()
    page.shot("call-logged")
    assert _interaction_count(demo_app, customer_id) == before + 1
    with demo_app.transaction() as uow:
        logged = uow.session.exec(
            select(Interaction).where(Interaction.subject == "浏览器回访电话")
        ).one()
    assert logged.customer_id == customer_id and logged.channel == "phone"
    assert logged.payload["summary"] == "客户对服务满意"


def _interaction_count(app: App, customer_id: int) -> int:
    with app.transaction() as uow:
        return len(uow.session.exec(
            select(Interaction.id).where(Interaction.customer_id == customer_id)
        ).all())


def test_move_an_opportunity_on_the_pipeline_board(page, demo_app: App) -> None:
    from guanxi_sales.models import Opportunity

    log_in(page)
    page.click("nav.menu a[href='/sales/pipeline']")
    page.wait_for_url(re.compile(r"/sales/pipeline"))
    page.shot("pipeline")
    card_id = first_id(page, "opportunity")
    card = page.locator(f"[data-testid=opportunity-{card_id}]")
    with demo_app.transaction() as uow:
        before = uow.session.exec(select(Opportunity).where(Opportunity.id == card_id)).one()
    choices = card.locator("select[name=stage] option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    target = next(value for value in choices if value not in (before.stage, "won", ""))
    card.locator("select[name=stage]").select_option(target)
    card.locator(f"[data-testid=move-{card_id}]").click()
    page.wait_for_load_state()
    column = page.locator(f"[data-testid=stage-{target}]")
    assert column.locator(f"[data-testid=opportunity-{card_id}]").count() == 1
    page.shot("moved")
    with demo_app.transaction() as uow:
        after = uow.session.exec(select(Opportunity).where(Opportunity.id == card_id)).one()
    assert after.stage == target != before.stage


def test_close_a_ticket_from_the_queue(page, demo_app: App) -> None:
    from guanxi_service.tickets.models import OPEN_STATUSES, Ticket

    log_in(page)
    page.click("nav.menu a[href='/service/tickets']")
    page.wait_for_url(re.compile(r"/service/tickets"))
    with demo_app.transaction() as uow:  # a team whose queue has open tickets
        team_id = uow.session.exec(
            select(Ticket.team_id).where(Ticket.status.in_(OPEN_STATUSES),  # type: ignore[attr-defined]
                                         Ticket.team_id.is_not(None))  # type: ignore[union-attr]
        ).first()
    assert team_id is not None, "the demo has no open ticket in a team queue"
    page.goto(f"/service/tickets?team={team_id}")  # an admin may look at any team's queue
    page.shot("ticket-queue")
    assert page.locator(".sla-clock").count() > 0  # the queue shows SLA clocks
    ticket_id = first_id(page, "ticket")
    row = page.locator(f"[data-testid=ticket-{ticket_id}]")
    row.locator(f"a[href='/service/tickets/{ticket_id}']").first.click()
    page.wait_for_url(re.compile(rf"/service/tickets/{ticket_id}$"))
    page.shot("ticket")
    page.fill("[data-testid=close-form] textarea[name=resolution]", "更换液压密封件，已测试正常")
    page.click("[data-testid=close-ticket]")
    page.wait_for_load_state()
    page.shot("ticket-closed")
    with demo_app.transaction() as uow:
        ticket = uow.session.exec(select(Ticket).where(Ticket.id == ticket_id)).one()
    assert ticket.status == "closed"
    assert ticket.resolution == "更换液压密封件，已测试正常"
    assert "更换液压密封件" in page.locator("[data-testid=ticket-resolution]").inner_text()


@pytest.mark.parametrize(
    "path", ["/", "/customers", "/customers/1", "/sales/pipeline", "/service/tickets",
             "/marketing/campaigns", "/marketing/leads/1", "/analytics", "/tasks", "/admin",
             "/admin/webhooks"]
)
def test_pages_fit_a_phone_screen(browser, base_url: str, path: str) -> None:
    """Each page at 375 px: no sideways scrolling of the page itself (wide tables
    scroll inside their own box); screenshots in both languages."""
    context = browser.new_context(base_url=base_url, viewport={"width": 375, "height": 812},
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto("/login")
        page.fill("input[name=username]", ADMIN)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/$"))
        SHOTS.mkdir(parents=True, exist_ok=True)
        for language in ("zh", "en"):
            response = page.goto(f"{path}?lang={language}")
            assert response is not None and response.status == 200, path
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            name = path.strip("/").replace("/", "-") or "home"
            page.screenshot(path=str(SHOTS / f"phone--{name}--{language}.png"), full_page=True)
            assert overflow <= 1, f"{path} ({language}) is {overflow}px wider than a phone"
    finally:
        context.close()

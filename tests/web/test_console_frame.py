"""The console's words and looks: both languages complete, editions' templates and
terminology, plugins' messages and menu entries."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter

from guanxi.models.work import TASK_PRIORITIES
from guanxi.services.customers import CONTACT_KINDS
from guanxi.settings import DEFAULT_CHANNELS
from guanxi.testing.web import GuanxiWeb
from guanxi.web import ConsoleContext, NavItem, render
from guanxi.web.console import TEMPLATES
from guanxi.web.messages import MESSAGES

EDITIONS = Path(__file__).resolve().parents[2] / "editions"


def test_both_languages_have_every_key():
    zh, en = set(MESSAGES["zh"]), set(MESSAGES["en"])
    assert zh - en == set(), "keys only in Chinese"
    assert en - zh == set(), "keys only in English"
    for language in ("zh", "en"):
        assert all(text.strip() for text in MESSAGES[language].values()), language


def test_every_key_the_core_templates_use_is_translated():
    used: set[str] = set()
    for template in TEMPLATES.rglob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z0-9_.]+)'", template.read_text(encoding="utf-8")))
    prefixes = {key for key in used if key.endswith(".")}
    assert used - prefixes - set(MESSAGES["en"]) == set()
    # Keys built from data: each value the core knows has its word.
    built = {
        "channel.": DEFAULT_CHANNELS,
        "contact.": CONTACT_KINDS,
        "task.priority.": TASK_PRIORITIES,
        "kind.": ("person", "organization"),
        "direction.": ("inbound", "outbound", "internal"),
        "admin.status.": ("enabled", "inactive", "disabled"),
        "admin.": ("index", "settings", "staff"),
    }
    for prefix, values in built.items():
        missing = [f"{prefix}{v}" for v in values if f"{prefix}{v}" not in MESSAGES["en"]]
        assert missing == []


def test_pages_speak_the_chosen_language(guanxi_web, guanxi_customers):
    cid = guanxi_customers.create(name="李雷")
    console = guanxi_web.console("wang")
    zh = console.get(f"/customers/{cid}?lang=zh").text
    assert "记录一次接触" in zh and "Log a call" not in zh
    en = console.get(f"/customers/{cid}?lang=en").text
    assert "Log a call" in en and "记录一次接触" not in en
    tasks = console.get("/tasks").text  # the choice is remembered
    assert "My tasks" in tasks and "我的待办" not in tasks


def _edition_with_templates(tmp_path: Path) -> Path:
    folder = tmp_path / "branded"
    folder.mkdir()
    toml = (EDITIONS / "generic" / "edition.toml").read_text(encoding="utf-8")
    (folder / "edition.toml").write_text(toml.replace('name = "generic"', 'name = "branded"', 1),
                                         encoding="utf-8")
    pages = folder / "templates" / "console"
    pages.mkdir(parents=True)
    base = (TEMPLATES / "console" / "base.html").read_text(encoding="utf-8")
    (pages / "base.html").write_text(
        base.replace("<main>", '<main><p data-testid="brand">BRANDED-FRAME</p>'),
        encoding="utf-8")
    (pages / "tasks.html").write_text(
        '{% extends "console/base.html" %}{% block content %}'
        '<h1 data-testid="own-tasks">OWN-TASKS {{ mine|length }}</h1>{% endblock %}',
        encoding="utf-8")
    return folder


def test_an_editions_templates_override_the_frame_and_a_page(guanxi_make_app, tmp_path):
    app = guanxi_make_app(edition=str(_edition_with_templates(tmp_path)))
    web = GuanxiWeb(app)
    console = web.console("wang")
    home = console.get("/").text
    assert 'data-testid="brand">BRANDED-FRAME' in home  # every page gets the frame
    tasks = console.get("/tasks").text
    assert "OWN-TASKS 0" in tasks and "BRANDED-FRAME" in tasks
    web.close()


def test_edition_terminology_shows_on_the_pages(guanxi_make_app):
    app = guanxi_make_app(edition="hospital")
    web = GuanxiWeb(app)
    with app.transaction() as uow:
        from guanxi.services.customers import add_customer

        cid = add_customer(uow, name="赵敏", check=False).id
    console = web.console("nurse")
    listing = console.get("/customers?lang=zh").text
    assert "患者列表" in listing
    assert "患者档案" in console.get(f"/customers/{cid}").text
    assert "Patient record" in console.get(f"/customers/{cid}?lang=en").text
    web.close()


def test_a_plugins_messages_and_menu_entry_show(guanxi_make_app, guanxi_throwaway):
    router = APIRouter(include_in_schema=False)

    @router.get("/probe")
    def probe_page(ctx: ConsoleContext):
        return render(ctx, "console/error.html", status_code=200,
                      message=ctx.t("probe.greeting", name=ctx.display_name))

    def register_routes(register):
        register(router, console=True,
                 nav=[NavItem("probe.menu", "/probe", permission="customer:read", order=45)],
                 messages={"zh": {"probe.menu": "探针页", "probe.greeting": "你好 {name}"},
                           "en": {"probe.menu": "Probe page", "probe.greeting": "Hi {name}"}})

    guanxi_throwaway("probe", register_routes=register_routes)
    web = GuanxiWeb(guanxi_make_app())
    console = web.console("wang")
    zh = console.get("/?lang=zh").text
    assert '<a href="/probe"' in zh and "探针页" in zh
    en = console.get("/probe?lang=en").text
    assert "Probe page" in en and "Hi Wang" in en
    # The menu entry follows the permission: a user without customer:read lacks it.
    web.staff("nobody", role=None)
    assert "/probe" not in web.console("nobody").get("/").text
    web.close()

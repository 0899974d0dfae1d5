"""A fifth edition written the way an outside integrator would: no change to guanxi.

The edition in ``tests/editions/outside/academy`` (a training school: 学员, guardians,
courses) is copied to a folder outside the repository and used by path and through
``GUANXI_EDITION_PATH``, like an integrator's own repository of editions. It narrows the
core's roles, stages and channels, declares custom fields (one sensitive), renames the
customer, overrides a plugin template and words the demo data.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from guanxi.app import create_app
from guanxi.testing import GuanxiCli

ACADEMY = Path(__file__).parent / "outside" / "academy"
BUILT_IN = {"generic", "hospital", "bank", "construction", "automotive"}


@pytest.fixture
def integrator_repo(tmp_path: Path) -> Path:
    """The integrator's own folder of editions, outside this repository."""
    repo = tmp_path / "integrator" / "editions"
    shutil.copytree(ACADEMY, repo / "academy")
    return repo


def test_every_edition_is_listed_with_a_one_line_description(
    integrator_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUANXI_EDITION_PATH", str(integrator_repo))
    rows = GuanxiCli(tmp_path / "nowhere").json("edition", "list")
    listed = {row["name"]: row for row in rows}
    assert BUILT_IN | {"academy"} <= set(listed)
    assert listed["academy"]["folder"] == str(integrator_repo / "academy")
    for name in BUILT_IN | {"academy"}:
        description = listed[name]["description"]
        assert description and "\n" not in description, name


def test_outside_edition_from_init_to_a_working_project(
    integrator_repo: Path, tmp_path: Path
) -> None:
    project = tmp_path / "school-crm"
    gx = GuanxiCli(project)
    edition = integrator_repo / "academy"
    init = gx("init", "--edition", str(edition), "--demo").stdout
    assert "with edition academy (培训学校 Training school)" in init
    assert "demo data: 4 staff, 3 organizations, 40 people, 300 interactions" in init
    # Recorded by absolute path, so the project works from any directory.
    assert f'edition = "{edition.resolve()}"' in (project / "guanxi.toml").read_text("utf-8")

    check = gx("edition", "check").stdout
    assert "edition academy 2.0.1: 2 plugins (core, marketing)" in check
    assert "custom fields: course, school_grade, guardian_id_number" in check
    assert check.rstrip().endswith("ok")

    # The edition's settings are a layer of their own, with the edition named as source.
    settings = {row["setting"]: row for row in gx.json("config", "show")}
    assert settings["core.roles"]["value"] == ["student", "guardian", "partner_school"]
    leads = settings["marketing.leads"]
    assert (leads["value"]["customer_role"], leads["source"]) == ("student", "edition academy")

    # The demo speaks the edition's words and uses only its roles and stages.
    customers = gx.json("customer", "list", "--limit", "500")
    # 43 from the core's demo, and those the marketing demo's converted leads became.
    assert len(customers) >= 43
    assert {role for c in customers for role in c["roles"].split(", ")} <= {
        "student",
        "guardian",
        "partner_school",
    }
    assert {c["stage"] for c in customers} <= {"enquiry", "trial_lesson", "enrolled", "alumni"}
    organization = next(c for c in customers if c["kind"] == "organization")
    assert any(word in organization["name"] for word in ("教育咨询", "文化传播"))
    someone = next(c for c in customers if c["kind"] == "person")
    assert f"学员 {someone['name']}" in gx("customer", "show", str(someone["id"])).stdout
    subjects = {row["subject"] for row in gx.json("interaction", "list", "--limit", "1000")}
    assert {"报名缴费", "试听邀约", "课程咨询", "家长会通知"} <= subjects

    # Its custom fields are validated on every write; a bad one changes nothing.
    added = gx.json(
        "customer",
        "add",
        "李小明",
        "--field",
        "course=美术",
        "--field",
        "school_grade=4",
        "--role",
        "student",
    )
    assert added["custom"] == {"course": "美术", "school_grade": 4}
    assert gx.fails("customer", "add", "王小红", "--field", "course=钢琴").startswith(
        "error: field 'custom.course':"
    )
    assert gx.fails("customer", "add", "王小红", "--field", "school_grade=four").startswith(
        "error: field 'custom.school_grade':"
    )
    assert len(gx.json("customer", "list", "--limit", "500")) == len(customers) + 1

    # Its template overrides the marketing plugin's, found in its own folder.
    app = create_app(project, environ={})
    try:
        template = app.templates.get_template("marketing/sms/birthday.txt")
        assert template.filename == str(
            edition / "templates" / "marketing" / "sms" / "birthday.txt"
        )
        assert "同学，生日快乐" in template.render(
            customer={"preferred_name": "小明"}, edition=app.edition
        )
    finally:
        app.close()


def test_an_edition_that_drops_a_channel_its_plugins_need_is_refused(
    integrator_repo: Path, tmp_path: Path
) -> None:
    toml = integrator_repo / "academy" / "edition.toml"
    toml.write_text(
        toml.read_text("utf-8").replace('"web", "event", "other"', '"other"'), encoding="utf-8"
    )
    project = tmp_path / "school-crm"
    error = GuanxiCli(project).fails("init", "--edition", str(integrator_repo / "academy"))
    assert error == (
        "error: setting core.channels: add the channels the plugins need: "
        "'event' (marketing logs marketing.event_registered on it); "
        "'web' (marketing logs marketing.lead_captured on it)"
    )
    assert not (project / "guanxi.db").exists()

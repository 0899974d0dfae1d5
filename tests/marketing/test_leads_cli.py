"""``guanxi marketing leads …`` end to end, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guanxi.testing import GuanxiCli


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    cli = GuanxiCli(tmp_path / "crm", database_url, plugins=["marketing"])
    cli("init", "--db", database_url)
    cli("staff", "add", "wang", "王芳")
    cli("staff", "add", "boss", "老板")
    cli("access", "grant", "wang", "agent")
    cli("access", "grant", "boss", "manager")
    return cli


def test_the_life_of_a_lead_on_the_command_line(gx: GuanxiCli, tmp_path: Path) -> None:
    added = gx.json("marketing", "leads", "add", "王伟", "--company", "恒通机械",
                    "--email", "Wang@X.cn", "--phone", "13912345678", "--interest", "挖掘机",
                    "--value", "150000", "--source", "referral", as_user="wang")
    assert added["outcome"] == "created" and added["score"] == 50
    lead = str(added["id"])
    again = gx("marketing", "leads", "add", "王伟", "--email", "wang@x.cn", "--source", "event")
    assert f"merged lead {lead}" in again.stdout and f"matches open lead {lead} (email)" in \
        again.stdout
    listed = gx.json("marketing", "leads", "list", as_user="wang")
    assert [(r["id"], r["owner"], r["source"]) for r in listed] == [
        (added["id"], "wang", "referral")]
    shown = gx.json("marketing", "leads", "show", lead)
    assert shown["email"] == "wang@x.cn" and len(shown["touches"]) == 2
    explained = gx("marketing", "leads", "explain", lead).stdout
    assert "large deal" in explained and "captured" in explained
    explained_json = gx.json("marketing", "leads", "explain", lead)
    assert sum(c["points"] for c in explained_json["components"]) == explained_json["score"]
    assert "started" in gx("marketing", "leads", "work", lead, as_user="wang").stdout
    assert "qualified" in gx("marketing", "leads", "qualify", lead, as_user="wang").stdout
    converted = gx.json("marketing", "leads", "convert", lead, as_user="wang")
    assert converted["conversion"]["created_customer"] is True
    assert converted["conversion"]["results"][0]["opportunity_id"] > 0  # sales is on
    assert "re-scored 0 leads" in gx("marketing", "leads", "rescore").stdout
    funnel = gx.json("report", "run", "marketing.lead_funnel")
    assert funnel["rows"][0]["converted"] == 1


def test_assignment_and_refusals_are_one_line(gx: GuanxiCli) -> None:
    lead = str(gx.json("marketing", "leads", "add", "李娜", as_user="wang")["id"])
    error = gx.fails("marketing", "leads", "assign", lead, "--to", "boss", as_user="wang")
    assert "may not assign leads" in error
    error = gx.fails("marketing", "leads", "assign", lead, "--to", "boss", "--expect", "-")
    assert "assigned to wang meanwhile" in error
    assert "assigned to boss" in gx("marketing", "leads", "assign", lead, "--to", "boss",
                                    "--expect", "wang").stdout
    error = gx.fails("marketing", "leads", "assign", lead)
    assert "--to or --by-rule" in error
    error = gx.fails("marketing", "leads", "disqualify", lead, "--reason", "meh")
    assert "field 'reason'" in error
    assert "disqualified" in gx("marketing", "leads", "disqualify", lead, "--reason",
                                "no budget").stdout
    assert "no lead with id 999" in gx.fails("marketing", "leads", "show", "999")
    assert "field 'email'" in gx.fails("marketing", "leads", "add", "x", "--email", "bad")
    assert gx.json("marketing", "leads", "list", "--status", "disqualified")[0]["id"] == int(lead)


def test_import_and_form_capture(gx: GuanxiCli, tmp_path: Path) -> None:
    path = tmp_path / "cards.csv"
    path.write_text("name,email\n甲,a@x.cn\n乙,bad\n", encoding="utf-8")
    result = gx("marketing", "leads", "import", str(path), ok=False)
    assert result.exit_code == 1
    assert "rejected: row 3, column 'email'" in result.stderr
    assert "captured 1 leads (0 merged), rejected 1" in result.stdout
    result = gx("marketing", "leads", "import", str(path), "--all-or-nothing", ok=False)
    assert result.exit_code == 1 and "nothing stored" in result.stdout
    missing = gx("marketing", "leads", "import", str(tmp_path / "nope.csv"), ok=False)
    assert missing.exit_code == 2
    body = tmp_path / "post.json"
    body.write_text(json.dumps({"姓名": "丙", "手机": "13900002222", "留言": "请回电"}),
                    encoding="utf-8")
    captured = gx.json("marketing", "leads", "capture-form", "--body", str(body))
    assert captured["outcome"] == "created"
    leads = gx.json("marketing", "leads", "list", "--source", "form")
    assert [(r["name"], r["phone"]) for r in leads] == [("丙", "+8613900002222")]
    bad = tmp_path / "bad.txt"
    bad.write_text("email=a%40b.cn", encoding="utf-8")
    assert "field 'name'" in gx.fails("marketing", "leads", "capture-form", "--body", str(bad))

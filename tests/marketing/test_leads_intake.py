"""Leads from CSV files (reject report, all-or-nothing, dry run) and from web forms."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi.importing import ImportFileError, MappingError
from guanxi_marketing.leads.intake import capture_form, import_leads, parse_form_body
from guanxi_marketing.leads.models import Lead
from tests.marketing.test_leads import lead_count

GOOD_AND_BAD = """姓名,公司,email,手机,意向,budget,备注
王伟,恒通机械,wang@x.cn,13912345678,挖掘机,150000,trade show
李娜,,not-an-email,,,,
张敏,蓝海教育,zhang@x.cn,,培训,-3,
,nobody,n@x.cn,,,,
王伟 (again),,WANG@x.cn,,,,second card
"""


def write(tmp_path: Path, content: str, name: str = "leads.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(content, encoding=encoding)
    return path


def test_good_rows_are_captured_and_bad_ones_reported(marketing_app: App, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_AND_BAD)
    report = import_leads(marketing_app, path)
    assert (report.rows, report.stored, report.merged, report.rejected) == (5, 2, 1, 3)
    assert report.errors == [
        "row 3, column 'email': 'not-an-email' is not an email address",
        "row 4, column 'budget': -3 is negative or too large",
        "row 5, column '姓名': is required",
    ]
    assert report.exit_status == 1
    with open(report.rejects_path or "", encoding="utf-8-sig", newline="") as handle:
        rejected = list(csv.DictReader(handle))
    assert [(r["_row"], r["_column"], r["姓名"]) for r in rejected] == [
        ("3", "email", "李娜"), ("4", "budget", "张敏"), ("5", "姓名", "")]
    with marketing_app.transaction() as uow:
        leads = uow.session.exec(select(Lead).order_by(Lead.id)).scalars().all()
    assert [(lead.name, lead.source, lead.interest) for lead in leads] == [
        ("王伟", "csv", "挖掘机")]  # the second card merged into the first
    assert leads[0].notes == "trade show\nsecond card"
    assert str(leads[0].estimated_value) == "150000.00"


def test_all_or_nothing_stores_nothing_when_a_row_is_bad(
    marketing_app: App, tmp_path: Path
) -> None:
    report = import_leads(marketing_app, write(tmp_path, GOOD_AND_BAD), all_or_nothing=True)
    assert (report.stored, report.rejected, lead_count(marketing_app)) == (0, 3, 0)
    assert report.rejects_path is not None


def test_a_dry_run_validates_and_stores_nothing(marketing_app: App, tmp_path: Path) -> None:
    clean = "name,email,source_note\n甲,a@x.cn,x\n乙,b@x.cn,y\n"
    report = import_leads(marketing_app, write(tmp_path, clean), dry_run=True)
    assert (report.stored, report.rejected, lead_count(marketing_app)) == (2, 0, 0)
    assert report.ignored_columns == ["source_note"]
    assert report.rejects_path is None


def test_columns_can_be_mapped_and_files_in_gb18030_read(
    marketing_app: App, tmp_path: Path
) -> None:
    path = write(tmp_path, "联系人,单位\n赵磊,东方医疗器械\n", encoding="gb18030")
    report = import_leads(marketing_app, path, encoding="gb18030", source="event",
                          mapping={"联系人": "name", "单位": "company"})
    assert report.stored == 1
    with marketing_app.transaction() as uow:
        lead = uow.session.exec(select(Lead)).scalars().one()
    assert (lead.name, lead.company, lead.source) == ("赵磊", "东方医疗器械", "event")


def test_unreadable_files_and_mappings_are_refused_before_anything(
    marketing_app: App, tmp_path: Path
) -> None:
    with pytest.raises(ImportFileError, match="no 'name' column"):
        import_leads(marketing_app, write(tmp_path, "company\nx\n"))
    with pytest.raises(MappingError, match="'colour' is not a lead field"):
        import_leads(marketing_app, write(tmp_path, "name\nx\n"), mapping={"name": "colour"})
    broken = write(tmp_path, 'name,notes\n甲,"unterminated\n')
    with pytest.raises(ImportFileError, match="row 2"):
        import_leads(marketing_app, broken)
    assert lead_count(marketing_app) == 0


# ----------------------------------------------------------------------------- forms


def test_a_urlencoded_form_is_mapped_and_the_rest_kept_in_the_notes(marketing_app: App) -> None:
    body = parse_form_body(
        "%E5%A7%93%E5%90%8D=%E9%99%88%E9%9D%99&mobile=139-0000-1111&message=Call+me"
        "&utm_source=baidu&empty=")
    assert body["姓名"] == ["陈静"]
    with marketing_app.transaction() as uow:
        result = capture_form(uow, body)
    lead = result.lead
    assert (lead.name, lead.phone, lead.source) == ("陈静", "+8613900001111", "form")
    assert lead.notes == "Call me\nutm_source: baidu"


def test_a_json_form_with_an_edition_mapping(make_marketing_app: Callable[..., App]) -> None:
    app = make_marketing_app(settings={"marketing": {"leads": {
        "form_fields": {"contact": "name", "org": "company", "need": "interest"},
        "form_source": "web"}}})
    body = parse_form_body('{"contact": "刘洋", "org": "金桥科技", "need": "CRM", "name": "x"}')
    with app.transaction() as uow:
        lead = capture_form(uow, body).lead
    assert (lead.name, lead.company, lead.interest, lead.source) == (
        "刘洋", "金桥科技", "CRM", "web")
    assert lead.notes == "name: x"  # not a mapped field in this edition


@pytest.mark.parametrize(
    ("body", "field"),
    [("{not json", "body"), ("[1, 2]", None), ("email=a%40b.cn", "name"),
     ("name=x&email=bad", "email")],
)
def test_bad_forms_name_the_field_and_store_nothing(
    marketing_app: App, body: str, field: str | None
) -> None:
    with pytest.raises(ValidationError) as caught, marketing_app.transaction() as uow:
        capture_form(uow, parse_form_body(body))
    assert caught.value.field == (field or "name")
    assert lead_count(marketing_app) == 0

"""vCard import (2.1, 3.0, 4.0; bad cards reported) and export (round trip)."""

from __future__ import annotations

import quopri
from pathlib import Path

from guanxi.app import App
from guanxi.importing import import_customers
from guanxi.services.customers import add_customer
from guanxi.services.lookup import list_customers
from guanxi.testing import GuanxiCli

CHINESE = """BEGIN:VCARD
VERSION:4.0
FN:张伟
N:张;伟;;;
TEL;TYPE=work:010-12345678
TEL;TYPE=cell:138 0013 8000
EMAIL;TYPE=work:zw@example.cn
ADR;TYPE=home:;;世纪大道100号;浦东新区;上海;200120;中国
BDAY:19650213
GENDER:M
NOTE:喜欢喝茶
CATEGORIES:vip,老客户
ORG:示例公司;销售部
UID:abc-1
END:VCARD
BEGIN:VCARD
VERSION:3.0
N:欧阳;娜娜;;;
BDAY:--0229
EMAIL:nana@example.cn
END:VCARD
"""


def names(app: App) -> dict[str, object]:
    with app.transaction() as uow:
        return {r.name: r for r in list_customers(uow, limit=100)}


def test_a_chinese_multi_contact_file(app: App, tmp_path: Path) -> None:
    with app.transaction() as uow:
        org = add_customer(uow, name="示例公司", kind="organization").id
    source = tmp_path / "phone.vcf"
    source.write_text(CHINESE, encoding="utf-8")
    report = import_customers(app, source)
    assert (report.stored, report.rejected, report.format) == (2, 0, "vcard")
    people = names(app)
    zhang, nana = people["张伟"], people["欧阳娜娜"]
    assert (zhang.family_name, zhang.given_name) == ("张", "伟")
    assert zhang.primary_phone == "+8613800138000"  # the cell number, though listed second
    assert {(p.kind, p.label) for p in zhang.contact_points} >= {
        ("phone", "work"),
        ("email", "work"),
    }
    assert "中国上海浦东新区世纪大道100号 200120" in [p.value for p in zhang.contact_points]
    assert str(zhang.birth_date) == "1965-02-13" and zhang.gender == "male"
    assert zhang.care_notes == "喜欢喝茶" and zhang.tags == ("vip", "老客户")
    assert zhang.organization_id == org
    assert [(i.source, i.external_id) for i in zhang.identities] == [("vcard", "abc-1")]
    # Named from N; a birthday without a year is a special date.
    assert nana.birth_date is None
    assert [(d.label, d.date.isoformat()) for d in nana.special_dates] == [
        ("birthday", "1604-02-29")
    ]


def test_an_unknown_org_becomes_a_tag(app: App, tmp_path: Path) -> None:
    source = tmp_path / "p.vcf"
    source.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:李四\nORG:无名公司\nEND:VCARD\n")
    import_customers(app, source)
    assert names(app)["李四"].tags == ("org:无名公司",)


def test_vcard_2_1_quoted_printable_gbk(app: App, tmp_path: Path) -> None:
    encoded = quopri.encodestring("王芳".encode("gbk")).decode()
    source = tmp_path / "old.vcf"
    source.write_bytes(
        (
            "BEGIN:VCARD\r\nVERSION:2.1\r\n"
            f"N;CHARSET=GBK;ENCODING=QUOTED-PRINTABLE:{encoded};;;;\r\n"
            f"FN;CHARSET=GBK;ENCODING=QUOTED-PRINTABLE:{encoded}\r\n"
            "TEL;CELL;PREF:13900139000\r\nEND:VCARD\r\n"
        ).encode("ascii")
    )
    assert import_customers(app, source).stored == 1
    assert names(app)["王芳"].primary_phone == "+8613900139000"


def test_bad_cards_are_reported_and_the_good_stored(app: App, tmp_path: Path) -> None:
    source = tmp_path / "mixed.vcf"
    source.write_bytes(
        b"BEGIN:VCARD\nVERSION:3.0\nFN:\xe7\x94\xb2\nEND:VCARD\n"  # 1: good (lines 1-4)
        b"BEGIN:VCARD\nVERSION:3.0\nEMAIL:x@example.cn\nEND:VCARD\n"  # 2: nobody (5-8)
        b"BEGIN:VCARD\nVERSION:3.0\nFN:\xff\xfe\nEND:VCARD\n"  # 3: bad bytes (9-12)
        b"BEGIN:VCARD\nVERSION:3.0\nFN:\xe4\xb9\x99\nTEL 138\nEND:VCARD\n"  # 4: (13-17)
        b"BEGIN:VCARD\nVERSION:3.0\nFN:\xe4\xb8\x99\nEMAIL:bad\nEND:VCARD\n"  # 5: (18-22)
        b"BEGIN:VCARD\nVERSION:3.0\nFN:\xe4\xb8\x81\nBDAY:soon\nEND:VCARD\n"  # 6: (23-27)
        b"BEGIN:VCARD\nVERSION:4.0\nFN:\xe6\x88\x8a\nEND:VCARD\n"  # 7: good (28-31)
        b"BEGIN:VCARD\nVERSION:3.0\nFN:\xe5\xb7\xb1\n"  # 8: cut short (32-34)
    )
    report = import_customers(app, source, batch_size=3)
    assert sorted(names(app)) == ["戊", "甲"]
    assert (report.stored, report.rejected) == (2, 6)
    assert report.rejects_path == str(tmp_path / "mixed.rejects.vcf")
    text = Path(report.rejects_path).read_bytes().decode("utf-8", "surrogateescape")
    notes = [line for line in text.splitlines() if line.startswith("X-GUANXI-REJECT")]
    assert notes == [
        "X-GUANXI-REJECT:card 2, line 5, FN: no FN and no N: the card names nobody",
        "X-GUANXI-REJECT:card 3, line 9: line 11: bytes that are not valid utf-8 "
        "(give --encoding gb18030?)",
        "X-GUANXI-REJECT:card 4, line 13: line 16: cannot be parsed "
        "(At line 7: Failed to parse line: TEL 138)",
        "X-GUANXI-REJECT:card 5, line 18, EMAIL: 'bad' is not an email address",
        "X-GUANXI-REJECT:card 6, line 23, BDAY: 'soon' is not a date "
        "(19650213, 1965-02-13 or --0213)",
        "X-GUANXI-REJECT:card 8, line 32: the file ends inside this card "
        "(no END:VCARD: truncated?)",
    ]
    # The bad card goes back as it came, bytes and all: fix it and import the reject file.
    assert b"FN:\xff\xfe" in Path(report.rejects_path).read_bytes()


def test_export_then_import_into_a_fresh_database_gives_the_same_people(
    app: App, make_app, tmp_path: Path, database_url: str
) -> None:
    source = tmp_path / "phone.vcf"
    source.write_text(CHINESE, encoding="utf-8")
    import_customers(app, source)
    with app.transaction() as uow:
        add_customer(
            uow,
            name="Anna Smith",
            given_name="Anna",
            family_name="Smith",
            emails=["anna@example.com", "a2@example.com"],
            tags=["b2b"],
        )
    before = names(app)
    for version in ("3.0", "4.0"):
        out = tmp_path / f"all-{version}.vcf"
        GuanxiCli(tmp_path, database_url)(
            "export",
            "customers",
            "--format",
            "vcard",
            "--vcard-version",
            version,
            "--output",
            str(out),
        )
        assert out.read_text(encoding="utf-8").count("BEGIN:VCARD") == 3
        # The format is under test, not the backend: the fresh database is a SQLite file.
        url = f"sqlite:///{tmp_path / f'fresh-{version}.db'}"
        fresh = make_app(settings={"core": {"database_url": url}})
        assert import_customers(fresh, out).stored == 3
        after = names(fresh)
        assert sorted(after) == sorted(before)
        for name, old in before.items():
            new = after[name]
            assert (new.family_name, new.given_name) == (old.family_name, old.given_name)
            assert sorted(
                p.normalized for p in new.contact_points if p.kind in ("email", "phone")
            ) == sorted(p.normalized for p in old.contact_points if p.kind in ("email", "phone"))
            assert new.primary_phone == old.primary_phone and new.primary_email == old.primary_email
            assert new.birth_date == old.birth_date and new.tags == old.tags
            assert [(d.label, d.date) for d in new.special_dates] == [
                (d.label, d.date) for d in old.special_dates
            ]

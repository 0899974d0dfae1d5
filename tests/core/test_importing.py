"""Bulk imports from CSV: mapping, batches, rejects, references, malformed files, dry runs."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import guanxi
from guanxi.app import App
from guanxi.importing import (
    EXIT_REJECTED,
    ImportAborted,
    ImportFileError,
    MappingError,
    import_customers,
    import_interactions,
    load_mapping_file,
)
from guanxi.models import ContactPoint, Customer, Interaction
from guanxi.records import CustomerRecord
from guanxi.services.customers import add_customer
from guanxi.services.lookup import get_customer, list_customers
from guanxi.services.references import match_references

CustomerFactory = Callable[..., int]


def count(app: App, model: type) -> int:
    with app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(model)).scalar_one()


def write(path: Path, text: str | bytes, encoding: str = "utf-8") -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def read_rejects(path: Path | str | None) -> list[dict[str, str]]:
    return read_rejects_as(path, "utf-8-sig")


def read_rejects_as(path: Path | str | None, encoding: str) -> list[dict[str, str]]:
    assert path is not None
    with open(path, encoding=encoding, errors="surrogateescape", newline="") as handle:
        return list(csv.DictReader(handle))


def customers_by_name(app: App) -> dict[str, CustomerRecord]:
    with app.transaction() as uow:
        return {record.name: record for record in list_customers(uow, limit=1000)}


@pytest.fixture
def add(app: App) -> CustomerFactory:
    def factory(name: str, **fields: Any) -> int:
        with app.transaction() as uow:
            record = add_customer(uow, name=name, **fields)
        assert record.id is not None
        return record.id

    return factory


# --------------------------------------------------------------------------- customers


def test_good_rows_are_stored_and_bad_rows_rejected(app: App, tmp_path: Path) -> None:
    source = write(
        tmp_path / "people.csv",
        (
            "name,email,phone,tags,roles,birth_date,extra\n"
            "张三,Zhang@Example.cn,138 0013 8000,vip;老客户,customer|member,1990/5/1,x\n"
            ",nobody@example.cn,,,,,\n"
            "李四,not-an-email,,,,,\n"
            "\n"
            "王五,wang@example.cn,,,reseller,,\n"
            "赵六,zhao@example.cn,,,,1990-13-01,\n"
        ),
    )
    report = import_customers(app, source)
    assert (report.stored, report.rejected, report.rows) == (1, 4, 5)
    assert report.exit_status == EXIT_REJECTED
    assert report.ignored_columns == ["extra"]
    assert report.rejects_path == str(tmp_path / "people.rejects.csv")

    zhang = customers_by_name(app)["张三"]
    assert zhang.primary_email == "zhang@example.cn"
    assert zhang.primary_phone == "+8613800138000"
    assert zhang.tags == ("vip", "老客户") and zhang.roles == ("customer", "member")
    assert str(zhang.birth_date) == "1990-05-01"

    rejects = read_rejects(report.rejects_path)
    assert [(r["_row"], r["_column"]) for r in rejects] == [
        ("3", "name"),
        ("4", "email"),
        ("6", "roles"),
        ("7", "birth_date"),
    ]
    assert rejects[0]["_reason"] == "is required"
    assert "not an email address" in rejects[1]["_reason"]
    assert "unknown role 'reseller'" in rejects[2]["_reason"]
    # The original cells come back unchanged, so the file can be fixed and imported again.
    assert rejects[1]["name"] == "李四" and rejects[1]["email"] == "not-an-email"
    assert list(rejects[0]) == [
        "name",
        "email",
        "phone",
        "tags",
        "roles",
        "birth_date",
        "extra",
        "_row",
        "_column",
        "_reason",
    ]


def test_reject_column_is_the_file_column_of_a_list_field(app: App, tmp_path: Path) -> None:
    source = write(tmp_path / "p.csv", "name,mobile,phone 2\n甲,13800138000,12\n")
    report = import_customers(app, source, mapping={"mobile": "phone", "phone 2": "phones"})
    [reject] = read_rejects(report.rejects_path)
    assert reject["_column"] == "phone 2"  # the service said phones.1


def test_mapping_from_options_and_files(app: App, tmp_path: Path) -> None:
    source = write(
        tmp_path / "p.csv", ("姓名,手机,邮箱,行业,Name\n孙七,13900139000,sun@example.cn,制造,x\n")
    )
    write(tmp_path / "map.json", '{"姓名": "name", "手机": "phone", "Name": ""}')
    write(tmp_path / "map.toml", '"姓名" = "name"\n"手机" = "phone"\n"Name" = ""\n')
    for mapping_file in ("map.json", "map.toml"):
        mapping = load_mapping_file(tmp_path / mapping_file)
        mapping["邮箱"] = "email"
        mapping["行业"] = "custom.industry"
        # The same file with the same mapping: the second run must be asked for.
        report = import_customers(app, source, mapping=mapping, again=True)
        assert (report.stored, report.rejected, report.ignored_columns) == (1, 0, [])
    sun = customers_by_name(app)["孙七"]
    assert sun.primary_phone == "+8613900139000" and sun.primary_email == "sun@example.cn"
    assert sun.custom == {"industry": "制造"}


def test_an_explicit_mapping_wins_over_a_column_named_like_the_field(
    app: App, tmp_path: Path
) -> None:
    source = write(tmp_path / "p.csv", "name,full name\nshort,周八\n")
    report = import_customers(app, source, mapping={"full name": "name"})
    assert report.ignored_columns == ["name"]
    assert list(customers_by_name(app)) == ["周八"]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"email": "e-mail"}, "unknown field 'e-mail'"),
        ({"x": "custom.no_such_field"}, "unknown field 'custom.no_such_field'"),
        ({"x": "payload.text"}, "unknown field 'payload.text'"),  # an interaction field
    ],
)
def test_a_mapping_to_an_unknown_field_fails_before_reading(
    app: App, tmp_path: Path, mapping: dict[str, str], message: str
) -> None:
    broken = write(tmp_path / "broken.csv", b"name\n\xff\xfe\n")
    with pytest.raises(MappingError, match=message):
        import_customers(app, broken, mapping=mapping)


@pytest.mark.parametrize(
    ("header", "mapping", "message"),
    [
        ("name,email\n", {"Email": "email"}, "names column 'Email', which the header lacks"),
        (
            "name,email,mail\n",
            {"mail": "name", "name": "name"},
            "'name' and 'mail' both feed field 'name'",
        ),
    ],
)
def test_a_mapping_that_does_not_fit_the_header(
    app: App, tmp_path: Path, header: str, mapping: dict[str, str], message: str
) -> None:
    source = write(tmp_path / "p.csv", header + "a,b@example.cn,c\n")
    with pytest.raises(MappingError, match=message):
        import_customers(app, source, mapping={**mapping, "email": "email"})


def test_custom_fields_and_identities(app: App, tmp_path: Path) -> None:
    source = write(
        tmp_path / "p.csv",
        (
            "name,value_segment,custom.industry,identity,identity.crm,ids\n"
            "甲,vip,零售,A-1,c-1,x:1\n"
            "乙,gold,,A-2,,\n"
            "丙,,,A-1,,\n"
            "丁,,,A-4,,broken\n"
        ),
    )
    report = import_customers(app, source, source="dealerA", mapping={"ids": "identity.other"})
    assert (report.stored, report.rejected) == (2, 2)
    jia = customers_by_name(app)["甲"]
    assert jia.custom == {"value_segment": "vip", "industry": "零售"}
    assert {(i.source, i.external_id) for i in jia.identities} == {
        ("dealerA", "A-1"),
        ("crm", "c-1"),
        ("other", "x:1"),
    }
    rejects = {r["_row"]: r for r in read_rejects(report.rejects_path)}
    assert rejects["3"]["_column"] == "value_segment"
    assert rejects["4"]["_column"] == "identity" and "already belongs" in rejects["4"]["_reason"]
    ding = customers_by_name(app)["丁"]
    assert {(i.source, i.external_id) for i in ding.identities} == {
        ("dealerA", "A-4"),
        ("other", "broken"),
    }


def test_identity_cells_without_source_are_source_colon_id(app: App, tmp_path: Path) -> None:
    source = write(tmp_path / "p.csv", "name,identity\n甲,dealerA:A-1\n乙,A-2\n")
    report = import_customers(app, source)
    [reject] = read_rejects(report.rejects_path)
    assert (reject["_row"], reject["_column"]) == ("3", "identity")
    assert "is not SOURCE:ID" in reject["_reason"]


def test_chinese_content_round_trips(app: App, tmp_path: Path) -> None:
    text = "欧阳娜娜,上海市浦东新区世纪大道100号,茶艺;书法,喜欢安静，不要周末打电话"
    source = write(tmp_path / "p.csv", f"name,address,interests,care_notes\n{text}\n")
    assert import_customers(app, source).stored == 1
    nana = customers_by_name(app)["欧阳娜娜"]
    assert nana.interests == ("茶艺", "书法")
    assert nana.care_notes == "喜欢安静，不要周末打电话"
    assert [p.value for p in nana.contact_points] == ["上海市浦东新区世纪大道100号"]


def test_a_gb18030_file(app: App, tmp_path: Path) -> None:
    source = write(tmp_path / "gb.csv", "name,tags\n欧阳娜娜,贵宾\n", encoding="gb18030")
    wrong = import_customers(app, source)
    [reject] = read_rejects(wrong.rejects_path)
    assert (reject["_row"], reject["_column"]) == ("2", "name")
    assert reject["_reason"].endswith("not valid utf-8 (a GB18030 file? give --encoding gb18030)")
    # The bytes go back to the reject file exactly as they came.
    assert reject["name"].encode("utf-8", "surrogateescape") == "欧阳娜娜".encode("gb18030")
    # Another encoding is another import of the file, not a rerun of the first.
    assert import_customers(app, source, encoding="gb18030").stored == 1
    assert customers_by_name(app)["欧阳娜娜"].tags == ("贵宾",)


def test_a_byte_order_mark_is_not_part_of_the_first_column(app: App, tmp_path: Path) -> None:
    source = write(tmp_path / "bom.csv", "name,email\n张三,z@example.cn\n", encoding="utf-8-sig")
    assert import_customers(app, source).stored == 1


@pytest.mark.parametrize(
    ("text", "encoding", "message"),
    [
        ("name,email\n甲,a@example.cn\n", "utf-16", r"row 1: a NUL character \(a UTF-16"),
        ("email\na@example.cn\n", "utf-8", r"row 1: no 'name' column"),
        ("", "utf-8", r"row 1: no header row"),
        (" , \n甲,a@example.cn\n", "utf-8", r"row 1: no header row"),
        (b"na\xffme,email\n\xe7\x94\xb2,a@example.cn\n", "utf-8", r"row 1: bytes that are not"),
    ],
)
def test_a_file_without_a_usable_header_stores_nothing(
    app: App, tmp_path: Path, text: str | bytes, encoding: str, message: str
) -> None:
    source = write(tmp_path / "bad.csv", text, encoding)
    with pytest.raises(ImportFileError, match=message):
        import_customers(app, source, batch_size=1)
    assert count(app, Customer) == 0
    assert not (tmp_path / "bad.rejects.csv").exists()


def test_a_missing_file_is_refused(app: App, tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no such file"):
        import_customers(app, tmp_path / "nope.csv")


BROKEN_ROWS = (
    b"name,email,phone\n"
    b"\xe7\x94\xb2,a@example.cn,13800138000\n"  # 2: good (甲)
    b"\xe4\xb9\x99,b@exa\xffmple.cn,\n"  # 3: a byte that is not UTF-8
    b"\xe4\xb8\x99,c@example.cn,,surplus\n"  # 4: more cells than the header
    b"\xe4\xb8\x81\x00,d@example.cn,\n"  # 5: a NUL character
    b'"\xe6\x88\x8a,e@example.cn,\n'  # 6: a quote never closed ...
    b"\xe5\xb7\xb1,f@example.cn,\n"  # 7: ... swallows nothing: read again, good (己)
    b'\xe5\xba\x9a"s,g@example.cn,\n'  # 8: good (a quote inside a cell is no fault)
    b'x"y"z,h@example.cn,\n'  # 9: good
    b"\xe8\xbe\x9b,i@example"  # 10: cut short: 2 of 3 cells and no line end
)


def test_bad_rows_are_rejected_with_their_number_and_the_rest_stored(
    app: App, tmp_path: Path
) -> None:
    source = write(tmp_path / "broken.csv", BROKEN_ROWS)
    report = import_customers(app, source, batch_size=3)
    assert sorted(customers_by_name(app)) == sorted(["甲", "己", '庚"s', 'x"y"z'])
    assert (report.stored, report.rejected) == (4, 5)
    rejects = read_rejects(report.rejects_path)
    found = {r["_row"]: (r["_column"], r["_reason"]) for r in rejects}
    assert found["3"] == (
        "email",
        "bytes that are not valid utf-8 (a GB18030 file? give --encoding gb18030)",
    )
    assert found["4"] == ("", "4 cells but the header has 3 columns (extra: surplus)")
    assert found["5"][0] == "name" and found["5"][1].startswith("a NUL character")
    assert found["6"] == ("", 'a quote opened in this row is never closed: "戊,e@example.cn,')
    assert found["10"] == (
        "",
        "the last row is cut short: 2 of 3 cells and no line end (was the file truncated?)",
    )
    # The cells go back as read (the bad byte too), so the file can be fixed in place.
    assert source.read_bytes().count(b"b@exa\xffmple.cn") == 1
    assert b"b@exa\xffmple.cn" in Path(report.rejects_path or "").read_bytes()


def test_a_last_row_without_a_line_end_is_fine_when_complete(app: App, tmp_path: Path) -> None:
    source = write(tmp_path / "p.csv", "name,email\n甲,a@example.cn\n乙,b@example.cn")
    assert import_customers(app, source).stored == 2


def test_trailing_empty_cells_are_not_malformed(app: App, tmp_path: Path) -> None:
    source = write(tmp_path / "p.csv", "name,email\n甲,a@example.cn,,\n")
    assert import_customers(app, source).stored == 1


def test_dry_run_validates_and_stores_nothing(
    app: App, tmp_path: Path, add: CustomerFactory
) -> None:
    add("已有", identities=[{"source": "dealerA", "external_id": "A-1"}])
    source = write(
        tmp_path / "p.csv",
        (
            "name,identity,email\n"
            "甲,A-1,a@example.cn\n"  # the database check still runs: A-1 is taken
            "乙,A-2,bad\n"
            "丙,A-3,c@example.cn\n"
        ),
    )
    dry_rejects = tmp_path / "dry.csv"
    dry = import_customers(app, source, source="dealerA", dry_run=True, rejects=dry_rejects)
    assert (dry.stored, dry.rejected, dry.dry_run) == (1, 2, True)
    assert count(app, Customer) == 1 and count(app, ContactPoint) == 0
    real = import_customers(app, source, source="dealerA")
    assert (real.stored, real.rejected) == (dry.stored, dry.rejected)
    assert read_rejects(dry.rejects_path) == read_rejects(real.rejects_path)


def test_dry_run_cannot_see_earlier_batches(app: App, tmp_path: Path) -> None:
    """Documented: an identity repeated in a later batch is caught only by a real run."""
    source = write(tmp_path / "p.csv", "name,identity\n甲,d:1\n乙,d:1\n")
    assert import_customers(app, source, batch_size=1, dry_run=True).rejected == 0
    assert import_customers(app, source, batch_size=1).rejected == 1


def test_the_batch_hook_fires_once_per_batch(make_app: Callable[..., App], tmp_path: Path) -> None:
    calls: list[int] = []

    class Counter:
        plugin = guanxi.Plugin(name="counter", version="1.0")

        @staticmethod
        @guanxi.hookimpl
        def customers_created(uow: Any, customers: list[Any]) -> None:
            calls.append(len(customers))

    app = make_app(plugins=[Counter], enable=["counter"])
    rows = "".join(f"客户{i},c{i}@example.cn\n" for i in range(5))
    source = write(tmp_path / "p.csv", "name,email\n" + rows + "坏,bad\n")
    report = import_customers(app, source, batch_size=2)
    assert calls == [2, 2, 1]  # the bad row shares the third batch and is left out of it
    assert (report.batches, report.stored, report.rejected) == (3, 5, 1)
    import_customers(app, source, batch_size=2, dry_run=True)
    assert len(calls) == 3  # a dry run inserts nothing, so no hook fires


# --------------------------------------------------------------------------- interactions


def test_interactions_name_their_customer_by_id_email_phone_or_identity(
    app: App, tmp_path: Path, add: CustomerFactory
) -> None:
    zhang = add(
        "张三",
        emails=["zhang@example.cn"],
        phones=["13800138000"],
        identities=[{"source": "dealerA", "external_id": "A-1"}],
    )
    li = add("李四", emails=["shared@example.cn"])
    add("王五", emails=["shared@example.cn"])
    source = write(
        tmp_path / "log.csv",
        (
            "customer,kind,occurred_at,subject,payload.summary,revenue\n"
            f"{zhang},core.contact,2026/1/5 9:05,来电,咨询,\n"
            f"id:{li},core.contact,,,,\n"
            "ZHANG@example.cn,core.purchase,,,,99.50\n"
            "138 0013 8000,core.note,,,,\n"
            "dealerA:A-1,core.contact,,,,\n"
            "nobody@example.cn,core.contact,,,,\n"
            "shared@example.cn,core.contact,,,,\n"
            ",core.contact,,,,\n"
            "999999,core.contact,,,,\n"
        ),
    )
    report = import_interactions(app, source)
    assert (report.stored, report.rejected) == (4, 5)
    rejects = {r["_row"]: r for r in read_rejects(report.rejects_path)}
    assert rejects["5"]["_column"] == "payload.text"  # core.note needs a text
    assert rejects["7"]["_reason"] == "no customer matches 'nobody@example.cn'"
    assert rejects["8"]["_reason"].startswith("'shared@example.cn' matches 2 customers")
    assert rejects["9"]["_reason"].startswith("is empty")
    assert rejects["10"]["_reason"] == "no customer matches '999999'"
    assert {r["_column"] for k, r in rejects.items() if k != "5"} == {"customer"}
    with app.engine.connect() as connection:
        query = select(Interaction.customer_id, Interaction.subject, Interaction.payload)
        stored = connection.execute(query).all()
    assert sorted(row[0] for row in stored) == sorted([zhang, li, zhang, zhang])
    assert (zhang, "来电", "咨询") in [(row[0], row[1], row[2].get("summary")) for row in stored]


def test_interactions_by_external_id_of_a_source(
    app: App, tmp_path: Path, add: CustomerFactory
) -> None:
    zhang = add("张三", identities=[{"source": "dealerA", "external_id": "1001"}])
    add("李四", identities=[{"source": "dealerB", "external_id": "1002"}])
    source = write(tmp_path / "log.csv", "客户编号,kind\n1001,core.contact\n1002,core.contact\n")
    report = import_interactions(app, source, source="dealerA", mapping={"客户编号": "customer"})
    assert (report.stored, report.rejected) == (1, 1)
    [reject] = read_rejects(report.rejects_path)
    assert reject["_column"] == "客户编号"
    assert reject["_reason"] == "no customer matches 'dealerA:1002'"
    with app.engine.connect() as connection:
        assert connection.execute(select(Interaction.customer_id)).scalar_one() == zhang


def test_payload_json_column_and_payload_fields(
    app: App, tmp_path: Path, add: CustomerFactory
) -> None:
    zhang = add("张三")
    source = write(
        tmp_path / "log.csv",
        (
            "customer,kind,payload,payload.order_ref,revenue\n"
            f'{zhang},core.purchase,"{{""lines"": [{{""name"": ""茶"", ""quantity"": 2}}], '
            f'""order_ref"": ""X""}}",SO-1,10\n'
            f"{zhang},core.purchase,[1],,\n"
            f'{zhang},core.purchase,"{{""colour"": 1}}",,\n'
        ),
    )
    report = import_interactions(app, source)
    assert (report.stored, report.rejected) == (1, 2)
    with app.engine.connect() as connection:
        payload = connection.execute(select(Interaction.payload)).scalar_one()
    assert payload["order_ref"] == "SO-1"  # the payload.NAME column wins over the JSON
    assert payload["lines"][0]["name"] == "茶"
    rejects = read_rejects(report.rejects_path)
    assert (rejects[0]["_column"], rejects[0]["_reason"]) == ("payload", "is not a JSON object")
    assert rejects[1]["_column"] == "payload" and rejects[1]["_reason"] == "unknown field"


def test_interactions_need_customer_and_kind_columns(app: App, tmp_path: Path) -> None:
    source = write(tmp_path / "log.csv", "customer,subject\n1,x\n")
    with pytest.raises(ImportFileError, match="no 'kind' column"):
        import_interactions(app, source)


def test_match_references_rules(app: App, add: CustomerFactory) -> None:
    add(
        "甲",
        emails=["a@example.cn"],
        phones=["13800138000"],
        identities=[{"source": "dealerA", "external_id": "A-1"}],
    )
    add(
        "乙", emails=["a@example.cn"], identities=[{"source": "+8613900139000", "external_id": "x"}]
    )
    add("丙", identities=[{"source": "dealerA", "external_id": "13800138000"}])
    expected = {
        "1": {1},
        "id:2": {2},
        "id:x": set(),
        "3": {3},
        "42": set(),
        " A@Example.cn ": {1, 2},
        "b@example.cn": set(),
        "not@mail": set(),
        "13800138000": {1},  # all digits, but no such id: a Chinese mobile number
        "138 0013 8000": {1},
        "+8613800138000": {1},
        "dealerA:A-1": {1},
        "dealerA:13800138000": {3},
        "A-1": set(),
        "+8613900139000:x": {2},
        "": set(),
        "123456789012": set(),
    }
    with app.transaction() as uow:
        assert match_references(uow, list(expected)) == expected
        by_source = match_references(uow, ["A-1", "13800138000", "nope"], source="dealerA")
        assert by_source == {"A-1": {1}, "13800138000": {3}, "nope": set()}


def test_a_failing_hook_rolls_back_its_batch_and_stops(
    make_app: Callable[..., App], tmp_path: Path
) -> None:
    class Flaky:
        plugin = guanxi.Plugin(name="flaky", version="1.0")
        calls = 0

        @staticmethod
        @guanxi.hookimpl
        def interactions_logged(uow: Any, interactions: list[Any]) -> None:
            Flaky.calls += 1
            if Flaky.calls == 2:
                raise RuntimeError("downstream system is down")

    app = make_app(plugins=[Flaky], enable=["flaky"])
    with app.transaction() as uow:
        customer = add_customer(uow, name="张三").id
    rows = "".join(f"{customer},core.contact\n" for _ in range(5))
    source = write(tmp_path / "log.csv", "customer,kind\n" + rows)
    message = r"rows 4-5: RuntimeError: downstream .*rolled back; 2 interactions of earlier"
    with pytest.raises(ImportAborted, match=message):
        import_interactions(app, source, batch_size=2)
    assert count(app, Interaction) == 2  # the first batch stays; the second rolled back
    with app.transaction() as uow:
        assert get_customer(uow, customer).id == customer

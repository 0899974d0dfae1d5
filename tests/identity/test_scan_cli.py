"""``guanxi dedupe scan|review|pairs|dismiss`` end to end on a project folder."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from guanxi.testing import GuanxiCli


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    project = tmp_path / "crm"
    guanxi = GuanxiCli(project)
    guanxi("init", "--db", database_url)
    with (project / "guanxi.toml").open("a", encoding="utf-8") as toml:
        toml.write("\n[identity]\ncheck_on_create = false\n")  # only the scan queues pairs
    return guanxi


def add(gx: GuanxiCli, name: str, *args: str) -> int:
    return int(gx.json("customer", "add", name, *args)["id"])  # type: ignore[index]


@pytest.fixture
def three(gx: GuanxiCli) -> list[int]:
    """张伟 three times (spacing, a transposed phone) and one unrelated customer."""
    ids = [add(gx, "张伟", "--phone", "13800138000", "--email", "zw@example.com",
               "--birth-date", "1985-03-12"),
           add(gx, "张 伟", "--phone", "13800138000", "--birth-date", "1985-03-12"),
           add(gx, "张伟", "--phone", "13800183000", "--email", "zw@example.com")]
    add(gx, "李娜", "--phone", "13900000000")
    return ids


def test_scan_prints_what_it_found_and_review_shows_the_cluster(gx: GuanxiCli,
                                                                three: list[int]) -> None:
    out = gx("dedupe", "scan", "--quiet").stdout
    assert "scanned 4 customers" in out and "3 new" in out and "next: guanxi dedupe review" in out
    again = gx.json("dedupe", "scan")
    assert (again["new"], again["updated"], again["closed"]) == (0, 0, 0)  # type: ignore[index]
    text = gx("dedupe", "review").stdout
    assert "cluster 1: match" in text and "张 伟" in text and "+8613800138000" in text
    assert f"guanxi dedupe merge {three[0]} {three[1]} {three[2]}" in text
    assert "phone" in text and "李娜" not in text
    (cluster,) = gx.json("dedupe", "review")  # type: ignore[misc]
    assert cluster["survivor_id"] == three[0]
    assert [c["id"] for c in cluster["customers"]] == three
    assert {tuple(sorted((p["left_id"], p["right_id"]))) for p in cluster["pairs"]} == {
        (three[0], three[1]), (three[0], three[2]), (three[1], three[2])}
    assert all(p["passes"] and p["fields"] for p in cluster["pairs"])
    rows = list(csv.DictReader(io.StringIO(gx("dedupe", "review", "--csv").stdout)))
    assert [r["name"] for r in rows] == ["张伟", "张 伟", "张伟"]
    assert [(r["cluster"], r["id"], r["survivor"]) for r in rows] == [
        ("1", str(three[0]), "True"), ("1", str(three[1]), "False"), ("1", str(three[2]), "False")]
    assert gx.json("dedupe", "review", "--origin", "import") == []


def test_pairs_listing_and_dismiss(gx: GuanxiCli, three: list[int]) -> None:
    gx("dedupe", "scan", "--quiet")
    pairs = gx.json("dedupe", "pairs")
    assert len(pairs) == 3 and pairs[0]["score"] >= pairs[-1]["score"]  # type: ignore[index,arg-type]
    rows = list(csv.DictReader(io.StringIO(gx("dedupe", "pairs", "--csv").stdout)))
    assert {r["origin"] for r in rows} == {"scan"} and len(rows) == 3
    first = str(pairs[0]["pair"])  # type: ignore[index]
    out = gx("dedupe", "dismiss", first, "--reason", "two people").stdout
    assert out.strip() == f"dismissed 1 pair(s): {first}"
    assert len(gx.json("dedupe", "pairs")) == 2
    dismissed = gx.json("dedupe", "pairs", "--state", "dismissed")
    assert [str(p["pair"]) for p in dismissed] == [first]  # type: ignore[index]
    assert gx.json("dedupe", "scan")["reopened"] == 0  # type: ignore[index]
    assert len(gx.json("dedupe", "pairs")) == 2


def test_bad_input_is_one_line_a_non_zero_exit_and_changes_nothing(
        gx: GuanxiCli, three: list[int]) -> None:
    gx("dedupe", "scan", "--quiet")
    before = gx("dedupe", "pairs", "--csv").stdout
    first = str(gx.json("dedupe", "pairs")[0]["pair"])  # type: ignore[index]
    assert gx.fails("dedupe", "dismiss", first, "999999") == "error: no duplicate pair 999999"
    assert "since" in gx.fails("dedupe", "scan", "--since", "last tuesday")
    assert "limit" in gx.fails("dedupe", "review", "--limit", "0")
    assert "limit" in gx.fails("dedupe", "pairs", "--limit", "-1")
    assert gx("dedupe", "pairs", "--csv").stdout == before
    assert "status" in gx("dedupe", "review", "--status", "maybe", ok=False).output


def test_scan_since_a_date_counts_the_changed_customers(gx: GuanxiCli, three: list[int]) -> None:
    result = gx.json("dedupe", "scan", "--since", "2999-01-01")
    assert (result["changed"], result["new"]) == (0, 0)  # type: ignore[index]
    assert gx("dedupe", "review").stdout.startswith("no open duplicate pairs")


def test_an_empty_database_scans_to_nothing(gx: GuanxiCli) -> None:
    result = gx.json("dedupe", "scan")
    assert (result["customers"], result["candidates"], result["new"]) == (0, 0, 0)  # type: ignore[index]
    assert gx.json("dedupe", "review") == []

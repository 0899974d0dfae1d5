"""Small hand-checked cases for blocking, comparisons, the review band and clusters."""

from __future__ import annotations

import pytest

from guanxi.identity import (
    RuleError,
    candidate_pairs,
    clusters,
    dedupe,
    default_rules,
    link,
    load_rules,
    prepare,
)
from guanxi.identity.scoring import similarity

RULES = default_rules()


def _pairs(left: list[dict[str, str | None]], right: list[dict[str, str | None]]) -> set[
        tuple[object, object]]:
    cands = candidate_pairs(left, RULES, right=right)
    lp, rp = prepare(left, RULES), prepare(right, RULES)
    return {(lp.ids[i], rp.ids[j]) for i, j in zip(cands.left.tolist(), cands.right.tolist(),
                                                    strict=True)}


def test_blocking_finds_pair_a_typo_separates() -> None:
    # Typo in the surname's first letter and a different birth date: only the
    # postcode + given name pass brings them together.
    left = [{"id": "a", "given_name": "Michaela", "family_name": "Neumann",
             "postcode": "4223", "birth_date": "19151111"}]
    right = [{"id": "b", "given_name": "michaela", "family_name": "Meumann",
              "postcode": "4223", "birth_date": "19151112"},
             {"id": "c", "given_name": "John", "family_name": "Smith", "postcode": "9999"}]
    assert _pairs(left, right) == {("a", "b")}
    cands = candidate_pairs(left, RULES, right=right)
    assert cands.passes.tolist() == [1 << [p.name for p in RULES.blocking].index(
        "postcode_given")]


def test_never_the_cross_product() -> None:
    # 200 people sharing nothing but a surname sound and initial would be one block;
    # distinct keys give no pairs at all (the cross product would be 19,900).
    people = [{"id": str(i), "given_name": "abcdefghij"[i % 10] + "x",
               "family_name": "bcdfgjlmnr"[i // 20] + "ay", "postcode": str(i)}
              for i in range(200)]
    # 10 family sounds x 10 initials, 2 people each: exactly 100 pairs.
    assert len(candidate_pairs(people, RULES)) == 100


def test_swapped_day_and_month() -> None:
    birth = next(c for c in RULES.comparisons if c.field == "birth_date")
    sim = similarity(birth, ["19650213", "19650213", "19650213"],
                     ["19651302", "19650214", "19710101"])
    assert sim.tolist() == [0.9, 0.75, 0.0]
    left = [{"id": "a", "name": "Anna Berg", "birth_date": "1965-03-04", "phone": "13800138000"}]
    right = [{"id": "b", "name": "Anna Berg", "birth_date": "1965-04-03",
              "phone": "138 0013 8000"}]
    [pair] = link(left, right, RULES)
    assert pair.fields["birth_date"] == "partial" and pair.fields["phone"] == "agree"


def test_chinese_names() -> None:
    name = next(c for c in RULES.comparisons if c.field == "given_name")
    assert prepare([{"name": "张 伟"}], RULES).columns["family_name"] == ["张"]
    assert similarity(name, ["张伟", "伟"], ["张伟", "韦"]).tolist() == [1.0, 0.0]
    assert prepare([{"name": "欧阳 娜娜"}], RULES).columns["given_name"] == ["娜娜"]
    # Same person written with a space, found by the pinyin-free family + birth-year pass.
    left = [{"id": "a", "name": "张伟", "birth_date": "1980-05-06", "city": "北京"}]
    right = [{"id": "b", "name": "张 伟", "birth_date": "1980年5月6日", "city": "北京"},
             {"id": "c", "name": "张韦", "birth_date": "1980-05-06", "city": "北京"},
             {"id": "d", "name": "李伟", "birth_date": "1980-05-06", "city": "北京"}]
    result = {p.right: p for p in link(left, right, RULES)}
    assert result["b"].status == "match"
    assert "cjk_family_year" in result["b"].passes
    # One character off (a homophone typo, or another person): for a person to look at.
    assert result["c"].status == "review" and result["c"].fields["given_name"] == "disagree"
    assert result["d"].status == "review" and result["d"].fields["family_name"] == "disagree"


def test_review_band() -> None:
    rules = default_rules(match_threshold=40.0, review_threshold=10.0)
    left = [{"id": "a", "name": "Anna Berg", "birth_date": "19650304"}]
    right = [{"id": "b", "name": "Anna Berg", "birth_date": "19650304"}]
    [pair] = link(left, right, rules)
    assert pair.status == "review" and 10 <= pair.score < 40
    assert link(left, right, default_rules(match_threshold=5, review_threshold=5))[0].status \
        == "match"


def test_dedupe_clusters() -> None:
    base = {"family_name": "Green", "given_name": "Charles", "birth_date": "19480930",
            "postcode": "4566", "id_number": "4365168"}
    records = [{**base, "id": "1"}, {**base, "id": "2", "given_name": "Charls"},
               {**base, "id": "3", "id_number": "4365169"},
               {"id": "4", "family_name": "White", "given_name": "Ann", "postcode": "3159"}]
    pairs, groups = dedupe(records, RULES)
    assert groups == [["1", "2", "3"]]
    assert all(p.status == "match" for p in pairs) and len(pairs) == 3


def test_union_find() -> None:
    assert clusters(6, [0, 3, 4], [1, 4, 5]) == [[0, 1], [3, 4, 5]]
    assert clusters(3, [], []) == []


@pytest.mark.parametrize(("data", "needle"), [
    ({"blocking": [{"name": "x", "parts": [{"field": "nmae"}]}],
      "comparisons": [{"field": "name"}]}, "'nmae'"),
    ({"blocking": [{"name": "x", "parts": [{"field": "name"}]}],
      "comparisons": [{"field": "birth_date", "method": "fuzzy"}]}, "'birth_date'"),
    ({"blocking": [{"name": "x", "parts": [{"field": "name"}]}],
      "comparisons": [{"field": "phone", "agree": 0.5, "partial": 0.9}]}, "'phone'"),
])
def test_bad_rules_one_line(data: dict[str, object], needle: str) -> None:
    with pytest.raises(RuleError) as info:
        load_rules(data)
    message = str(info.value)
    assert "\n" not in message and needle in message

"""Normalising records once into columns, and the reductions blocking keys use.

Each field is normalised once per record set (not once per pair): names lower-cased with
punctuation dropped and, for Chinese, all spaces removed so 张 伟 is 张伟; dates to an
``YYYYMMDD`` integer; phones and emails through :mod:`guanxi.normalize`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from guanxi.normalize import normalize_email, normalize_phone, normalize_text

from .rules import MatchRules, Transform

Record = Mapping[str, "str | None"]

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_NON_NAME = re.compile(r"[^\w\s]|\d|_")
_NON_ALNUM = re.compile(r"[^0-9a-z]")
_DIGITS = re.compile(r"\d+")
# Two-character family names; without them 欧阳娜娜 would block under 欧.
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
    "宇文", "司徒", "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里",
    "呼延", "万俟", "闻人", "赫连", "澹台", "公冶", "宗政", "濮阳", "太叔", "申屠",
})


def is_cjk(text: str) -> bool:
    """Whether the text contains a CJK ideograph (then it is compared character-wise)."""
    return bool(_CJK.search(text))


def norm_name(value: str) -> str:
    """Lower-case, punctuation-free name; Chinese names lose all inner whitespace."""
    text = unicodedata.normalize("NFKC", value).lower()
    text = _NON_NAME.sub(" ", text)
    if is_cjk(text):
        return "".join(text.split())
    return " ".join(text.split())


def split_cjk_name(name: str) -> tuple[str, str]:
    """Family and given name of a Chinese full name (compound surnames recognised)."""
    if len(name) > 2 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def parse_date(value: str) -> int:
    """``YYYYMMDD`` as an int from 19650213, 1965-02-13, 1965/2/13 or 1965年2月13日; 0 if not."""
    text = unicodedata.normalize("NFKC", value).strip()
    parts = _DIGITS.findall(text)
    if len(parts) == 1 and len(parts[0]) == 8:
        return int(parts[0])
    if len(parts) == 3 and len(parts[0]) == 4:
        year, month, day = (int(p) for p in parts)
        if 1 <= month <= 12 and 1 <= day <= 31:
            return year * 10000 + month * 100 + day
    return 0


def _norm_phone(value: str, region: str) -> str:
    try:
        return normalize_phone(value, region)
    except ValueError:
        # A number libphonenumber rejects may still match the same wrong number elsewhere.
        return "".join(ch for ch in value if ch.isdigit())


def _norm_email(value: str, region: str) -> str:
    try:
        return normalize_email(value)
    except ValueError:
        return value.strip().lower()


def normalise_value(fieldname: str, value: str, region: str) -> str:
    """The comparable form of one field's value ('' when nothing usable is left)."""
    if fieldname in ("name", "family_name", "given_name"):
        return norm_name(value)
    if fieldname == "birth_date":
        date = parse_date(value)
        return f"{date:08d}" if date else ""
    if fieldname == "phone":
        return _norm_phone(value, region)
    if fieldname == "email":
        return _norm_email(value, region)
    if fieldname in ("postcode", "id_number", "street_number"):
        return _NON_ALNUM.sub("", unicodedata.normalize("NFKC", value).lower())
    return normalize_text(value).lower()


@dataclass
class Prepared:
    """Records as normalised columns: ``columns[field][i]`` is record i's value or ''."""

    ids: list[object]
    columns: dict[str, list[str]]
    _keys: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        """Number of records."""
        return len(self.ids)

    def key_column(self, fieldname: str, transform: Transform) -> list[str]:
        """The field reduced by ``transform`` for every record (cached)."""
        cache_key = (fieldname, transform)
        if transform == "exact":
            return self.columns[fieldname]
        if cache_key not in self._keys:
            self._keys[cache_key] = [reduce_key(v, transform) for v in self.columns[fieldname]]
        return self._keys[cache_key]


def prepare(records: Sequence[Record] | Prepared, rules: MatchRules) -> Prepared:
    """Normalise every field the rules read, once, into columns."""
    if isinstance(records, Prepared):
        return records
    wanted = rules.fields()
    columns: dict[str, list[str]] = {f: [] for f in wanted}
    ids: list[object] = []
    region = rules.default_region
    for index, record in enumerate(records):
        ids.append(record.get(rules.id_field, index))
        values = {f: normalise_value(f, v, region) for f, v in record.items()
                  if f in columns and isinstance(v, str) and v.strip()}
        _fill_names(values, record)
        if "city" in columns and "city" not in values and record.get("suburb"):
            values["city"] = normalise_value("city", str(record["suburb"]), region)
        for f in wanted:
            columns[f].append(values.get(f, ""))
    return Prepared(ids=ids, columns=columns)


def _fill_names(values: dict[str, str], record: Record) -> None:
    """Derive family/given name from a full name when the record only has the latter."""
    full = values.get("name") or (norm_name(str(record["name"])) if record.get("name") else "")
    if not full or (values.get("family_name") and values.get("given_name")):
        return
    if is_cjk(full):
        family, given = split_cjk_name(full)
    else:
        tokens = full.split()
        family, given = tokens[-1], " ".join(tokens[:-1])
    values.setdefault("family_name", family)
    if given:
        values.setdefault("given_name", given)


_SOUNDEX = str.maketrans("bfpvcgjkqsxzdtlmnr", "111122222222334556")


def soundex(name: str) -> str:
    """American Soundex of a Latin name (letter + three digits); '' for other scripts."""
    letters = [ch for ch in name if "a" <= ch <= "z"]
    if not letters:
        return ""
    first = letters[0]
    out = [first.upper()]
    last = first.translate(_SOUNDEX)
    for ch in letters[1:]:
        code = ch.translate(_SOUNDEX)
        if code.isdigit() and code != last:
            out.append(code)
        if ch not in "hw":  # h and w do not separate equal codes; vowels do
            last = code
        if len(out) == 4:
            break
    return "".join(out).ljust(4, "0")


def reduce_key(value: str, transform: Transform) -> str:
    """Reduce a normalised value for blocking; '' means the record has no key."""
    if not value:
        return ""
    if transform == "exact":
        return value
    if transform == "soundex":
        return value if is_cjk(value) else soundex(value)
    if transform == "initial":
        return value[0]
    if transform == "year":
        return value[:4]
    if transform == "first3":
        return value[:3]
    # "cjk": only Chinese values make a key, so Latin records skip the pass.
    return value if is_cjk(value) else ""


def date_array(column: list[str]) -> np.ndarray:
    """Dates column as int64 ``YYYYMMDD`` (0 where missing)."""
    return np.array([int(v) if v else 0 for v in column], dtype=np.int64)

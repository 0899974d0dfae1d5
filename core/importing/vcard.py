"""Reading vCard files (2.1, 3.0, 4.0; many contacts in one file) as items.

The file is split into cards here, line by line, before ``vobject`` parses each card
on its own: one bad card (bytes that do not decode, a line vobject cannot parse, a
card the file ends inside) is reported with its number and line, and the others are
read. Each line is decoded with its own ``CHARSET`` (vCard 2.1, as Chinese phones
still export: ``N;CHARSET=GBK;ENCODING=QUOTED-PRINTABLE:…``), else with the file's
encoding (UTF-8 unless ``--encoding`` says otherwise).

Properties: FN → name; N → family/given name (``N:张;伟;;;``; the name is built from N
when FN is missing); TEL (TYPE → label, fax → a fax number; the preferred, else the
first cell, number is primary), EMAIL, ADR, URL → contact points; BDAY (``19650213``,
``1965-02-13``; ``--0213`` without a year → the special date "birthday" in the year
1604, as Apple does), ANNIVERSARY → special date; NOTE → care notes; CATEGORIES →
tags; TITLE → occupation; GENDER → gender; UID → external identity of ``--source``
(default ``vcard``); ORG → the organisation of that exact name if there is one, else
the tag ``org:NAME``; KIND:org (or Apple's X-ABShowAs:COMPANY) → an organisation.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from guanxi.app import UnitOfWork
from guanxi.importing.report import ImportFileError
from guanxi.importing.rows import Item, LazyFile, Reject, RejectWriter
from guanxi.models import Customer
from guanxi.models.customer import ORGANIZATION

DEFAULT_SOURCE = "vcard"
ORG_TAG = "org:"
# The year of a birthday given without one (vCard 4.0 "--0213"): Apple's choice, a leap
# year, so 29 February fits.
NO_YEAR = 1604
REJECT_PROPERTY = "X-GUANXI-REJECT"
_CHARSET = re.compile(rb";\s*CHARSET=([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})-?(\d{2})-?(\d{2})$")
_NO_YEAR_DATE = re.compile(r"^--(\d{2})-?(\d{2})$")
_PROPERTY_OF = {
    "name": "FN",
    "family_name": "N",
    "given_name": "N",
    "kind": "KIND",
    "birth_date": "BDAY",
    "special_dates": "BDAY",
    "care_notes": "NOTE",
    "tags": "CATEGORIES",
    "identities": "UID",
    "gender": "GENDER",
    "occupation": "TITLE",
    "organization_id": "ORG",
}
_POINT_PROPERTY = {"phone": "TEL", "fax": "TEL", "email": "EMAIL", "address": "ADR", "web": "URL"}
_NOT_LABELS = frozenset(("pref", "voice", "internet", "x400", "text", "uri"))
_GENDERS = {"M": "male", "F": "female", "O": "other"}


class CardError(Exception):
    """A card's property that cannot be read."""

    def __init__(self, prop: str, reason: str):
        super().__init__(reason)
        self.prop, self.reason = prop, reason


# --------------------------------------------------------------------------- splitting


def split_cards(path: Path, codec: str) -> Iterator[tuple[int, int, list[str], str | None]]:
    """``(card number, first line, decoded lines, fault)`` of every card in the file."""
    number = 0
    lines: list[str] = []
    start = 0
    fault: str | None = None
    try:
        handle = open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise ImportFileError(path, f"cannot read it ({exc.strerror})") from None
    with handle:
        for line_number, raw in enumerate(handle, start=1):
            text, bad = _decode(raw.rstrip(b"\r\n"), codec)
            word = text.strip().upper()
            if word == "BEGIN:VCARD":
                if lines:
                    yield number, start, lines, "no END:VCARD before the next BEGIN:VCARD"
                number, start, lines, fault = number + 1, line_number, [text], None
                continue
            if not lines:
                continue  # between cards: blank lines or text that is no card's
            lines.append(text)
            if bad is not None and fault is None:
                fault = f"line {line_number}: {bad}"
            if word == "END:VCARD":
                yield number, start, lines, fault
                lines = []
    if lines:
        yield number, start, lines, "the file ends inside this card (no END:VCARD: truncated?)"


def _decode(raw: bytes, codec: str) -> tuple[str, str | None]:
    """A line as text, in its own CHARSET if it names one; the fault if it does not decode."""
    charset = _CHARSET.search(raw.split(b":", 1)[0])
    name = codec
    if charset is not None:
        try:
            name = codecs.lookup(charset.group(1).decode("ascii")).name
        except LookupError:
            return raw.decode(codec, "surrogateescape"), f"unknown CHARSET {charset.group(1)!r}"
    try:
        return raw.decode(name), None
    except UnicodeDecodeError:
        shown = name.removesuffix("-sig")
        hint = " (give --encoding gb18030?)" if shown == "utf-8" and charset is None else ""
        return raw.decode(name, "surrogateescape"), f"bytes that are not valid {shown}{hint}"


def count_cards(path: Path) -> int:
    """How many cards the file holds (for the progress bar)."""
    with open(path, "rb") as handle:
        return sum(1 for line in handle if line.strip().upper() == b"BEGIN:VCARD")


# --------------------------------------------------------------------------- reading


class VCardSource:
    """The items of a vCard file: one per card, converted or with its fault."""

    format = "vcard"

    def __init__(self, path: Path, codec: str, *, source: str | None):
        self.ignored: list[str] = []
        self.total = count_cards(path)
        if not self.total:
            raise ImportFileError(path, "no BEGIN:VCARD line: this is not a vCard file")
        self._path, self._codec = path, codec
        self._source = source or DEFAULT_SOURCE

    def items(self) -> Iterator[Item]:
        """Every card of the file."""
        for number, start, lines, fault in split_cards(self._path, self._codec):
            item = Item(number, tuple(lines), line=start)
            if fault is not None:
                item.reason = fault
            else:
                try:
                    item.data = card_input(_parse(lines, start), source=self._source)
                except CardError as exc:
                    item.column, item.reason = exc.prop, exc.reason
            yield item

    def column_of(self, item: Item, field_path: str | None) -> str:
        """The vCard property behind a field a service named in an error."""
        parts = (field_path or "").split(".")
        if parts[0] == "contact_points" and len(parts) > 1 and item.data:
            points = item.data.get("contact_points", [])
            index = int(parts[1]) if parts[1].isdigit() else -1
            if 0 <= index < len(points):
                return _POINT_PROPERTY.get(points[index]["kind"], "TEL")
        return _PROPERTY_OF.get(parts[0], parts[0].upper())

    def prepare(self, uow: UnitOfWork, pending: list[Item], rejects: list[Reject]) -> list[Item]:
        """ORG: the organisation of that exact name, if exactly one; else a tag."""
        names = {
            item.data["organization"]
            for item in pending
            if item.data and "organization" in item.data
        }
        found: dict[str, list[int]] = {}
        if names:
            query = select(Customer.name, Customer.id).where(
                Customer.kind == ORGANIZATION, col(Customer.name).in_(names)
            )
            for name, org_id in uow.session.exec(query):
                assert org_id is not None  # a stored row's key
                found.setdefault(name, []).append(org_id)
        for item in pending:
            assert item.data is not None
            name = item.data.pop("organization", None)
            if name is None:
                continue
            ids = found.get(name, [])
            if len(ids) == 1:
                item.data["organization_id"] = ids[0]
            else:
                item.data.setdefault("tags", []).append(ORG_TAG + name)
        return pending

    def reject_writer(self, path: Path, *, append: bool) -> RejectWriter:
        """Rejected cards, as they came, in a vCard file (fix them, import it)."""
        return VCardRejectFile(path, self._codec, append=append)


class VCardRejectFile(LazyFile):
    """Each rejected card as read, with an X-GUANXI-REJECT line saying where and why."""

    def _write(self, reject: Reject) -> None:
        handle, _ = self._open()
        where = f"card {reject.row}, line {reject.line}" + (
            f", {reject.column}" if reject.column else ""
        )
        first, *rest = reject.cells
        note = f"{REJECT_PROPERTY}:{where}: {reject.reason}".replace("\n", " ")
        handle.write("\r\n".join([first, note, *rest]) + "\r\n")


def _parse(lines: list[str], start: int) -> Any:
    import vobject
    from vobject.base import ParseError

    text = "\r\n".join(lines) + "\r\n"
    try:
        return vobject.readOne(text)
    except (ParseError, ValueError, TypeError, AttributeError, IndexError) as exc:
        message = str(exc)
        line = _line_of(lines, message.partition("Failed to parse line: ")[2], start)
        where = f"line {line}: " if line else ""
        raise CardError("", f"{where}cannot be parsed ({message})") from None


def _line_of(lines: list[str], text: str, start: int) -> int | None:
    text = text.strip()
    if not text:
        return None
    return next((start + i for i, line in enumerate(lines) if line.strip() == text), None)


# --------------------------------------------------------------------------- properties


def card_input(card: Any, *, source: str) -> dict[str, Any]:
    """The service input of a parsed card; :class:`CardError` names a bad property."""
    data: dict[str, Any] = {}
    props = {name: card.contents.get(name.lower(), []) for name in _PROPERTY_NAMES}
    fn = _text(props["FN"])
    n = props["N"][0].value if props["N"] else None
    org = _org_name(props["ORG"])
    is_org = _text(props["KIND"]).lower() in ("org", "organization") or (
        _text(props["X-ABSHOWAS"]).upper() == "COMPANY"
    )
    if is_org:
        data["kind"] = ORGANIZATION
        name = fn or org
    else:
        family = (getattr(n, "family", "") or "").strip() if n is not None else ""
        given = (getattr(n, "given", "") or "").strip() if n is not None else ""
        if family:
            data["family_name"] = family
        if given:
            data["given_name"] = given
        name = fn or _joined_name(family, given)
        if org:
            data["organization"] = org
    if not name:
        raise CardError("FN", "no FN and no N: the card names nobody")
    data["name"] = name
    points = _contact_points(props)
    if points:
        data["contact_points"] = points
    _dates(props, data)
    note = _text(props["NOTE"])
    if note:
        data["care_notes"] = note
    tags = [t.strip() for p in props["CATEGORIES"] for t in _values(p.value) if t.strip()]
    if tags:
        data["tags"] = tags
    title = _text(props["TITLE"])
    if title:
        data["occupation"] = title
    gender = _gender(props["GENDER"] or props["X-GENDER"])
    if gender:
        data["gender"] = gender
    uid = _text(props["UID"])
    if uid:
        data["identities"] = [{"source": source, "external_id": uid}]
    return data


_PROPERTY_NAMES = (
    "FN", "N", "ORG", "KIND", "X-ABSHOWAS", "TEL", "EMAIL", "ADR", "URL", "BDAY",
    "ANNIVERSARY", "NOTE", "CATEGORIES", "TITLE", "GENDER", "X-GENDER", "UID",
)  # fmt: skip


def _text(props: list[Any]) -> str:
    if not props:
        return ""
    value = props[0].value
    if isinstance(value, list):
        value = ";".join(str(v) for v in value)
    return str(value).strip()


def _values(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else str(value).split(",")


def _org_name(props: list[Any]) -> str:
    if not props:
        return ""
    value = props[0].value
    first = value[0] if isinstance(value, list) and value else value
    return str(first or "").strip()


def _joined_name(family: str, given: str) -> str:
    """A name from N: Chinese as family+given without a space, others given first."""
    if _is_cjk(family + given):
        return family + given
    return " ".join(part for part in (given, family) if part)


def _is_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(char) == "W" for char in text)


def _types(prop: Any) -> list[str]:
    found = [t.lower() for value in prop.params.get("TYPE", []) for t in value.split(",")]
    found += [t.lower() for t in prop.singletonparams]
    if prop.params.get("PREF"):
        found.append("pref")
    return [t.strip().strip('"') for t in found if t.strip()]


def _contact_points(props: dict[str, list[Any]]) -> list[dict[str, Any]]:
    points: list[dict[str, Any]] = []
    for name, default_kind in (
        ("TEL", "phone"),
        ("EMAIL", "email"),
        ("ADR", "address"),
        ("URL", "web"),
    ):
        for prop in props[name]:
            types = _types(prop)
            value = _address(prop.value) if name == "ADR" else str(prop.value).strip()
            if name == "TEL":
                value = value.removeprefix("tel:")
            if not value:
                continue
            kind = "fax" if name == "TEL" and "fax" in types else default_kind
            label = next((t for t in types if t not in _NOT_LABELS and t != "fax"), None)
            points.append({"kind": kind, "value": value, "label": label, "pref": "pref" in types})
    for kind in {p["kind"] for p in points}:
        of_kind = [p for p in points if p["kind"] == kind]
        primary = next((p for p in of_kind if p["pref"]), None)
        if primary is None and kind == "phone":
            primary = next((p for p in of_kind if p["label"] in ("cell", "mobile")), None)
        (primary or of_kind[0])["primary"] = True
    for point in points:
        del point["pref"]
    return points


def _address(value: Any) -> str:
    """ADR's parts as one line: Chinese from the country down, others street first."""
    parts = [
        str(getattr(value, attr, "") or "").strip()
        for attr in ("box", "extended", "street", "city", "region", "code", "country")
    ]
    box, extended, street, city, region, code, country = parts
    if _is_cjk("".join(parts)):
        return "".join(p for p in (country, region, city, street, extended, box) if p) + (
            f" {code}" if code else ""
        )
    tail = " ".join(p for p in (region, code) if p)
    return ", ".join(p for p in (box, extended, street, city, tail, country) if p)


def _dates(props: dict[str, list[Any]], data: dict[str, Any]) -> None:
    special: list[dict[str, Any]] = []
    for name, label in (("BDAY", "birthday"), ("ANNIVERSARY", "anniversary")):
        if not props[name]:
            continue
        prop = props[name][0]
        day, has_year = _date(name, str(prop.value), prop.params.get("X-APPLE-OMIT-YEAR"))
        if name == "BDAY" and has_year:
            data["birth_date"] = day.isoformat()
        else:
            note = None if has_year else "year unknown"
            special.append({"label": label, "date": day.isoformat(), "note": note})
    if special:
        data["special_dates"] = special


def _date(prop: str, text: str, omit_year: list[str] | None) -> tuple[dt.date, bool]:
    """A vCard date and whether it has a year: 19650213, 1965-02-13, --0213, --02-13."""
    text = text.strip().split("T", 1)[0]
    try:
        match = _DATE.match(text)
        if match is not None:
            year, month, day = (int(g) for g in match.groups())
            if omit_year and str(year) == omit_year[0]:
                return dt.date(NO_YEAR, month, day), False
            return dt.date(year, month, day), True
        match = _NO_YEAR_DATE.match(text)
        if match is not None:
            return dt.date(NO_YEAR, int(match.group(1)), int(match.group(2))), False
    except ValueError:
        pass
    raise CardError(prop, f"{text!r} is not a date (19650213, 1965-02-13 or --0213)")


def _gender(props: list[Any]) -> str | None:
    text = _text(props)
    sex, _, identity = text.partition(";")
    return _GENDERS.get(sex.strip().upper()) or identity.strip() or None

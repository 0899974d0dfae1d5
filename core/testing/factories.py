"""Factories that write customers and interactions through the same services as the CLI."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from guanxi.app import App
from guanxi.services.customers import add_customer, add_customers
from guanxi.services.interactions import log_interaction, log_interactions


class CustomerFactory:
    """Creates valid customers with unique names and emails; any field can be given.

    Fields are those of :class:`guanxi.services.customers.CustomerIn`
    (``name``, ``kind``, ``emails``, ``phones``, ``tags``, ``custom`` …). Each call is
    its own unit of work, so the event hooks of the enabled plugins fire as they would
    for ``guanxi customer add``.
    """

    def __init__(self, app: App, *, as_user: str | None = None):
        self.app = app
        self.as_user = as_user
        self._serial = itertools.count(1)

    def fields(self, **overrides: Any) -> dict[str, Any]:
        """The fields of the next customer: defaults, then ``overrides``."""
        number = next(self._serial)
        fields: dict[str, Any] = {
            "name": f"测试客户{number}",
            "emails": [f"customer{number}@example.com"],
        }
        fields.update(overrides)
        return fields

    def create(self, **overrides: Any) -> int:
        """Store one customer and return its id (a bad field: ``ValidationError``)."""
        with self.app.transaction(as_user=self.as_user) as uow:
            record = add_customer(uow, check=False, **self.fields(**overrides))
        assert record.id is not None
        return record.id

    def create_many(self, count: int, **overrides: Any) -> list[int]:
        """Store ``count`` customers in one batch; return their ids in order.

        A bad row raises ``BatchValidationError`` naming the row and field.

        The duplicate check is off, so every row becomes a customer of its own (the
        defaults are unique; given ``emails`` or ``phones`` repeat on purpose).
        """
        rows = [self.fields(**overrides) for _ in range(count)]
        with self.app.transaction(as_user=self.as_user) as uow:
            records = add_customers(uow, rows, check=False)
        return [record.id for record in records if record.id is not None]


class InteractionFactory:
    """Appends valid interactions to the log; any field can be given.

    Fields are those of :class:`guanxi.services.interactions.InteractionIn`. By default
    an inbound ``core.contact`` by phone, happening now (or a minute after the previous
    one this factory logged, so a timeline's order is the order of the calls).
    """

    def __init__(self, app: App, *, as_user: str | None = None):
        self.app = app
        self.as_user = as_user
        self._clock = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def fields(self, customer_id: int, **overrides: Any) -> dict[str, Any]:
        """The fields of the next interaction: defaults, then ``overrides``."""
        self._clock += dt.timedelta(minutes=1)
        fields: dict[str, Any] = {
            "customer_id": customer_id,
            "kind": "core.contact",
            "channel": "phone",
            "occurred_at": self._clock,
        }
        fields.update(overrides)
        return fields

    def log(self, customer_id: int, **overrides: Any) -> int:
        """Append one interaction and return its id (a bad field: ``ValidationError``)."""
        with self.app.transaction(as_user=self.as_user) as uow:
            record = log_interaction(uow, **self.fields(customer_id, **overrides))
        assert record.id is not None
        return record.id

    def log_many(self, customer_id: int, count: int, **overrides: Any) -> list[int]:
        """Append ``count`` interactions in one batch; return their ids in order.

        A bad row raises ``BatchValidationError`` naming the row and field.
        """
        rows = [self.fields(customer_id, **overrides) for _ in range(count)]
        with self.app.transaction(as_user=self.as_user) as uow:
            records = log_interactions(uow, rows)
        return [record.id for record in records if record.id is not None]

"""Entities and record policies as plugins register them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from guanxi.errors import ConfigError

ACTIONS = ("read", "create", "update", "delete", "export", "erase")


@dataclass(frozen=True)
class Entity:
    """A kind of record that access control and the audit log know about.

    ``customer_column`` ties a row to the customer it concerns (``"id"`` for the
    customer table itself): a row is visible when its customer is. ``owner_column``
    names a staff column that also makes a row visible to that staff user (a task's
    assignee). ``sensitive_fields`` are masked for roles without sensitive access;
    ``personal_fields`` are what erasure must clear (the privacy scan checks it).
    """

    name: str
    plugin: str
    model: Any
    customer_column: str | None = None
    owner_column: str | None = None
    sensitive_fields: tuple[str, ...] = ()
    personal_fields: tuple[str, ...] = ()
    audited: bool = True
    description: str = ""
    # Role name → actions that role gets on this entity, so a plugin's entities are
    # usable by the standard roles without every edition restating them.
    grants: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def table(self) -> Any:
        """The SQLAlchemy table of the entity."""
        return self.model.__table__


@dataclass(frozen=True)
class RecordPolicy:
    """A named record policy: ``clause(principal, customer_table)`` → SQL condition."""

    name: str
    plugin: str
    clause: Callable[..., Any]
    description: str = ""


class AccessRegistry:
    """The entities and record policies of one application."""

    def __init__(self) -> None:
        self.entities: dict[str, Entity] = {}
        self.policies: dict[str, RecordPolicy] = {}

    def entity_for(self, model: Any) -> Entity | None:
        """The entity registered for a table class, if any."""
        for entity in self.entities.values():
            if entity.model is model:
                return entity
        return None

    def entities_registrar(self, plugin: str) -> Callable[..., None]:
        """Return the ``register(name, model, …)`` callable for ``register_entities``."""

        def register(
            name: str,
            model: Any,
            *,
            customer_column: str | None = None,
            owner_column: str | None = None,
            sensitive_fields: tuple[str, ...] | list[str] = (),
            personal_fields: tuple[str, ...] | list[str] = (),
            audited: bool = True,
            description: str = "",
            grants: dict[str, tuple[str, ...] | list[str]] | None = None,
        ) -> None:
            if name in self.entities:
                other = self.entities[name].plugin
                raise ConfigError(f"entity {name!r} is registered by both {other!r} and {plugin!r}")
            columns = set(model.__table__.c.keys())
            for column in (customer_column, owner_column, *personal_fields):
                if column is not None and column not in columns:
                    raise ConfigError(
                        f"plugin {plugin!r}: entity {name!r} has no column {column!r}"
                    )
            for role, actions in (grants or {}).items():
                unknown = set(actions) - {*ACTIONS, "*"}
                if unknown:
                    raise ConfigError(
                        f"plugin {plugin!r}: entity {name!r} grants {role!r} unknown actions "
                        f"{', '.join(sorted(unknown))}"
                    )
            self.entities[name] = Entity(
                name,
                plugin,
                model,
                customer_column,
                owner_column,
                tuple(sensitive_fields),
                tuple(personal_fields),
                audited,
                description,
                {role: tuple(actions) for role, actions in (grants or {}).items()},
            )

        return register

    def policies_registrar(self, plugin: str) -> Callable[..., None]:
        """Return the ``register(name, clause, …)`` callable for ``register_access_policies``."""

        def register(name: str, clause: Callable[..., Any], *, description: str = "") -> None:
            if name in self.policies:
                other = self.policies[name].plugin
                raise ConfigError(
                    f"record policy {name!r} is registered by both {other!r} and {plugin!r}"
                )
            self.policies[name] = RecordPolicy(name, plugin, clause, description)

        return register

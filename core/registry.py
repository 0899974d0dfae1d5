"""What plugins registered, collected per application object.

Each ``register_*`` hook receives the bound ``register`` method of one of these
collections. Registering twice under one name is an error that names both plugins, so
a conflict shows up when the application is built, not as a silent override.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from guanxi.errors import ConfigError

KIND_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
JOB_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$")


@dataclass(frozen=True)
class InteractionKind:
    """A registered interaction kind and the schema its payloads must satisfy."""

    name: str
    plugin: str
    schema: type[BaseModel] | None = None
    description: str = ""
    default_channel: str | None = None


@dataclass(frozen=True)
class Job:
    """A scheduled job: ``func(uow, due_at)`` run by ``guanxi jobs run-due``."""

    name: str
    plugin: str
    func: Callable[..., Any]
    every: dt.timedelta | None = None
    daily_at: dt.time | None = None
    description: str = ""


@dataclass(frozen=True)
class Report:
    """A named report: ``func(uow, **options) -> dict``."""

    name: str
    plugin: str
    func: Callable[..., Any]
    description: str = ""


@dataclass(frozen=True)
class ModelRegistration:
    """A plugin's tables and the folder of its Alembic branch."""

    plugin: str
    tables: tuple[Any, ...]
    migrations: Path | None


@dataclass
class Section:
    """A section of the customer 360 view contributed by a plugin."""

    title: str
    rows: list[tuple[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class CustomField:
    """One custom field: its name, the plugin (or edition) that declared it, its model."""

    name: str
    plugin: str
    model: type[BaseModel]


class Registry:
    """Everything the enabled plugins registered for one application."""

    def __init__(self) -> None:
        self.settings_models: dict[str, tuple[str, type[BaseModel]]] = {}
        self.interaction_kinds: dict[str, InteractionKind] = {}
        self.custom_fields: dict[str, CustomField] = {}
        self.jobs: dict[str, Job] = {}
        self.reports: dict[str, Report] = {}
        self.models: list[ModelRegistration] = []
        self.template_dirs: list[Path] = []

    # Each ``*_registrar`` returns the ``register`` callable handed to one plugin's hook,
    # bound to the plugin's name so a conflict can name both sides.

    def settings_registrar(self, plugin: str) -> Callable[..., None]:
        """Return the ``register(section, model)`` callable for ``register_settings``."""

        def register(section: str, model: type[BaseModel]) -> None:
            if section in self.settings_models:
                other = self.settings_models[section][0]
                raise ConfigError(
                    f"settings section {section!r} is declared by both {other!r} and {plugin!r}"
                )
            self.settings_models[section] = (plugin, model)

        return register

    def kinds_registrar(self, plugin: str) -> Callable[..., None]:
        """Return the ``register(kind, …)`` callable for ``register_interaction_kinds``."""

        def register(
            kind: str,
            *,
            schema: type[BaseModel] | None = None,
            description: str = "",
            default_channel: str | None = None,
        ) -> None:
            if not KIND_PATTERN.match(kind):
                raise ConfigError(
                    f"plugin {plugin!r}: interaction kind {kind!r} must be namespaced, "
                    "like 'sales.order'"
                )
            if kind in self.interaction_kinds:
                other = self.interaction_kinds[kind].plugin
                raise ConfigError(
                    f"interaction kind {kind!r} is registered by both {other!r} and {plugin!r}"
                )
            self.interaction_kinds[kind] = InteractionKind(
                kind, plugin, schema, description, default_channel
            )

        return register

    def custom_fields_registrar(self, plugin: str) -> Callable[..., None]:
        """Return the ``register(model)`` callable for ``register_custom_fields``."""

        def register(model: type[BaseModel], *, entity: str = "customer") -> None:
            if entity != "customer":
                raise ConfigError(
                    f"plugin {plugin!r}: custom fields on {entity!r} are not supported; "
                    "plugins keep their own entities' fields in their own tables"
                )
            for name in model.model_fields:
                if name in self.custom_fields:
                    other = self.custom_fields[name].plugin
                    raise ConfigError(
                        f"custom field {name!r} is declared by both {other!r} and {plugin!r}"
                    )
                self.custom_fields[name] = CustomField(name, plugin, model)

        return register

    def jobs_registrar(self, plugin: str) -> Callable[..., None]:
        """Return the ``register(name, func, …)`` callable for ``register_jobs``."""

        def register(
            name: str,
            func: Callable[..., Any],
            *,
            every: dt.timedelta | None = None,
            daily_at: str | None = None,
            description: str = "",
        ) -> None:
            if not JOB_NAME_PATTERN.match(name):
                raise ConfigError(f"plugin {plugin!r}: job name {name!r} must be namespaced")
            if (every is None) == (daily_at is None):
                raise ConfigError(f"job {name!r}: give exactly one of every= or daily_at=")
            if every is not None and every <= dt.timedelta(0):
                raise ConfigError(f"job {name!r}: every= must be positive")
            at = None
            if daily_at is not None:
                try:
                    at = dt.time.fromisoformat(daily_at)
                except ValueError as exc:
                    raise ConfigError(f"job {name!r}: daily_at {daily_at!r} is not HH:MM") from exc
            if name in self.jobs:
                other = self.jobs[name].plugin
                raise ConfigError(f"job {name!r} is registered by both {other!r} and {plugin!r}")
            self.jobs[name] = Job(name, plugin, func, every, at, description)

        return register

    def reports_registrar(self, plugin: str) -> Callable[..., None]:
        """Return the ``register(name, func, …)`` callable for ``register_reports``."""

        def register(name: str, func: Callable[..., Any], *, description: str = "") -> None:
            if name in self.reports:
                other = self.reports[name].plugin
                raise ConfigError(f"report {name!r} is registered by both {other!r} and {plugin!r}")
            self.reports[name] = Report(name, plugin, func, description)

        return register

    def models_registrar(self, plugin: str) -> Callable[..., None]:
        """Return the ``register(*tables, migrations=…)`` callable for ``register_models``."""

        def register(*tables: Any, migrations: Path | str | None = None) -> None:
            folder = Path(migrations) if migrations is not None else None
            if folder is not None and not folder.is_dir():
                raise ConfigError(f"plugin {plugin!r}: migrations folder {folder} does not exist")
            self.models.append(ModelRegistration(plugin, tuple(tables), folder))

        return register

    def templates_registrar(self, plugin: str) -> Callable[..., None]:
        """Return the ``register(path)`` callable for ``register_templates``."""

        def register(path: Path | str) -> None:
            folder = Path(path)
            if not folder.is_dir():
                raise ConfigError(f"plugin {plugin!r}: template folder {folder} does not exist")
            self.template_dirs.append(folder)

        return register

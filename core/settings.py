"""Layered settings: flag > ``GUANXI_*`` environment > guanxi.toml > edition > defaults.

Every section (the core's and each plugin's) is a pydantic model whose fields have
defaults and descriptions. Values from each layer are merged field by field, the model
validates the result, and the layer each value came from is kept so ``guanxi config
show`` can say where a value came from.

Environment names: ``GUANXI_<FIELD>`` for the core section, ``GUANXI_<SECTION>__<FIELD>``
for a plugin's (the double underscore is pydantic-settings' convention).
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_origin

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from guanxi.errors import ConfigError

PROJECT_FILE = "guanxi.toml"
CORE_SECTION = "core"
DEFAULT_SOURCE = "default"

DEFAULT_ROLES = [
    "customer",
    "prospect",
    "partner",
    "distributor",
    "dealer",
    "supplier",
    "competitor",
    "internal",
    "government",
    "media",
    "consultant",
    "influencer",
    "member",
]
DEFAULT_STAGES = ["suspect", "prospect", "lead", "customer", "loyal", "at_risk", "churned"]
DEFAULT_CHANNELS = [
    "phone",
    "email",
    "fax",
    "web",
    "visit",
    "sms",
    "social",
    "chat",
    "pos",
    "letter",
    "event",
    "dealer",
    "other",
]


class CoreSettings(BaseModel):
    """The core's settings (section ``[core]`` of guanxi.toml)."""

    database_url: str = Field(
        "sqlite:///guanxi.db",
        description="SQLAlchemy URL; a relative SQLite path is relative to the project folder",
    )
    timezone: str = Field("UTC", description="IANA time zone used to display times")
    default_region: str = Field(
        "CN", description="Region used to read phone numbers written without +country code"
    )
    currency: str = Field("CNY", description="Currency of amounts that name none")
    language: str = Field("zh", description="Language of labels: zh or en")
    roles: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ROLES),
        description="Roles a customer may hold; the first is the default of a new one",
    )
    lifecycle_stages: list[str] = Field(
        default_factory=lambda: list(DEFAULT_STAGES), description="Lifecycle stages, in order"
    )
    default_stage: str = Field("prospect", description="Stage of a new customer that names none")
    channels: list[str] = Field(
        default_factory=lambda: list(DEFAULT_CHANNELS), description="Interaction channels"
    )
    acting_user: str | None = Field(
        None, description="Staff username the command line acts as (--as overrides)"
    )


class WebSettings(BaseModel):
    """The HTTP API and web console (section ``[web]``)."""

    host: str = Field("127.0.0.1", description="Address guanxi serve listens on")
    port: int = Field(8000, ge=1, le=65535, description="Port guanxi serve listens on")
    workers: int = Field(1, ge=1, le=64, description="Worker processes of guanxi serve")
    threads: int = Field(
        2, ge=1, le=64, description="Request handler threads per worker process"
    )
    session_hours: int = Field(12, ge=1, description="How long a console login lasts")
    login_failures_allowed: int = Field(
        5,
        ge=0,
        description="Failed console logins in a row from one address before it must wait"
        " (0: no limit)",
    )
    login_cooldown_seconds: float = Field(
        60.0, ge=0, description="How long an address that failed too often must wait"
    )
    auth_cache_seconds: float = Field(
        5.0,
        ge=0,
        description="How long a checked token's user and roles are reused before a re-check",
    )
    page_size: int = Field(50, ge=1, le=1000, description="Default size of an API listing page")
    max_page_size: int = Field(500, ge=1, le=5000, description="Largest page an API client may ask")
    languages: list[str] = Field(
        default_factory=lambda: ["zh", "en"], description="Languages the console offers"
    )


@dataclass
class Layer:
    """One source of settings: a label and values by section and field."""

    source: str
    values: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class ResolvedSection:
    """A section's validated settings and, per field, the layer its value came from."""

    model: BaseModel
    sources: dict[str, str]


def read_project_file(path: Path) -> dict[str, Any]:
    """Read guanxi.toml; a syntax error names the file and line."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def env_var(section: str, name: str) -> str:
    """The environment variable of a setting: ``GUANXI_TIMEZONE``, ``GUANXI_SALES__STAGES``."""
    if section == CORE_SECTION:
        return f"GUANXI_{name.upper()}"
    return f"GUANXI_{section.upper()}__{name.upper()}"


def env_layer(
    models: Mapping[str, type[BaseModel]], environ: Mapping[str, str] | None = None
) -> Layer:
    """Collect ``GUANXI_*`` variables for every field of every known section."""
    environ = os.environ if environ is None else environ
    layer = Layer("environment")
    for section, model in models.items():
        for name, info in model.model_fields.items():
            var = env_var(section, name)
            if var in environ:
                raw = environ[var]
                value: Any = raw
                if get_origin(info.annotation) in (list, tuple):
                    try:
                        value = json.loads(raw)
                    except json.JSONDecodeError:
                        value = [part.strip() for part in raw.split(",") if part.strip()]
                layer.values.setdefault(section, {})[name] = value
    return layer


def resolve_section(section: str, model: type[BaseModel], layers: list[Layer]) -> ResolvedSection:
    """Merge ``layers`` (lowest first) for one section and validate the result.

    An unknown key or a bad value raises :class:`ConfigError` naming the section, the
    field and the layer it came from.
    """
    merged: dict[str, Any] = {}
    sources = {name: DEFAULT_SOURCE for name in model.model_fields}
    for layer in layers:
        for name, value in layer.values.get(section, {}).items():
            if name not in model.model_fields:
                raise ConfigError(f"{layer.source}: unknown setting {section}.{name}")
            merged[name] = value
            sources[name] = layer.source
    try:
        return ResolvedSection(model.model_validate(merged), sources)
    except PydanticValidationError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error["loc"])
        origin = sources.get(str(error["loc"][0]), DEFAULT_SOURCE)
        raise ConfigError(f"{origin}: setting {section}.{name}: {error['msg']}") from exc

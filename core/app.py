"""The application object: one edition, its plugins, settings and database.

Everything that used to be global in older CRMs lives here: the plugin manager, the
registrations, the settings. ``create_app`` is a factory (pluggy's eggsample host is the
model), so two editions can live in one process and tests need no reload tricks.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jinja2
import pluggy
from pydantic import BaseModel, ConfigDict, create_model
from sqlalchemy import Engine
from sqlmodel import Session

from guanxi.access.principal import SYSTEM, Principal, load_principal
from guanxi.access.registry import AccessRegistry
from guanxi.editions import Edition, load_edition
from guanxi.errors import AccessDenied, ConfigError
from guanxi.plugins import LoadedPlugin, PluginLoader, discover_entry_points, make_plugin_manager
from guanxi.registry import Registry
from guanxi.settings import (
    CORE_SECTION,
    PROJECT_FILE,
    CoreSettings,
    Layer,
    ResolvedSection,
    env_layer,
    read_project_file,
    resolve_section,
)

DEFAULT_EDITION = "generic"
# Keys of guanxi.toml that are not settings sections.
PROJECT_KEYS = {"edition", "plugins"}


class UnitOfWork:
    """One transaction: the session, the app, the acting principal and "now".

    Service functions take it as their first argument; event hooks receive it, so what a
    plugin writes in reaction to an event commits or rolls back with the event itself.
    """

    def __init__(
        self,
        app: App,
        session: Session,
        *,
        principal: Principal,
        now: dt.datetime,
        read_only: bool = False,
    ):
        self.app = app
        self.session = session
        self.principal = principal
        self.now = now
        self.read_only = read_only
        # Audit entries a read-only unit of work owes (who read sensitive fields): written
        # by App.transaction in a short write transaction once the read has ended.
        self.deferred_audit: list[Any] = []

    def today(self) -> dt.date:
        """Today's date in the edition's display time zone (``now`` seen locally).

        Due dates, "days since" and daily reports are about the calendar day where the
        users are, not the UTC one.
        """
        return self.now.astimezone(self.app.tz).date()

    @property
    def actor_id(self) -> int | None:
        """The acting staff user's id (None for the system)."""
        return self.principal.staff_id

    @property
    def hook(self) -> Any:
        """The application's pluggy hook relay (``uow.hook.customers_created(...)``)."""
        return self.app.hook


class App:
    """A guanxi application: build it with :func:`create_app`."""

    def __init__(
        self,
        *,
        project_dir: Path,
        edition: Edition,
        pm: pluggy.PluginManager,
        plugins: dict[str, LoadedPlugin],
        inactive_plugins: dict[str, str] | None = None,
        registry: Registry,
        access: AccessRegistry,
        sections: dict[str, ResolvedSection],
    ):
        self.project_dir = project_dir
        self.edition = edition
        self.pm = pm
        self.plugins = plugins
        # Enabled bridges left inactive because a plugin they link is not enabled: why.
        self.inactive_plugins = dict(inactive_plugins or {})
        self.registry = registry
        self.access = access
        self._sections = sections
        self._engine: Engine | None = None
        self._read_engine: Engine | None = None

    @property
    def hook(self) -> Any:
        """The pluggy hook relay."""
        return self.pm.hook

    @property
    def settings(self) -> CoreSettings:
        """The core's resolved settings."""
        model = self._sections[CORE_SECTION].model
        assert isinstance(model, CoreSettings)
        return model

    def settings_for(self, section: str) -> Any:
        """The resolved settings model of a plugin's section."""
        try:
            return self._sections[section].model
        except KeyError:
            raise ConfigError(f"no settings section {section!r}") from None

    def setting_sources(self) -> dict[str, ResolvedSection]:
        """Every section's values with the layer each came from (for ``config show``)."""
        return dict(self._sections)

    @cached_property
    def tz(self) -> ZoneInfo:
        """The display time zone of the edition."""
        return ZoneInfo(self.settings.timezone)

    @cached_property
    def custom_fields_model(self) -> type[BaseModel]:
        """One model of every registered custom field; unknown fields are refused."""
        fields: dict[str, Any] = {}
        for name, custom in self.registry.custom_fields.items():
            info = custom.model.model_fields[name]
            fields[name] = (info.annotation, info)
        return create_model(
            "CustomFields", __config__=ConfigDict(extra="forbid", strict=False), **fields
        )

    @cached_property
    def templates(self) -> jinja2.Environment:
        """Jinja2 templates: the edition's folder first, then plugins' in load order.

        A template is named by path (``"sales/quote.html"``); the first folder that has
        it wins, which is how an edition overrides a plugin's layout. HTML and XML
        templates are autoescaped.
        """
        loader = jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(str(folder)) for folder in self.registry.template_dirs]
        )
        return jinja2.Environment(
            loader=loader,
            autoescape=jinja2.select_autoescape(["html", "htm", "xml"]),
            undefined=jinja2.StrictUndefined,
        )

    def render(self, template: str, **context: Any) -> str:
        """Render a template by name with the edition and terminology in its context."""
        return self.templates.get_template(template).render(
            edition=self.edition, term=self.edition.term, **context
        )

    @property
    def engine(self) -> Engine:
        """The database engine, connected on first use."""
        if self._engine is None:
            from guanxi.db.engine import make_engine

            self._engine = make_engine(self.settings.database_url, base_dir=self.project_dir)
        return self._engine

    @property
    def read_engine(self) -> Engine:
        """The engine for read-only transactions: the same pool, marked read-only."""
        if self._read_engine is None:
            from guanxi.db.engine import READ_ONLY

            self._read_engine = self.engine.execution_options(**{READ_ONLY: True})
        return self._read_engine

    def close(self) -> None:
        """Dispose of the engine's connections."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
            self._read_engine = None

    def now(self) -> dt.datetime:
        """The current time, timezone-aware UTC."""
        return dt.datetime.now(dt.UTC)

    @contextmanager
    def transaction(
        self,
        *,
        as_user: str | None = None,
        principal: Principal | None = None,
        now: dt.datetime | None = None,
        read_only: bool = False,
    ) -> Iterator[UnitOfWork]:
        """Run a unit of work: commit when the block ends, roll back if it raises.

        It acts as the staff user ``as_user`` (whose roles and record policies then
        apply to every query), as ``principal``, or by default as the system. A refusal
        (:class:`AccessDenied`) is audited after the rollback, so it is kept.

        ``read_only`` units of work do not take SQLite's write lock (so readers never
        queue behind each other or a writer) and the database refuses any write in them
        (``PRAGMA query_only``, PostgreSQL's ``READ ONLY``). The audit entries of what
        they read are written afterwards, in a write transaction of their own, before
        the block's caller gets control back (decision 20).
        """
        from guanxi import audit
        from guanxi.access.enforce import install

        when = now or self.now()
        acting = principal
        bind = self.read_engine if read_only else self.engine
        try:
            with Session(bind, expire_on_commit=False) as session, session.begin():
                if acting is None:
                    acting = SYSTEM if as_user is None else load_principal(self, session, as_user)
                uow = UnitOfWork(self, session, principal=acting, now=when, read_only=read_only)
                session.info["uow"] = uow
                install(uow)
                if not read_only:  # nothing flushes in a read-only one (and listening costs)
                    audit.install(uow)
                yield uow
        except AccessDenied as exc:
            if acting is not None:
                self._audit_refusal(acting, exc)
            raise
        if uow.deferred_audit:
            assert acting is not None
            with Session(self.engine) as session, session.begin():
                writer = UnitOfWork(self, session, principal=acting, now=when)
                audit.record(writer, uow.deferred_audit)

    def _audit_refusal(self, principal: Principal, exc: AccessDenied) -> None:
        from guanxi import audit

        with Session(self.engine) as session, session.begin():
            uow = UnitOfWork(self, session, principal=principal, now=self.now())
            audit.record(uow, [audit.Event("denied", exc.entity or "-", detail=str(exc))])

    def local_time(self, value: dt.datetime) -> dt.datetime:
        """``value`` in the edition's display time zone."""
        return value.astimezone(self.tz)


def _plugin_lists(project: Mapping[str, Any], environ: Mapping[str, str]) -> tuple[set, set]:
    section = project.get("plugins", {})
    enable = set(section.get("enable", []))
    disable = set(section.get("disable", []))
    enable |= {p.strip() for p in environ.get("GUANXI_PLUGINS", "").split(",") if p.strip()}
    disable |= {
        p.strip() for p in environ.get("GUANXI_DISABLED_PLUGINS", "").split(",") if p.strip()
    }
    return enable, disable


# The registration hooks the core calls itself, once per plugin in load order, instead of
# through pluggy's last-registered-first call; each with where its registrar comes from.
_Registrar = Callable[[Registry, AccessRegistry], Callable[[str], Callable[..., Any]]]
_REGISTRARS: dict[str, _Registrar] = {
    "register_entities": lambda registry, access: access.entities_registrar,
    "register_access_policies": lambda registry, access: access.policies_registrar,
    "register_settings": lambda registry, access: registry.settings_registrar,
    "register_interaction_kinds": lambda registry, access: registry.kinds_registrar,
    "register_custom_fields": lambda registry, access: registry.custom_fields_registrar,
    "register_models": lambda registry, access: registry.models_registrar,
    "register_jobs": lambda registry, access: registry.jobs_registrar,
    "register_templates": lambda registry, access: registry.templates_registrar,
    "register_reports": lambda registry, access: registry.reports_registrar,
}
# register_routes is called in load order too, but by the web application when it is
# built (guanxi.web), so the command line never imports the web stack.
LOAD_ORDER_HOOKS = (*_REGISTRARS, "register_routes")


def _call_registrations(
    pm: pluggy.PluginManager, registry: Registry, access: AccessRegistry
) -> None:
    """Call each ``register_*`` hook once per plugin with a ``register`` bound to it."""
    for hook_name, registrar_of in _REGISTRARS.items():
        registrar = registrar_of(registry, access)
        # get_hookimpls() lists implementations in registration (= load) order.
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            impl.function(register=registrar(impl.plugin_name))


def create_app(
    project_dir: Path | str | None = None,
    *,
    edition: str | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    plugins: Iterable[ModuleType | Any] = (),
    enable: Iterable[str] = (),
    disable: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
    entry_points: bool = True,
    edition_plugins: bool = True,
) -> App:
    """Build an application.

    ``project_dir`` holds guanxi.toml (default: the current folder). ``edition`` is a
    name or folder (default: guanxi.toml's, ``GUANXI_EDITION``, then ``generic``).
    ``settings`` are the highest layer (command-line flags) by section. ``plugins`` are
    plugin modules or objects given directly (tests, embedding); with ``enable`` they
    are enabled like installed ones. ``entry_points=False`` ignores installed plugins.
    ``edition_plugins=False`` leaves out the plugins the edition enables, so only those
    enabled otherwise, and what they require, are loaded (the test kit's exact sets).
    """
    from guanxi import core_plugin

    environ = os.environ if environ is None else environ
    base = Path(project_dir) if project_dir is not None else Path.cwd()
    project_file = base / PROJECT_FILE
    project = read_project_file(project_file) if project_file.is_file() else {}

    edition_name = edition or environ.get("GUANXI_EDITION") or project.get("edition")
    the_edition = load_edition(edition_name or DEFAULT_EDITION, base_dir=base)

    more_enable, more_disable = _plugin_lists(project, environ)
    wanted = dict(the_edition.plugins) if edition_plugins else {}
    for name in [*more_enable, *enable]:
        wanted.setdefault(name, "")
    disabled = more_disable | set(disable)
    for name in disabled:
        wanted.pop(name, None)  # an admin may switch off what the edition enables

    pm = make_plugin_manager()
    loader = PluginLoader(
        pm, available=discover_entry_points() if entry_points else {}, given=plugins
    )
    loaded = loader.load(wanted, core=core_plugin, disabled=disabled)

    registry = Registry()
    access = AccessRegistry()
    _call_registrations(pm, registry, access)
    edition_fields = the_edition.custom_fields_model()
    if edition_fields is not None:
        registry.custom_fields_registrar(f"edition:{the_edition.name}")(edition_fields)
    if the_edition.template_dir is not None:
        registry.template_dirs.insert(0, the_edition.template_dir)

    models = {section: model for section, (_, model) in registry.settings_models.items()}
    project_values = {k: v for k, v in project.items() if k not in PROJECT_KEYS}
    for section in project_values:
        if section not in models:
            raise ConfigError(f"{project_file}: unknown settings section [{section}]")
    layers = [
        Layer(f"edition {the_edition.name}", the_edition.settings),
        Layer(PROJECT_FILE, project_values),
        env_layer(models, environ),
        Layer("command line", {k: dict(v) for k, v in (settings or {}).items()}),
    ]
    sections = {
        section: resolve_section(section, model, layers) for section, model in models.items()
    }
    core = sections[CORE_SECTION].model
    assert isinstance(core, CoreSettings)
    _check_core_settings(core)
    _check_kind_channels(core, registry)

    app = App(
        project_dir=base,
        edition=the_edition,
        pm=pm,
        plugins=loaded,
        inactive_plugins=loader.inactive,
        registry=registry,
        access=access,
        sections=sections,
    )
    from guanxi.access.enforce import check_roles

    check_roles(app)
    app.hook.app_ready(app=app)
    return app


def _check_kind_channels(core: CoreSettings, registry: Registry) -> None:
    """An edition that narrows ``core.channels`` must keep the ones its kinds log on.

    Otherwise the first ``marketing.lead_captured`` (channel ``web``) would fail at run
    time, deep inside an import or a job, instead of here with the plugin's name.
    """
    missing: dict[str, str] = {}
    for kind in registry.interaction_kinds.values():
        channel = kind.default_channel
        if channel is not None and channel not in core.channels:
            missing.setdefault(channel, f"{kind.plugin} logs {kind.name} on it")
    if missing:
        needed = "; ".join(f"{channel!r} ({why})" for channel, why in sorted(missing.items()))
        raise ConfigError(f"setting core.channels: add the channels the plugins need: {needed}")


def _check_core_settings(core: CoreSettings) -> None:
    try:
        ZoneInfo(core.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"setting core.timezone: unknown time zone {core.timezone!r}") from exc
    if core.default_stage not in core.lifecycle_stages:
        raise ConfigError(
            f"setting core.default_stage: {core.default_stage!r} is not one of the lifecycle stages"
        )

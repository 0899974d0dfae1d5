"""Hook specifications: everything a plugin can contribute to or react to.

Three families (docs/plugin-hooks.md has the same list with examples; a test keeps the
two in step):

* **registration** hooks, ``register_*(register)``, called once when an application is
  built; the plugin calls ``register(...)`` for each thing it contributes. No global
  registries: what is registered belongs to that application object.
* **event** hooks, fired inside the unit of work that caused the event, always with a
  batch (a list), so a bulk import of a million rows fires a few hundred calls, not a
  million. An exception raised by an implementation rolls back the whole unit of work.
* **query** hooks, asked for contributions (customer 360 sections, score parts); they
  return a value and pluggy collects the list.

Hook names carry no prefix (``register_commands``, not ``guanxi_register_commands``);
the marker's project name ``"guanxi"`` keeps them apart from other pluggy users.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import random

    import click

    from guanxi.app import App, UnitOfWork
    from guanxi.records import CustomerChange, CustomerRecord, InteractionRecord
    from guanxi.registry import Section

hookspec = pluggy.HookspecMarker("guanxi")
hookimpl = pluggy.HookimplMarker("guanxi")


# --------------------------------------------------------------------------- registration


@hookspec
def register_settings(register: Callable[..., None]) -> None:
    """Declare the plugin's settings.

    Fires once while the application is built, before settings are resolved.

    ``register(section, model)``: ``section`` is the name of the table in guanxi.toml and
    the middle of the environment variable names (``GUANXI_<SECTION>__<FIELD>``);
    ``model`` is a pydantic model whose fields all have defaults and descriptions. The
    resolved values are then ``app.settings_for(section)``. Returns nothing.
    """


@hookspec
def register_custom_fields(register: Callable[..., None]) -> None:
    """Declare typed custom fields on the customer record.

    Fires once while the application is built. ``register(model, *, entity="customer")``
    with a pydantic model: every field of it becomes a custom field, validated on every
    write of a customer. Two plugins declaring the same field name is an error naming
    both. Editions declare theirs as data and come through the same path. Returns
    nothing.
    """


@hookspec
def register_interaction_kinds(register: Callable[..., None]) -> None:
    """Declare the kinds of interaction the plugin logs.

    Fires once while the application is built. ``register(kind, *, schema=None,
    description="", default_channel=None)``: ``kind`` is namespaced
    (``"sales.order"``, ``"hospital.visit"``); ``schema`` is a pydantic model that every
    payload of that kind must satisfy. Logging an unregistered kind is an error.
    Returns nothing.
    """


@hookspec
def register_models(register: Callable[..., None]) -> None:
    """Declare the plugin's tables and their migrations.

    Fires once while the application is built. ``register(*tables, migrations=None)``:
    ``tables`` are SQLModel table classes; ``migrations`` is the folder of the plugin's
    Alembic branch (its first revision has ``branch_labels = ("<plugin name>",)`` and
    ``depends_on = "core"``). ``guanxi db upgrade`` applies every enabled plugin's
    branch. Returns nothing.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands or command groups to the ``guanxi`` command line.

    Fires when the CLI starts, after plugins are loaded. ``cli`` is the root click
    group; add a group named after the plugin (``@cli.group() def sales(): …``).
    Returns nothing.
    """


@hookspec
def register_jobs(register: Callable[..., None]) -> None:
    """Declare scheduled jobs for ``guanxi jobs run-due``.

    Fires once while the application is built. ``register(name, func, *, every=None,
    daily_at=None, description="")``: ``func(uow, due_at)`` does the work inside one
    unit of work; ``every`` is a ``datetime.timedelta``, ``daily_at`` an ``"HH:MM"``
    in the edition's display time zone. Names are namespaced (``"service.sla_check"``).
    Returns nothing.
    """


@hookspec
def register_templates(register: Callable[..., None]) -> None:
    """Add folders of Jinja2 templates.

    Fires once while the application is built. ``register(path)``. An edition's
    template folder is searched first, then plugins' in load order, then the core's, so
    an edition overrides a plugin's ``sales/quote.html`` by shipping its own. Returns
    nothing.
    """


@hookspec
def register_reports(register: Callable[..., None]) -> None:
    """Declare reports that ``guanxi report`` and later the web console can run.

    Fires once while the application is built. ``register(name, func, *,
    description="")`` with ``func(uow, **options) -> dict``. Returns nothing.
    """


@hookspec
def register_routes(register: Callable[..., None]) -> None:
    """Add HTTP routes: JSON API endpoints and web console pages.

    Fires when the web application is built (``guanxi serve``, ``guanxi.web``), once per
    plugin in load order; never for command-line use, so the CLI does not import the web
    stack. ``register(router, *, console=False, nav=(), messages=None)``: ``router`` is
    a FastAPI ``APIRouter``. An API router is mounted under ``/api`` (give it the prefix
    ``/<plugin>``); a console router (``console=True``) at the site root, its pages
    rendered with :func:`guanxi.web.console.render`. ``nav`` is a sequence of
    :class:`guanxi.web.registry.NavItem` for the console's menu; ``messages`` maps a
    language (``"zh"``, ``"en"``) to the plugin's translated strings by key. Handlers
    take :data:`guanxi.web.ApiContext` or :data:`guanxi.web.ConsoleContext` and work in
    ``ctx.transaction()``, so the user's permissions and record policies apply. Returns
    nothing.
    """


@hookspec
def register_entities(register: Callable[..., None]) -> None:
    """Declare the plugin's entities to access control, the audit log and privacy.

    Fires once while the application is built. ``register(name, model, *,
    customer_column=None, owner_column=None, sensitive_fields=(), personal_fields=(),
    audited=True, description="", grants=None)``: ``model`` is a table class;
    ``customer_column`` ties a row to its customer (a row is visible to whoever sees that
    customer);
    ``owner_column`` names a staff column that also makes the row visible to that staff
    user; ``personal_fields`` are columns erasure must clear. Permissions are then
    ``<name>:<action>`` for the actions read, create, update, delete, export and erase;
    ``grants`` maps role names to the actions that role gets on the entity
    (``{"agent": ("read", "create"), "manager": ("*",)}``), so the standard roles can use a
    plugin's entities without every edition restating them. Every ORM write of an
    audited entity is audited with its old and new values. Returns nothing.
    """


@hookspec
def register_access_policies(register: Callable[..., None]) -> None:
    """Declare record policies that roles can name besides own, team, department, unowned.

    Fires once while the application is built. ``register(name, clause, *,
    description="")`` with ``clause(principal, customer_table)`` returning a SQL condition
    on the customer table (``customer_table.c.id.in_(select(...))``), for example "the
    patients of my care team". Returns nothing.
    """


@hookspec
def demo_data(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Add this plugin's part of an edition's deterministic demo data.

    Fires once from ``guanxi init --demo`` after the core has created the demo staff,
    customers and interactions, inside the same unit of work. ``rng`` is seeded by the
    edition so every run produces the same data; ``customers`` are the demo customers.
    Returns nothing.
    """


# --------------------------------------------------------------------------- events


@hookspec
def app_ready(app: App) -> None:
    """The application object is built: plugins loaded, settings resolved.

    Fires once per application, before any command runs. Use it to check settings that
    depend on another plugin's registrations. Returns nothing.
    """


@hookspec
def customers_created(uow: UnitOfWork, customers: list[CustomerRecord]) -> None:
    """Customers were created (one or a whole import batch).

    Fires inside the unit of work that inserted them, after the rows are written; an
    exception rolls everything back. ``customers`` are the validated records with their
    new ids. Returns nothing.
    """


@hookspec
def customers_updated(uow: UnitOfWork, changes: list[CustomerChange]) -> None:
    """Customers were changed.

    Fires inside the unit of work, after the rows are written. Each change has
    ``customer_id`` and ``before``/``after`` dicts holding only the changed fields.
    Returns nothing.
    """


@hookspec
def customers_merged(uow: UnitOfWork, survivor_id: int, merged_ids: list[int]) -> None:
    """Duplicate customers were merged into ``survivor_id``.

    Fires inside the merge's unit of work (:func:`guanxi.identity.merge.merge_customers`),
    after the core moved every row of every table that points at a customer (the
    plugins' tables too: their foreign keys to ``customer.id`` and their entities'
    ``customer_column`` are found in the metadata) and took the survivor's field
    values, and before the merged customer rows are deleted. Rows the core could not
    move because the survivor already has one (a one-row-per-customer table, a unique
    key that includes the customer column) still point at ``merged_ids``: combine them
    into the survivor's row here (add up a balance); whatever still points at a merged
    id afterwards is dropped, kept whole in the merge's journal. Do what moving rows
    cannot do (recompute a score); never edit the interaction log. Everything an
    implementation changes, deletes or creates is journalled, and undone exactly by
    :func:`guanxi.identity.merge.undo_merge`. Returns nothing.
    """


@hookspec
def customers_unmerged(uow: UnitOfWork, survivor_id: int, restored_ids: list[int]) -> None:
    """A merge was undone: ``restored_ids`` exist again beside ``survivor_id``.

    Fires inside the undo's unit of work, after the core restored the retired customer
    rows with their ids, put back every row the merge moved, changed, deleted or
    created (what ``customers_merged`` implementations did included), restored the
    survivor's fields and recomputed the rollups of all of them. Rows created since the
    merge stay with the survivor. Recompute here what you derive from rows that moved
    back (a balance from a ledger, a cached score). Returns nothing.
    """


@hookspec
def interactions_logged(uow: UnitOfWork, interactions: list[InteractionRecord]) -> None:
    """Interactions were appended to the log (one or a whole import batch).

    Fires inside the unit of work that inserted them, after rollups were updated; an
    exception rolls the batch back. This is the bus between plugins: analytics reads
    what sales logged without importing it. Returns nothing.
    """


@hookspec
def erase_personal_data(uow: UnitOfWork, customer_id: int) -> None:
    """Anonymise what the plugin holds about a customer who is being erased.

    Fires inside the erasure's unit of work, before the core anonymises its own rows (so
    the record and its contact points can still be read, to find rows that match the
    person's email or phone) and before the person's audit entries are blanked and the
    erasure itself is audited (so what a plugin changes through the ORM is blanked too).
    Clear or replace personal values; keep amounts, counts and dates so aggregates stay
    intact. An exception aborts the whole erasure. Returns nothing.
    """


# --------------------------------------------------------------------------- queries


@hookspec
def customer_360_sections(uow: UnitOfWork, customer: CustomerRecord) -> Section | None:
    """Contribute a section to a customer's 360 view.

    Fires when the view is built (``guanxi customer show``). Return a
    :class:`guanxi.registry.Section` (title, rows of label/value, optional items) or
    ``None`` to add nothing. All results are shown, in plugin load order.
    """


@hookspec
def customer_score_contributions(
    uow: UnitOfWork, customer: CustomerRecord
) -> list[tuple[str, float, str]] | None:
    """Contribute parts of a customer's score.

    Fires when a score is asked for. Return a list of ``(component, points, reason)``
    tuples, or ``None``. The score is the sum of every plugin's points; the reasons make
    it explainable.
    """


@hookspec
def personal_data(uow: UnitOfWork, customer_id: int) -> dict[str, Any] | None:
    """Contribute what the plugin holds about a customer to a personal-data export.

    Fires when ``guanxi privacy export`` (or the API) exports a customer's data. Return a
    JSON-ready dict (it appears under the plugin's name), or ``None`` if the plugin holds
    nothing about the customer. Every result is kept.
    """


HOOK_FAMILIES: dict[str, tuple[str, ...]] = {
    "registration": (
        "register_settings",
        "register_custom_fields",
        "register_interaction_kinds",
        "register_models",
        "register_commands",
        "register_routes",
        "register_jobs",
        "register_templates",
        "register_reports",
        "register_entities",
        "register_access_policies",
        "demo_data",
    ),
    "event": (
        "app_ready",
        "customers_created",
        "customers_updated",
        "customers_merged",
        "customers_unmerged",
        "interactions_logged",
        "erase_personal_data",
    ),
    "query": ("customer_360_sections", "customer_score_contributions", "personal_data"),
}

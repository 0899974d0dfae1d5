"""``guanxi access …``, ``guanxi audit …`` and ``guanxi privacy …``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import csv_option, emit, json_option, local, print_json, to_jsonable
from guanxi.errors import GuanxiError


@click.group()
def access() -> None:
    """Roles, permissions and record policies."""


@access.command("roles")
@json_option
@csv_option
@pass_state
def access_roles(state: CliState, as_json: bool, as_csv: bool) -> None:
    """The roles: their permissions, record policies and sensitive access."""
    roles = state.app.settings_for("access").roles
    rows = [(name, spec) for name, spec in sorted(roles.items())]
    emit(
        rows,
        [
            ("role", lambda r: r[0]),
            ("permissions", lambda r: ", ".join(r[1].permissions)),
            ("records", lambda r: ", ".join(r[1].records)),
            ("sensitive", lambda r: "yes" if r[1].sensitive else "no"),
            ("description", lambda r: r[1].description),
        ],
        as_json=as_json,
        as_csv=as_csv,
    )


@access.command("entities")
@json_option
@csv_option
@pass_state
def access_entities(state: CliState, as_json: bool, as_csv: bool) -> None:
    """The registered entities: their plugin, customer link and personal fields."""
    rows = list(state.app.access.entities.values())
    emit(
        rows,
        [
            ("entity", lambda e: e.name),
            ("plugin", lambda e: e.plugin),
            ("customer column", lambda e: e.customer_column),
            ("owner column", lambda e: e.owner_column),
            ("personal fields", lambda e: ", ".join(e.personal_fields)),
        ],
        as_json=as_json,
        as_csv=as_csv,
    )


@access.command("grant")
@click.argument("username")
@click.argument("role")
@pass_state
def access_grant(state: CliState, username: str, role: str) -> None:
    """Give the staff user USERNAME the role ROLE."""
    from guanxi.services.staff import grant_role

    with state.transaction() as uow:
        grant_role(uow, staff=username, role=role)
    click.echo(f"{username} now holds the role {role}")


@access.command("revoke")
@click.argument("username")
@click.argument("role")
@pass_state
def access_revoke(state: CliState, username: str, role: str) -> None:
    """Take the role ROLE away from the staff user USERNAME."""
    from guanxi.services.staff import revoke_role

    with state.transaction() as uow:
        revoke_role(uow, staff=username, role=role)
    click.echo(f"{username} no longer holds the role {role}")


@access.command("whoami")
@json_option
@pass_state
def access_whoami(state: CliState, as_json: bool) -> None:
    """Who the command line acts as, with roles and record policies."""
    with state.transaction() as uow:
        p = uow.principal
    data = {
        "user": p.username,
        "roles": list(p.roles),
        "records": ["all"] if p.unrestricted else sorted(p.policies),
        "sensitive": p.can_see_sensitive(),
        "system": p.is_system,
    }
    if as_json:
        print_json(data)
    else:
        for key, value in data.items():
            click.echo(f"{key}: {value}")


@click.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
@pass_state
def audit_verify(state: CliState) -> None:
    """Recompute the hash chain; exit 1 naming the first entry that was tampered with."""
    from guanxi import audit as audit_log

    _require_audit_read(state)
    with state.app.engine.connect() as connection:
        checked, problems = audit_log.verify(connection)
        head = audit_log.head(connection)
    if problems:
        first = problems[0]
        more = f" ({len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise GuanxiError(f"audit entry {first.entry_id}: {first.reason}{more}")
    click.echo(f"audit log intact: {checked} entries verified")
    if checked:
        # Written down elsewhere, the head anchors the chain: nothing can be cut or
        # appended later without the head changing (see docs/security.md, Limits).
        click.echo(f"head: {head}")


@audit.command("list")
@click.option("--customer", "reference", default=None, help="Only entries about this customer.")
@click.option("--actor", default=None, help="Only entries by this user ('system' for jobs).")
@click.option("--action", default=None, help="create, update, delete, erase, export, denied, …")
@click.option("--limit", default=50, show_default=True)
@json_option
@csv_option
@pass_state
def audit_list(
    state: CliState,
    reference: str | None,
    actor: str | None,
    action: str | None,
    limit: int,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Audit entries, newest first."""
    from guanxi import audit as audit_log
    from guanxi.services.lookup import resolve_customer

    _require_audit_read(state)
    with state.transaction() as uow:
        customer_id = resolve_customer(uow, reference) if reference else None
        rows = list(
            audit_log.entries(
                uow.session.connection(),
                customer_id=customer_id,
                actor=actor,
                action=action,
                limit=limit,
            )
        )
    tz = state.app.tz
    emit(
        rows,
        [
            ("id", lambda r: r["id"]),
            ("at", lambda r: local(r["at"], tz)),
            ("actor", lambda r: r["actor"]),
            ("action", lambda r: r["action"]),
            ("entity", lambda r: r["entity"]),
            ("record", lambda r: r["entity_id"]),
            ("customer", lambda r: r["customer_id"]),
            ("changes", lambda r: r["changes"]),
            ("detail", lambda r: r["detail"]),
        ],
        as_json=as_json,
        as_csv=as_csv,
    )


def _require_audit_read(state: CliState) -> None:
    from guanxi.access.enforce import require

    with state.transaction() as uow:
        require(uow, "audit", "read")


@click.group()
def privacy() -> None:
    """Consent, personal-data export, erasure and legal holds."""


@privacy.command("consent")
@click.argument("reference")
@click.option("--purpose", required=True, help="marketing, service, analytics, …")
@click.option("--channel", default="any", show_default=True, help="A channel, or any.")
@click.option("--grant/--withdraw", "granted", required=True, help="Consent given or withdrawn.")
@click.option("--source", required=True, help="Where the choice comes from (form, call, …).")
@pass_state
def privacy_consent(
    state: CliState, reference: str, purpose: str, channel: str, granted: bool, source: str
) -> None:
    """Record that the customer REFERENCE gave or withdrew consent."""
    from guanxi.privacy import set_consent
    from guanxi.services.lookup import resolve_customer

    with state.transaction() as uow:
        customer_id = resolve_customer(uow, reference)
        set_consent(
            uow, customer_id, purpose=purpose, channel=channel, granted=granted, source=source
        )
    click.echo(
        f"customer {customer_id}: {purpose} via {channel} {'granted' if granted else 'withdrawn'}"
    )


@privacy.command("consents")
@click.argument("reference")
@json_option
@csv_option
@pass_state
def privacy_consents(state: CliState, reference: str, as_json: bool, as_csv: bool) -> None:
    """The consent history of the customer REFERENCE."""
    from sqlmodel import col, select

    from guanxi.models import ConsentEvent
    from guanxi.services.lookup import resolve_customer

    with state.transaction() as uow:
        customer_id = resolve_customer(uow, reference)
        rows = list(
            uow.session.exec(
                select(ConsentEvent)
                .where(ConsentEvent.customer_id == customer_id)
                .order_by(col(ConsentEvent.id))
            )
        )
    tz = state.app.tz
    emit(
        rows,
        [
            ("at", lambda c: local(c.at, tz)),
            ("purpose", lambda c: c.purpose),
            ("channel", lambda c: c.channel),
            ("granted", lambda c: c.granted),
            ("source", lambda c: c.source),
        ],
        as_json=as_json,
        as_csv=as_csv,
    )


@privacy.command("export")
@click.argument("reference")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the JSON to this file instead of printing it.",
)
@pass_state
def privacy_export(state: CliState, reference: str, out: Path | None) -> None:
    """Everything held about the customer REFERENCE, as JSON (audited)."""
    from guanxi.privacy import export_personal_data
    from guanxi.services.lookup import resolve_customer

    with state.transaction() as uow:
        data = export_personal_data(uow, resolve_customer(uow, reference))
    text = json.dumps(to_jsonable(data), ensure_ascii=False, indent=2)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"wrote {out}")


@privacy.command("erase")
@click.argument("reference")
@click.option("--reason", required=True, help="Why (a data-subject request, retention, …).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def privacy_erase(state: CliState, reference: str, reason: str, yes: bool) -> None:
    """Anonymise the customer REFERENCE everywhere, keeping aggregates (irreversible)."""
    from guanxi.privacy import erase_customer
    from guanxi.services.lookup import resolve_customer

    with state.transaction() as uow:
        customer_id = resolve_customer(uow, reference)
    if not yes:
        click.confirm(f"erase customer {customer_id}? This cannot be undone", abort=True)
    with state.transaction() as uow:
        counts = erase_customer(uow, customer_id, reason=reason)
    click.echo(
        f"erased customer {customer_id}: " + ", ".join(f"{v} {k}" for k, v in counts.items())
    )


@privacy.command("hold")
@click.argument("reference")
@click.option("--reason", required=True)
@pass_state
def privacy_hold(state: CliState, reference: str, reason: str) -> None:
    """Put the customer REFERENCE under legal hold (erasure is refused meanwhile)."""
    from guanxi.privacy import place_hold
    from guanxi.services.lookup import resolve_customer

    with state.transaction() as uow:
        hold = place_hold(uow, resolve_customer(uow, reference), reason=reason)
    click.echo(f"legal hold {hold.id} placed on customer {hold.customer_id}")


@privacy.command("release")
@click.argument("hold_id", type=int)
@pass_state
def privacy_release(state: CliState, hold_id: int) -> None:
    """Release the legal hold HOLD_ID."""
    from guanxi.privacy import release_hold

    with state.transaction() as uow:
        release_hold(uow, hold_id)
    click.echo(f"legal hold {hold_id} released")


def register(cli: click.Group) -> None:
    """Add these commands to the root group."""
    for group in (access, audit, privacy):
        cli.add_command(group)

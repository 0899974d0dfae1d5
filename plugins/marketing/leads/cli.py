"""``guanxi marketing leads add|import|capture-form|list|show|explain|work|qualify|…``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, parse_assignments, print_json
from guanxi.errors import GuanxiError, ValidationError


def _lead_columns(state: CliState, owners: dict[int, str]) -> list[tuple[str, Any]]:
    tz = state.app.tz
    return [("id", lambda r: r.id), ("name", lambda r: r.name), ("company", lambda r: r.company),
            ("source", lambda r: r.source), ("status", lambda r: r.status),
            ("score", lambda r: r.score), ("grade", lambda r: r.grade),
            ("owner", lambda r: owners.get(r.owner_id)), ("email", lambda r: r.email),
            ("phone", lambda r: r.phone), ("value", lambda r: r.estimated_value),
            ("campaign_id", lambda r: r.campaign_id), ("customer_id", lambda r: r.customer_id),
            ("captured", lambda r: local(r.created_at, tz))]


def _owners(uow: Any, leads: list[Any]) -> dict[int, str]:
    from guanxi_marketing.leads.common import username

    return {lead.owner_id: username(uow, lead.owner_id) for lead in leads if lead.owner_id}


def _echo(state: CliState, result: Any, as_json: bool) -> None:
    lead = result.lead
    if as_json:
        print_json({"id": lead.id, "outcome": result.outcome, "match": result.match,
                    "score": lead.score, "grade": lead.grade, "owner_id": lead.owner_id})
        return
    line = f"{result.outcome} lead {lead.id}: {lead.name}, score {lead.score}"
    line += f" ({lead.grade})" if lead.grade else ""
    click.echo(line + (f" — matches {result.match}" if result.match else ""))


def _changed(verb: str, lead: Any) -> None:
    click.echo(f"lead {lead.id} {verb}: {lead.name} is {lead.status}")


@click.group()
def leads() -> None:
    """Leads (商机): capture, scoring, assignment, qualification, conversion."""


@leads.command("add")
@click.argument("name")
@click.option("--source", default="cli", show_default=True, help="Where the lead came from.")
@click.option("--company", default=None)
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option("--campaign", "campaign_id", type=int, default=None, help="Campaign id.")
@click.option("--interest", default=None, help="What the lead is interested in.")
@click.option("--value", "estimated_value", default=None, help="Estimated value of the deal.")
@click.option("--owner", default=None, help="Staff username (assigners only; default: the rule).")
@click.option("--notes", default=None)
@json_option
@pass_state
def add(state: CliState, name: str, as_json: bool, **fields: Any) -> None:
    """Capture a lead NAME (merged into an open lead with the same email or phone)."""
    from guanxi_marketing.leads.service import capture

    given = {k: v for k, v in fields.items() if v is not None}
    with state.transaction() as uow:
        result = capture(uow, name=name, **given)
    _echo(state, result, as_json)


@leads.command("capture-form")
@click.option("--body", "body_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The posted body: urlencoded or a JSON object ('-' is not read).")
@click.option("--source", default=None, help="Source (default: the settings' form_source).")
@json_option
@pass_state
def capture_form_command(state: CliState, body_file: Path, source: str | None,
                         as_json: bool) -> None:
    """Capture a lead from a posted web form's body (field names per form_fields)."""
    from guanxi_marketing.leads.intake import capture_form, parse_form_body

    body = parse_form_body(body_file.read_text(encoding="utf-8"))
    with state.transaction() as uow:
        result = capture_form(uow, body, source=source)
    _echo(state, result, as_json)


@leads.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", default="csv", show_default=True)
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD",
              help="Column of the file feeding a lead field (repeatable).")
@click.option("--encoding", default=None, help="The file's encoding (default UTF-8).")
@click.option("--rejects", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Reject file (default FILE.rejects.csv).")
@click.option("--all-or-nothing", is_flag=True, help="Store nothing if any row is rejected.")
@click.option("--dry-run", is_flag=True, help="Validate every row, store nothing.")
@json_option
@click.pass_context
def import_command(ctx: click.Context, file: Path, source: str, maps: tuple[str, ...],
                   encoding: str | None, rejects: Path | None, all_or_nothing: bool,
                   dry_run: bool, as_json: bool) -> None:
    """Capture a lead from each row of a CSV FILE; bad rows go to a reject file.

    Exit status 0: every row stored; 1: some rows rejected; 2: nothing started.
    """
    from guanxi.importing import EXIT_NOT_STARTED
    from guanxi_marketing.leads.intake import import_leads

    state = ctx.find_object(CliState)
    assert state is not None
    mapping = {k: str(v) for k, v in parse_assignments(maps, "--map").items()}
    try:
        report = import_leads(state.app, file, as_user=state.as_user(), source=source,
                              mapping=mapping, encoding=encoding, rejects=rejects,
                              all_or_nothing=all_or_nothing, dry_run=dry_run)
    except GuanxiError as exc:
        exc.exit_code = max(exc.exit_code, EXIT_NOT_STARTED)
        raise
    for error in report.errors or []:
        click.echo(f"rejected: {error}", err=True)
    if as_json:
        print_json(report)
    else:
        if all_or_nothing and report.rejected:
            line = f"nothing stored (--all-or-nothing): {report.rejected} rows rejected"
        else:
            verb = "dry run: would capture" if dry_run else "captured"
            line = f"{verb} {report.stored} leads ({report.merged} merged), "
            line += f"rejected {report.rejected}"
        click.echo(line + (f" (see {report.rejects_path})" if report.rejects_path else ""))
    ctx.exit(report.exit_status)


@leads.command("list")
@click.option("--status", type=click.Choice(
    ["open", "new", "working", "qualified", "disqualified", "converted", "all"]),
    default="open", show_default=True)
@click.option("--owner", default=None, help="Staff username.")
@click.option("--source", default=None)
@click.option("--campaign", "campaign_id", type=int, default=None)
@click.option("--grade", default=None)
@click.option("--min-score", type=int, default=None)
@click.option("--after", "after_id", type=int, default=None, help="Page on after this id.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@pass_state
def list_command(state: CliState, status: str, owner: str | None, as_json: bool,
                 **filters: Any) -> None:
    """List the leads you may see, in id order."""
    from guanxi.services.staff import active_staff
    from guanxi_marketing.leads.service import list_leads

    with state.transaction() as uow:
        owner_id = active_staff(uow, owner).id if owner else None
        rows = list_leads(uow, status=None if status == "all" else status, owner=owner_id,
                          **filters)
        owners = _owners(uow, rows)
    emit(rows, _lead_columns(state, owners), as_json=as_json)


@leads.command("show")
@click.argument("lead_id", type=int)
@json_option
@pass_state
def show(state: CliState, lead_id: int, as_json: bool) -> None:
    """Everything about one lead."""
    from guanxi_marketing.leads.common import get_lead

    with state.transaction() as uow:
        lead = get_lead(uow, lead_id)
        owners = _owners(uow, [lead])
    if as_json:
        print_json(lead)
        return
    for header, get in _lead_columns(state, owners):
        click.echo(f"{header}: {get(lead) if get(lead) is not None else ''}")
    for field in ("interest", "notes", "disqualified_reason", "matched_customer_id",
                  "conversion"):
        if getattr(lead, field):
            click.echo(f"{field}: {getattr(lead, field)}")
    click.echo(f"touches: {len(lead.touches)}")


@leads.command("explain")
@click.argument("lead_id", type=int)
@json_option
@pass_state
def explain_command(state: CliState, lead_id: int, as_json: bool) -> None:
    """Why a lead scored what it did: every rule that contributed, with its points."""
    from guanxi_marketing.leads.scoring import explain

    with state.transaction() as uow:
        explanation = explain(uow, lead_id)
    if as_json:
        print_json(explanation)
        return
    grade = f" (grade {explanation.grade})" if explanation.grade else ""
    click.echo(f"lead {explanation.lead_id} {explanation.name}: score {explanation.score}{grade}")
    emit(explanation.components, [("rule", lambda c: c["rule"]), ("type", lambda c: c["type"]),
                                  ("points", lambda c: c["points"]),
                                  ("why", lambda c: c["detail"])], as_json=False)


@leads.command("work")
@click.argument("lead_id", type=int)
@pass_state
def work(state: CliState, lead_id: int) -> None:
    """Start working a new lead (new → working; its owner or an assigner)."""
    from guanxi_marketing.leads.service import start_working

    with state.transaction() as uow:
        _changed("started", start_working(uow, lead_id))


@leads.command("qualify")
@click.argument("lead_id", type=int)
@pass_state
def qualify(state: CliState, lead_id: int) -> None:
    """Mark a lead qualified (worth converting)."""
    from guanxi_marketing.leads.service import qualify_lead

    with state.transaction() as uow:
        _changed("qualified", qualify_lead(uow, lead_id))


@leads.command("disqualify")
@click.argument("lead_id", type=int)
@click.option("--reason", required=True, help="One of the settings' disqualify_reasons.")
@click.option("--note", default=None, help="Added to the lead's notes.")
@pass_state
def disqualify(state: CliState, lead_id: int, reason: str, note: str | None) -> None:
    """Close a lead as disqualified, for a reason."""
    from guanxi_marketing.leads.service import disqualify_lead

    with state.transaction() as uow:
        _changed("disqualified", disqualify_lead(uow, lead_id, reason, note=note))


@leads.command("assign")
@click.argument("lead_id", type=int)
@click.option("--to", "owner", default=None, help="Staff username of the new owner.")
@click.option("--by-rule", is_flag=True, help="Let the configured rule choose (unassigned only).")
@click.option("--expect", "expected", default=None,
              help="The owner you saw ('-' for nobody): refused if it changed meanwhile.")
@pass_state
def assign(state: CliState, lead_id: int, owner: str | None, by_rule: bool,
           expected: str | None) -> None:
    """Give a lead exactly one owner (managers and admins: no grabbing)."""
    from guanxi_marketing.leads.assignment import UNCHANGED, assign_by_rule, assign_lead
    from guanxi_marketing.leads.common import username

    if by_rule == (owner is not None):
        raise ValidationError("owner", "give exactly one of --to or --by-rule")
    with state.transaction() as uow:
        if by_rule:
            lead = assign_by_rule(uow, lead_id)
        else:
            expect: object = UNCHANGED if expected is None else (None if expected == "-"
                                                                  else expected)
            lead = assign_lead(uow, lead_id, owner or "", expected_owner=expect)
        click.echo(f"lead {lead.id} assigned to {username(uow, lead.owner_id)}")


@leads.command("convert")
@click.argument("lead_id", type=int)
@click.option("--customer", "reference", default=None,
              help="Link to this existing customer instead (id, email, phone).")
@json_option
@pass_state
def convert(state: CliState, lead_id: int, reference: str | None, as_json: bool) -> None:
    """Convert a qualified lead to a customer (new, or the one matching its details)."""
    from guanxi.services.lookup import resolve_customer
    from guanxi_marketing.leads.conversion import convert_lead

    with state.transaction() as uow:
        customer_id = resolve_customer(uow, reference) if reference else None
        lead = convert_lead(uow, lead_id, customer_id=customer_id)
    if as_json:
        print_json({"id": lead.id, "customer_id": lead.customer_id,
                    "conversion": lead.conversion})
        return
    made = "new customer" if lead.conversion.get("created_customer") else "customer"
    extra = "".join(f", {k} {v}" for r in lead.conversion.get("results", [])
                    if isinstance(r, dict) for k, v in r.items())
    click.echo(f"lead {lead.id} converted to {made} {lead.customer_id}{extra}")


@leads.command("rescore")
@click.argument("lead_ids", type=int, nargs=-1)
@pass_state
def rescore(state: CliState, lead_ids: tuple[int, ...]) -> None:
    """Re-score open leads now (all you may see, or LEAD_IDS)."""
    from guanxi_marketing.leads.scoring import rescore_leads

    with state.transaction() as uow:
        count = rescore_leads(uow, lead_ids=lead_ids or None)
    click.echo(f"re-scored {count} leads")

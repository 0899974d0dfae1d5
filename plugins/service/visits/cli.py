"""``guanxi service visits …``: care plans, return visits, their outcomes and reports."""

from __future__ import annotations

from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi.errors import NotFoundError, ValidationError
from guanxi_service.visits.models import OUTCOMES, VISIT_STATUSES


@click.group()
def visits() -> None:
    """Return visits and care plans (回访): due lists, outcomes, overdue visits."""


def _customer_id(uow: Any, reference: str) -> int:
    from guanxi.services.lookup import resolve_customer

    try:
        return resolve_customer(uow, reference)
    except NotFoundError as exc:
        raise ValidationError("customer", str(exc)) from None


def _columns() -> list:
    return [("id", lambda v: v.id), ("due_on", lambda v: v.due_on),
            ("customer_id", lambda v: v.customer_id), ("customer", lambda v: v.customer),
            ("plan", lambda v: v.plan), ("step", lambda v: v.step),
            ("title", lambda v: v.title), ("channel", lambda v: v.channel),
            ("paid", lambda v: v.paid), ("fee", lambda v: v.fee),
            ("assignee", lambda v: v.assignee), ("status", lambda v: v.status),
            ("overdue", lambda v: v.overdue), ("attempts", lambda v: v.attempts),
            ("outcome", lambda v: v.outcome), ("satisfaction", lambda v: v.satisfaction),
            ("asset_id", lambda v: v.asset_id), ("ticket_id", lambda v: v.ticket_id),
            ("complaint_id", lambda v: v.complaint_id)]


def _short_columns() -> list:
    """The columns of a table for people (``--json`` gives every column)."""
    return [("id", lambda v: v.id), ("due_on", lambda v: v.due_on),
            ("customer", lambda v: v.customer or v.customer_id),
            ("plan", lambda v: f"{v.plan} #{v.step}" if v.plan else "(manual)"),
            ("title", lambda v: v.title), ("channel", lambda v: v.channel),
            ("paid", lambda v: f"有偿 {v.fee}" if v.paid else "免费"),
            ("assignee", lambda v: v.assignee),
            ("status", lambda v: "overdue" if v.overdue and v.status == "scheduled"
             else v.status),
            ("outcome", lambda v: v.outcome)]


def _emit_visits(rows: list, as_json: bool) -> None:
    emit(rows, _columns() if as_json else _short_columns(), as_json=as_json)


def _echo_visit(state: CliState, visit_id: int, verb: str, as_json: bool) -> None:
    from guanxi_service.visits.listing import visit_detail

    with state.transaction() as uow:
        detail = visit_detail(uow, visit_id)
    if as_json:
        print_json(detail)
        return
    row = detail.visit
    click.echo(f"{verb} visit {row.id}: {row.title} for {row.customer or row.customer_id}, "
               f"due {row.due_on} ({row.channel}, {row.status}"
               f"{', ' + row.outcome if row.outcome else ''})")


@visits.command("plans")
@json_option
@pass_state
def plans(state: CliState, as_json: bool) -> None:
    """The configured care plans; exits 1 naming any plan that cannot work."""
    from guanxi_service.visits.listing import plan_table
    from guanxi_service.visits.plans import check_plans

    with state.transaction() as uow:
        rows = plan_table(uow)
        emit(rows, [("name", lambda p: p["name"]), ("trigger", lambda p: p["trigger"]),
                    ("when", lambda p: p["when"] or None), ("offsets", lambda p: p["offsets"]),
                    ("title", lambda p: p["title"]), ("channel", lambda p: p["channel"]),
                    ("assign", lambda p: p["assign"] + (
                        f" {p['team'] or p['user']}" if p["team"] or p["user"] else "")),
                    ("paid", lambda p: "有偿" if p["paid"] else "免费"),
                    ("fee", lambda p: p["fee"])], as_json=as_json)
        check_plans(state.app, uow)


@visits.command("list")
@click.option("--status", type=click.Choice([*VISIT_STATUSES, "open"]), default=None)
@click.option("--customer", default=None, help="Customer reference (id, email, phone …).")
@click.option("--assignee", default=None, help="Staff username.")
@click.option("--plan", default=None, help="Care plan name.")
@click.option("--from", "due_from", default=None, help="Due on or after (YYYY-MM-DD).")
@click.option("--to", "due_to", default=None, help="Due on or before (YYYY-MM-DD).")
@click.option("--asset", "asset_id", type=int, default=None, help="Asset id.")
@click.option("--after", "after_id", type=int, default=None, help="Page on after this id.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@pass_state
def list_(state: CliState, status: str | None, customer: str | None, assignee: str | None,
          plan: str | None, due_from: str | None, due_to: str | None, asset_id: int | None,
          after_id: int | None, limit: int, as_json: bool) -> None:
    """List the return visits you may see, by due date."""
    from guanxi_service.visits.listing import list_visits

    with state.transaction() as uow:
        cid = _customer_id(uow, customer) if customer else None
        rows = list_visits(uow, status=status, customer_id=cid, assignee=assignee, plan=plan,
                           due_from=due_from, due_to=due_to, asset_id=asset_id,
                           after_id=after_id, limit=limit)
    _emit_visits(rows, as_json)


@visits.command("due")
@click.option("--week", "window", flag_value="week", help="Due by the end of this week.")
@click.option("--today", "window", flag_value="today", default=True,
              help="Due by today (the default).")
@click.option("--assignee", default=None, help="Staff username (default: everyone you see).")
@click.option("--mine", is_flag=True, help="Only the visits assigned to you.")
@json_option
@pass_state
def due(state: CliState, window: str, assignee: str | None, mine: bool, as_json: bool) -> None:
    """Open visits due today (or this week), the late ones first."""
    from guanxi_service.visits.listing import due_visits

    with state.transaction() as uow:
        who = uow.actor_id if mine else assignee
        rows = due_visits(uow, window=window, assignee=who)
    _emit_visits(rows, as_json)


@visits.command("overdue")
@click.option("--assignee", default=None, help="Staff username.")
@json_option
@pass_state
def overdue(state: CliState, assignee: str | None, as_json: bool) -> None:
    """Open visits past their due date plus the grace days."""
    from guanxi_service.visits.listing import overdue_visits

    with state.transaction() as uow:
        rows = overdue_visits(uow, assignee=assignee)
    _emit_visits(rows, as_json)


@visits.command("show")
@click.argument("visit_id")
@json_option
@pass_state
def show(state: CliState, visit_id: str, as_json: bool) -> None:
    """A visit with its notes and the plan's script and questions."""
    from guanxi_service.visits.listing import visit_detail

    with state.transaction() as uow:
        detail = visit_detail(uow, visit_id)
    if as_json:
        print_json(detail)
        return
    for header, get in _columns():
        value = get(detail.visit)
        click.echo(f"{header}: {'' if value is None else value}")
    if detail.visit.done_at:
        click.echo(f"done_at: {local(detail.visit.done_at, state.app.tz)}")
    for label, value in (("notes", detail.notes), ("next_action", detail.next_action),
                         ("cancel_reason", detail.cancel_reason), ("script", detail.script)):
        if value:
            click.echo(f"{label}: {value}")
    for number, question in enumerate(detail.questions, start=1):
        click.echo(f"Q{number}: {question}")


@visits.command("schedule")
@click.argument("customer")
@click.option("--due", "due_on", required=True, help="Due date (YYYY-MM-DD).")
@click.option("--plan", default=None, help="A care plan for title, channel, fee, script.")
@click.option("--title", default=None)
@click.option("--channel", default=None, help="phone, visit, sms … (default: the plan's).")
@click.option("--assignee", default=None, help="Staff username (default: you).")
@click.option("--paid/--free", "paid", default=None, help="有偿 or 免费 (default: the plan's).")
@click.option("--fee", default=None, help="Fee of a paid visit.")
@click.option("--asset", "asset_id", type=int, default=None)
@click.option("--ticket", "ticket_id", type=int, default=None)
@click.option("--notes", default=None)
@json_option
@pass_state
def schedule_(state: CliState, customer: str, due_on: str, plan: str | None,
              title: str | None, channel: str | None, assignee: str | None,
              paid: bool | None, fee: str | None, asset_id: int | None,
              ticket_id: int | None, notes: str | None, as_json: bool) -> None:
    """Schedule a return visit of CUSTOMER by hand."""
    from guanxi_service.visits.service import schedule

    with state.transaction() as uow:
        visit = schedule(uow, customer_id=_customer_id(uow, customer), due_on=due_on,
                         plan=plan, title=title, channel=channel, assignee=assignee,
                         paid=paid, fee=fee, asset_id=asset_id, ticket_id=ticket_id,
                         notes=notes)
    _echo_visit(state, visit.id, "scheduled", as_json)


@visits.command("record")
@click.argument("visit_id")
@click.argument("outcome", type=click.Choice(OUTCOMES))
@click.option("--notes", default=None, help="What was said.")
@click.option("--satisfaction", default=None, help="1–5, if the customer gave one.")
@click.option("--next-action", "next_action", default=None)
@click.option("--complaint/--no-complaint", default=None,
              help="Open a complaint ticket for an issue found (default: the plan's).")
@json_option
@pass_state
def record(state: CliState, visit_id: str, outcome: str, notes: str | None,
           satisfaction: str | None, next_action: str | None, complaint: bool | None,
           as_json: bool) -> None:
    """Record the OUTCOME of a visit (logs service.return_visit)."""
    from guanxi_service.visits.service import record_outcome

    with state.transaction() as uow:
        visit = record_outcome(uow, visit_id, outcome, notes=notes, satisfaction=satisfaction,
                               next_action=next_action, complaint=complaint)
    _echo_visit(state, visit.id, "recorded", as_json)


@visits.command("reschedule")
@click.argument("visit_id")
@click.argument("due_on")
@click.option("--reason", default=None)
@click.option("--assignee", default=None, help="Hand it to another staff user.")
@json_option
@pass_state
def reschedule_(state: CliState, visit_id: str, due_on: str, reason: str | None,
                assignee: str | None, as_json: bool) -> None:
    """Move an open visit to DUE_ON (YYYY-MM-DD)."""
    from guanxi_service.visits.service import reschedule

    with state.transaction() as uow:
        visit = reschedule(uow, visit_id, due_on, reason=reason, assignee=assignee)
    _echo_visit(state, visit.id, "rescheduled", as_json)


@visits.command("cancel")
@click.argument("visit_id", required=False)
@click.option("--reason", required=True)
@click.option("--rest", "rest_of_plan", is_flag=True,
              help="Cancel the plan's later steps for the same trigger too.")
@click.option("--customer", default=None, help="With --plan: every open visit of the plan.")
@click.option("--plan", default=None)
@json_option
@pass_state
def cancel_(state: CliState, visit_id: str | None, reason: str, rest_of_plan: bool,
            customer: str | None, plan: str | None, as_json: bool) -> None:
    """Cancel VISIT_ID (with --rest, the rest of its plan), or a customer's whole plan
    (--customer and --plan)."""
    from guanxi_service.visits.service import cancel, cancel_plan

    with state.transaction() as uow:
        if visit_id is None:
            if not customer or not plan:
                raise ValidationError("visit", "give a visit id, or --customer and --plan")
            ids = cancel_plan(uow, _customer_id(uow, customer), plan, reason=reason)
            result: dict[str, Any] = {"cancelled": ids}
        else:
            if customer or plan:
                raise ValidationError("visit", "a visit id or --customer/--plan, not both")
            done = cancel(uow, visit_id, reason=reason, rest_of_plan=rest_of_plan)
            result = {"cancelled": len(done), "ids": [v.id for v in done]}
    if as_json:
        print_json(result)
    else:
        click.echo(f"{result['cancelled']} visits cancelled")


@visits.command("completion")
@click.option("--start", default=None, help="First due date (YYYY-MM-DD).")
@click.option("--end", default=None, help="Last due date (default today).")
@click.option("--by", type=click.Choice(("plan", "assignee", "plan_assignee")), default="plan",
              show_default=True)
@json_option
@pass_state
def completion(state: CliState, start: str | None, end: str | None, by: str,
               as_json: bool) -> None:
    """Completion figures: due, done, on time, late, overdue, reached (rates)."""
    from guanxi_service.visits.reports import visit_completion

    with state.transaction() as uow:
        rows = visit_completion(uow, start=start, end=end, by=by)
    keys = [k for k in (rows[0] if rows else {"plan": 0, "due": 0})]
    emit(rows, [(k, lambda r, k=k: r.get(k)) for k in keys], as_json=as_json)


@visits.command("flag-overdue")
@pass_state
def flag_overdue_(state: CliState) -> None:
    """Run the overdue check now (the daily job service.visits_overdue does it too)."""
    from guanxi_service.visits.overdue import flag_overdue

    with state.transaction() as uow:
        count = flag_overdue(uow)
    click.echo(f"{count} visits flagged overdue")

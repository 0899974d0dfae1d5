"""``guanxi service sla …``: compliance, calendars, tickets about to breach, policies."""

from __future__ import annotations

import datetime as dt

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi.errors import ValidationError
from guanxi_service.sla.reports import PERIODS


@click.group()
def sla() -> None:
    """Service levels (SLA): compliance, business calendars, tickets about to breach."""


@sla.command("compliance")
@click.option("--period", type=click.Choice(PERIODS), default="month", show_default=True)
@click.option("--start", default=None, help="First day of opening (YYYY-MM-DD).")
@click.option("--end", default=None, help="Last day of opening (YYYY-MM-DD).")
@click.option("--team", default=None, help="Only this team (name).")
@json_option
@pass_state
def compliance_command(state: CliState, period: str, start: str | None, end: str | None,
                       team: str | None, as_json: bool) -> None:
    """First-response and resolution compliance per team and month or week."""
    from guanxi_service.sla.reports import compliance

    with state.transaction() as uow:
        rows = compliance(uow, period=period, start=start, end=end, team=team)
    if as_json:
        print_json([row.public() for row in rows])
        return

    def pct(value: float | None) -> str | None:
        return None if value is None else f"{value:.1f}%"

    emit(rows, [
        ("team", lambda r: r.team), ("period", lambda r: r.period),
        ("tickets", lambda r: r.tickets),
        ("first response met", lambda r: pct(r.first_response_met_pct)),
        ("resolution met", lambda r: pct(r.resolution_met_pct)),
        ("breaches", lambda r: r.breaches),
        ("avg first response (min)", lambda r: r.avg_first_response_minutes),
        ("avg resolution (min)", lambda r: r.avg_resolution_minutes),
    ], as_json=False, title="SLA compliance")


@sla.command("due")
@click.option("--within", default=60, show_default=True, type=int,
              help="Business minutes ahead (breached tickets are always listed).")
@click.option("--team", default=None, help="Only this team (name).")
@click.option("--limit", default=100, show_default=True, type=int)
@json_option
@pass_state
def due_command(state: CliState, within: int, team: str | None, limit: int,
                as_json: bool) -> None:
    """Open tickets about to breach (or breached), most urgent first."""
    from guanxi_service.sla.reports import due_tickets

    with state.transaction() as uow:
        rows = due_tickets(uow, within=within, team=team, limit=limit)
        tz = uow.app.tz
    emit(rows, [
        ("id", lambda r: r.id), ("number", lambda r: r.number), ("subject", lambda r: r.subject),
        ("priority", lambda r: r.priority), ("team", lambda r: r.team),
        ("assignee", lambda r: r.assignee), ("policy", lambda r: r.sla_policy),
        ("state", lambda r: r.sla_state), ("target", lambda r: r.target),
        ("due_at", lambda r: r.due_at if as_json else local(r.due_at, tz)),
        ("minutes_left", lambda r: r.minutes_left),
    ], as_json=as_json, title="tickets about to breach")


@sla.command("calendar")
@click.argument("name", default="default")
@click.option("--start", default=None, help="First day shown (default: today).")
@click.option("--days", default=14, show_default=True, type=int)
@click.option("--add", "add_minutes", default=None, type=int,
              help="Also show when this many business minutes after --at have passed.")
@click.option("--at", "at", default=None,
              help="Start instant for --add, local time 'YYYY-MM-DD HH:MM' (default: now).")
@json_option
@pass_state
def calendar_command(state: CliState, name: str, start: str | None, days: int,
                     add_minutes: int | None, at: str | None, as_json: bool) -> None:
    """The working hours of calendar NAME day by day (holidays, make-up days 调休)."""
    from guanxi_service.sla.calendar import BusinessCalendar
    from guanxi_service.sla.reports import parse_day
    from guanxi_service.sla.service import calendar_of

    if days < 1 or days > 366:
        raise ValidationError("days", "must be 1 to 366")
    with state.transaction() as uow:
        calendar = calendar_of(uow, name)
        first = parse_day(start, "start") or uow.today()
        tz = getattr(calendar, "tz", uow.app.tz)
        begin = uow.now
        if at is not None:
            try:
                begin = dt.datetime.strptime(at, "%Y-%m-%d %H:%M").replace(tzinfo=tz)
            except ValueError:
                raise ValidationError("at", f"{at!r} is not 'YYYY-MM-DD HH:MM'") from None
    rows = []
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        if isinstance(calendar, BusinessCalendar):
            hours = calendar.hours_of(day)
            kind = ("holiday" if day in calendar.holidays else
                    "make-up workday" if day in calendar.workdays else
                    "workday" if hours else "day off")
        else:
            hours, kind = ((0, 1440),), "24x7"
        text = " ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}"
                        for s, e in hours)
        rows.append({"date": day.isoformat(), "weekday": day.strftime("%a"), "kind": kind,
                     "hours": text, "minutes": sum(e - s for s, e in hours)})
    due = None
    if add_minutes is not None:
        if add_minutes < 0:
            raise ValidationError("add", "must be zero or more minutes")
        due = calendar.add(begin.astimezone(dt.UTC), dt.timedelta(minutes=add_minutes))
    if as_json:
        print_json({"calendar": name, "timezone": str(tz), "days": rows,
                    **({"start": begin, "minutes": add_minutes, "due_at": due}
                       if due else {})})
        return
    emit(rows, [(key, lambda r, key=key: r[key])
                for key in ("date", "weekday", "kind", "hours", "minutes")],
         as_json=False, title=f"calendar {name} ({tz})")
    if due is not None:
        click.echo(f"{add_minutes} business minutes after {local(begin, tz)}: {local(due, tz)}")


@sla.command("policies")
@json_option
@pass_state
def policies_command(state: CliState, as_json: bool) -> None:
    """The SLA policies in match order (first match wins)."""
    from guanxi_service.sla.service import sla_settings

    with state.transaction() as uow:
        settings = sla_settings(uow)
    rows = [policy.model_dump() for policy in settings.policies]
    emit(rows, [(key, lambda r, key=key: r[key] if as_json or not isinstance(r[key], list)
                 else ",".join(r[key]) or "*")
                for key in ("name", "types", "priorities", "tiers", "first_response_minutes",
                            "resolution_minutes", "calendar")],
         as_json=as_json, title="SLA policies")

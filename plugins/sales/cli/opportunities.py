"""``guanxi sales opportunity|pipeline|competitor|lead|report …``."""

from __future__ import annotations

from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json, print_table
from guanxi.errors import NotFoundError, ValidationError

BY_HELP = "Group by owner, team, source, competitor, stage or pipeline."


def _customer(uow: Any, reference: str, field: str) -> int:
    from guanxi.services.lookup import resolve_customer

    try:
        return resolve_customer(uow, reference)
    except NotFoundError as exc:
        raise ValidationError(field, str(exc)) from None


def opportunity_columns(state: CliState) -> list:
    """The columns of an opportunity listing (the account view shows the first 11)."""
    return [("id", lambda o: o.id), ("account", lambda o: o.customer or f"#{o.customer_id}"),
            ("name", lambda o: o.name), ("stage", lambda o: o.stage),
            ("status", lambda o: o.status), ("amount", lambda o: o.amount),
            ("currency", lambda o: o.currency), ("probability", lambda o: o.probability),
            ("weighted", lambda o: o.weighted), ("close", lambda o: o.expected_close),
            ("owner", lambda o: o.owner), ("source", lambda o: o.source),
            ("lost_reason", lambda o: o.lost_reason), ("customer_id", lambda o: o.customer_id)]


def _echo_opportunity(state: CliState, opp: Any, verb: str, as_json: bool) -> None:
    from guanxi_sales.opportunities import opportunity_detail

    with state.transaction() as uow:
        detail = opportunity_detail(uow, opp.id)
    if as_json:
        print_json(detail)
        return
    row = detail.opportunity
    click.echo(f"{verb} opportunity {row.id}: {row.name} — {row.stage} ({row.status}), "
               f"{row.amount} {row.currency} at {row.probability}%, owner {row.owner}")


# ----------------------------------------------------------------------------- opportunity


@click.group()
def opportunity() -> None:
    """Sales opportunities (销售机会) in pipelines."""


@opportunity.command("add")
@click.argument("reference")
@click.argument("name")
@click.option("--amount", required=True, help="Amount (at most 2 decimals).")
@click.option("--close", "expected_close", required=True, help="Expected close date (YYYY-MM-DD).")
@click.option("--pipeline", default=None, help="Pipeline (default: the settings' default).")
@click.option("--stage", default=None, help="Open stage (default: the pipeline's first).")
@click.option("--probability", default=None, help="Percent 0-100 (default: the stage's).")
@click.option("--owner", default=None, help="Staff username (default: the account's owner).")
@click.option("--contact", default=None, help="A person of the account (reference).")
@click.option("--approach", default=None, help="How to win it (具体的抓住机会的方式).")
@click.option("--source", default=None, help="Where it came from: lead, campaign, referral, …")
@click.option("--currency", default=None, help="Currency code (default: the edition's).")
@click.option("--competitor", "competitors", multiple=True, metavar="REF",
              help="A competitor involved (repeatable).")
@json_option
@pass_state
def opportunity_add(state: CliState, reference: str, name: str, amount: str, expected_close: str,
                    pipeline: str | None, stage: str | None, probability: str | None,
                    owner: str | None, contact: str | None, approach: str | None,
                    source: str | None, currency: str | None, competitors: tuple[str, ...],
                    as_json: bool) -> None:
    """Open an opportunity NAME on the account REFERENCE."""
    from guanxi.services.lookup import resolve_customer
    from guanxi_sales.opportunities import create_opportunity

    with state.transaction() as uow:
        opp = create_opportunity(
            uow, customer_id=resolve_customer(uow, reference), name=name, amount=amount,
            expected_close=expected_close, pipeline=pipeline, stage=stage,
            probability=probability, owner=owner, approach=approach, source=source,
            contact_id=_customer(uow, contact, "contact") if contact else None, currency=currency,
            competitors=[_customer(uow, c, "competitors") for c in competitors],
        )
    _echo_opportunity(state, opp, "opened", as_json)


@opportunity.command("list")
@click.option("--status", type=click.Choice(["open", "won", "lost", "all"]), default="open",
              show_default=True)
@click.option("--owner", default=None, help="Staff username.")
@click.option("--customer", "reference", default=None, help="Only this account.")
@click.option("--stage", default=None)
@click.option("--pipeline", default=None)
@click.option("--after", "after_id", type=int, default=None, help="Page on after this id.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@pass_state
def opportunity_list(state: CliState, status: str, owner: str | None, reference: str | None,
                     stage: str | None, pipeline: str | None, after_id: int | None, limit: int,
                     as_json: bool) -> None:
    """List the opportunities you may see, in id order."""
    from guanxi.services.lookup import resolve_customer
    from guanxi_sales.opportunities import list_opportunities

    with state.transaction() as uow:
        rows = list_opportunities(
            uow, status=None if status == "all" else status, owner=owner, stage=stage,
            customer_id=resolve_customer(uow, reference) if reference else None,
            pipeline=pipeline, after_id=after_id, limit=limit)
    emit(rows, opportunity_columns(state), as_json=as_json)


@opportunity.command("show")
@click.argument("opportunity_id", type=int)
@json_option
@pass_state
def opportunity_show(state: CliState, opportunity_id: int, as_json: bool) -> None:
    """An opportunity with its competitors and stage history (time in each stage)."""
    from guanxi_sales.opportunities import opportunity_detail

    with state.transaction() as uow:
        detail = opportunity_detail(uow, opportunity_id)
    if as_json:
        print_json(detail)
        return
    row = detail.opportunity
    for label, value in [
        ("opportunity", f"{row.id} {row.name}"), ("account", f"{row.customer} ({row.customer_id})"),
        ("pipeline", f"{row.pipeline}, stage {row.stage} ({row.status})"),
        ("amount", f"{row.amount} {row.currency} × {row.probability}% = {row.weighted}"),
        ("expected close", row.expected_close), ("owner", row.owner), ("source", row.source),
        ("contact", detail.contact and f"{detail.contact[1]} ({detail.contact[0]})"),
        ("approach", detail.approach), ("lost reason", row.lost_reason),
        ("competitors", ", ".join(f"{n or '#'} ({i})" for i, n in detail.competitors) or None),
    ]:
        if value is not None:
            click.echo(f"{label}: {value}")
    tz = state.app.tz
    print_table(detail.history, [("at", lambda s: local(s.changed_at, tz)),
                                 ("from", lambda s: s.from_stage), ("to", lambda s: s.to_stage),
                                 ("days in stage", lambda s: s.days), ("by", lambda s: s.actor)],
                title="stage history")


@opportunity.command("move")
@click.argument("opportunity_id", type=int)
@click.argument("stage")
@click.option("--probability", default=None, help="Percent 0-100 (default: the stage's).")
@json_option
@pass_state
def opportunity_move(state: CliState, opportunity_id: int, stage: str, probability: str | None,
                     as_json: bool) -> None:
    """Move an open opportunity to STAGE (recorded with its time)."""
    from guanxi_sales.opportunities import move_opportunity

    with state.transaction() as uow:
        opp = move_opportunity(uow, opportunity_id, stage, probability=probability)
    _echo_opportunity(state, opp, "moved", as_json)


@opportunity.command("win")
@click.argument("opportunity_id", type=int)
@click.option("--amount", default=None, help="The final amount (default: as it stands).")
@json_option
@pass_state
def opportunity_win(state: CliState, opportunity_id: int, amount: str | None,
                    as_json: bool) -> None:
    """Mark an opportunity won (logs the order with its revenue)."""
    from guanxi_sales.opportunities import win_opportunity

    with state.transaction() as uow:
        opp = win_opportunity(uow, opportunity_id, amount=amount)
    _echo_opportunity(state, opp, "won", as_json)


@opportunity.command("lose")
@click.argument("opportunity_id", type=int)
@click.option("--reason", required=True, help="One of the settings' sales.lost_reasons.")
@click.option("--competitor", default=None, metavar="REF", help="The competitor who won it.")
@json_option
@pass_state
def opportunity_lose(state: CliState, opportunity_id: int, reason: str, competitor: str | None,
                     as_json: bool) -> None:
    """Mark an opportunity lost, for a reason."""
    from guanxi_sales.opportunities import lose_opportunity

    with state.transaction() as uow:
        rival = _customer(uow, competitor, "competitor") if competitor else None
        opp = lose_opportunity(uow, opportunity_id, reason, competitor=rival)
    _echo_opportunity(state, opp, "lost", as_json)


@opportunity.command("assign")
@click.argument("opportunity_id", type=int)
@click.argument("owner")
@json_option
@pass_state
def opportunity_assign(state: CliState, opportunity_id: int, owner: str, as_json: bool) -> None:
    """Hand an open opportunity to OWNER (a staff username)."""
    from guanxi_sales.opportunities import assign_opportunity

    with state.transaction() as uow:
        opp = assign_opportunity(uow, opportunity_id, owner)
    _echo_opportunity(state, opp, "assigned", as_json)


@opportunity.command("update")
@click.argument("opportunity_id", type=int)
@click.option("--name", default=None)
@click.option("--amount", default=None)
@click.option("--probability", default=None)
@click.option("--close", "expected_close", default=None, help="YYYY-MM-DD.")
@click.option("--approach", default=None)
@click.option("--source", default=None)
@click.option("--contact", default=None, metavar="REF")
@click.option("--competitor", "competitors", multiple=True, metavar="REF",
              help="Replaces the competitors (repeatable).")
@json_option
@pass_state
def opportunity_update(state: CliState, opportunity_id: int, competitors: tuple[str, ...],
                       contact: str | None, as_json: bool, **fields: str | None) -> None:
    """Change an open opportunity's fields."""
    from guanxi_sales.opportunities import update_opportunity

    changes: dict[str, Any] = {k: v for k, v in fields.items() if v is not None}
    with state.transaction() as uow:
        if contact:
            changes["contact_id"] = _customer(uow, contact, "contact")
        rivals = [_customer(uow, c, "competitors") for c in competitors] if competitors else None
        opp = update_opportunity(uow, opportunity_id, competitors=rivals, **changes)
    _echo_opportunity(state, opp, "updated", as_json)


# ----------------------------------------------------------------------------- pipeline, lead


@click.group()
def pipeline() -> None:
    """Pipelines and their stages (settings: sales.pipelines)."""


@pipeline.command("list")
@json_option
@pass_state
def pipeline_list(state: CliState, as_json: bool) -> None:
    """Every pipeline's stages with their default probabilities."""
    from guanxi_sales.opportunities import sales_settings

    settings = sales_settings(state.app)
    rows = [(name, i + 1, stage, name == settings.default_pipeline)
            for name, spec in settings.pipelines.items() for i, stage in enumerate(spec.stages)]
    emit(rows, [("pipeline", lambda r: r[0]), ("order", lambda r: r[1]),
                ("stage", lambda r: r[2].name), ("probability", lambda r: r[2].probability),
                ("closes", lambda r: "won" if r[2].won else "lost" if r[2].lost else None),
                ("default", lambda r: r[3])], as_json=as_json)


@click.group()
def lead() -> None:
    """Lead hand-off: every lead gets exactly one owner."""


@lead.command("assign")
@click.argument("reference")
@click.argument("owner")
@click.option("--with-opportunities", is_flag=True, help="His open opportunities follow.")
@pass_state
def lead_assign(state: CliState, reference: str, owner: str, with_opportunities: bool) -> None:
    """Give the customer REFERENCE to OWNER, with a follow-up task for him."""
    from guanxi.services.lookup import resolve_customer
    from guanxi_sales.accounts import hand_off_lead

    with state.transaction() as uow:
        task_id = hand_off_lead(uow, resolve_customer(uow, reference), owner,
                                with_opportunities=with_opportunities)
    click.echo(f"handed {reference} to {owner} (follow-up task {task_id})")


# ----------------------------------------------------------------------------- competitor


@click.group()
def competitor() -> None:
    """Competitors (竞争对手): profiles and our record against them."""


PROFILE_OPTIONS = [
    click.option("--products", default=None, help="Its products and their specifications."),
    click.option("--strengths", default=None), click.option("--weaknesses", default=None),
    click.option("--strategy", default=None, help="Its marketing strategy and progress."),
    click.option("--scale", default=None, help="Company scale (发展规模)."),
]


def _profile_options(func: Any) -> Any:
    for option in reversed(PROFILE_OPTIONS):
        func = option(func)
    return func


def _competitor_columns() -> list:
    return [("id", lambda c: c.customer_id), ("name", lambda c: c.name),
            ("scale", lambda c: c.scale), ("products", lambda c: c.products),
            ("strengths", lambda c: c.strengths), ("weaknesses", lambda c: c.weaknesses),
            ("strategy", lambda c: c.strategy), ("open", lambda c: c.open),
            ("won", lambda c: c.won), ("lost", lambda c: c.lost),
            ("win_rate", lambda c: c.win_rate)]


@competitor.command("add")
@click.argument("name", required=False)
@click.option("--customer", "reference", default=None, help="An existing customer instead.")
@click.option("--web", default=None, help="Its web page.")
@_profile_options
@json_option
@pass_state
def competitor_add(state: CliState, name: str | None, reference: str | None, web: str | None,
                   as_json: bool, **profile: str | None) -> None:
    """Record the competitor NAME (or update an existing one's profile)."""
    from guanxi.services.lookup import resolve_customer
    from guanxi_sales.accounts import add_competitor, list_competitors

    with state.transaction() as uow:
        customer_id = resolve_customer(uow, reference) if reference else None
        row = add_competitor(uow, name=name, customer_id=customer_id, web=web, **profile)
        shown = list_competitors(uow, customer_id=row.customer_id)
    if as_json:
        print_json(shown[0])
    else:
        click.echo(f"competitor {shown[0].customer_id}: {shown[0].name}")


@competitor.command("list")
@json_option
@pass_state
def competitor_list(state: CliState, as_json: bool) -> None:
    """Competitors with open, won and lost opportunities and our win rate."""
    from guanxi_sales.accounts import list_competitors

    with state.transaction() as uow:
        rows = list_competitors(uow)
    emit(rows, _competitor_columns(), as_json=as_json)


@competitor.command("show")
@click.argument("reference")
@json_option
@pass_state
def competitor_show(state: CliState, reference: str, as_json: bool) -> None:
    """A competitor's profile and the opportunities it is in."""
    from guanxi.services.lookup import resolve_customer
    from guanxi_sales.accounts import competitor_detail

    with state.transaction() as uow:
        profile, opps = competitor_detail(uow, resolve_customer(uow, reference))
    if as_json:
        print_json({"competitor": profile, "win_rate": profile.win_rate, "opportunities": opps})
        return
    for header, get in _competitor_columns():
        if (value := get(profile)) is not None:
            click.echo(f"{header}: {value}")
    print_table(opps, opportunity_columns(state)[:11], title="opportunities")


# ----------------------------------------------------------------------------- reports


def _range_options(func: Any) -> Any:
    for option in reversed([
        click.option("--from", "start", default=None, help="First close date (YYYY-MM-DD)."),
        click.option("--to", "end", default=None, help="Last close date, included."),
        click.option("--pipeline", default=None),
    ]):
        func = option(func)
    return func


def _rate(value: float | None) -> str | None:
    return None if value is None else f"{value:.1%}"


def report_forecast(state: CliState, period: str, by: str, as_json: bool, **options: Any) -> None:
    """Weighted pipeline (amount × probability) by period of expected close, owner/team and
    currency (amounts in different currencies are never added)."""
    from guanxi_sales.analysis import forecast

    with state.transaction() as uow:
        rows = forecast(uow, period=period, by=by, **options)
    emit(rows, [("period", lambda r: r.period), (by, lambda r: r.label),
                ("currency", lambda r: r.currency), ("open", lambda r: r.open_count),
                ("pipeline", lambda r: r.pipeline), ("weighted", lambda r: r.weighted),
                ("won_count", lambda r: r.won_count), ("won", lambda r: r.won)],
         as_json=as_json, title=f"forecast by {period}")


def report_win_loss(state: CliState, by: str, as_json: bool, **options: Any) -> None:
    """Won and lost opportunities and the win rate by a dimension (by stage: reached) and
    currency."""
    from guanxi_sales.analysis import win_loss

    with state.transaction() as uow:
        rows = win_loss(uow, by=by, **options)
    emit(rows, [(by, lambda r: r.label), ("currency", lambda r: r.currency),
                ("won", lambda r: r.won), ("lost", lambda r: r.lost),
                ("win_rate", lambda r: r.win_rate if as_json else _rate(r.win_rate)),
                ("won_amount", lambda r: r.won_amount), ("lost_amount", lambda r: r.lost_amount)],
         as_json=as_json, title=f"win/loss by {by}")


def report_funnel(state: CliState, as_json: bool, pipeline: str | None) -> None:
    """Per stage: entered, went on, conversion, eventually won, lost there, open there, days."""
    from guanxi_sales.analysis import funnel

    with state.transaction() as uow:
        rows = funnel(uow, pipeline=pipeline)
    emit(rows, [("stage", lambda r: r.stage), ("probability", lambda r: r.probability),
                ("entered", lambda r: r.entered), ("advanced", lambda r: r.advanced),
                ("conversion", lambda r: r.conversion if as_json else _rate(r.conversion)),
                ("won", lambda r: r.won), ("lost_here", lambda r: r.lost_here),
                ("open_here", lambda r: r.open_here), ("stays", lambda r: r.stays),
                ("avg_days", lambda r: r.avg_days)], as_json=as_json, title="funnel")


def report_cycle(state: CliState, by: str, as_json: bool, **options: Any) -> None:
    """Days from creation to close of closed opportunities, by a dimension."""
    from guanxi_sales.analysis import sales_cycle

    with state.transaction() as uow:
        rows = sales_cycle(uow, by=by, **options)
    emit(rows, [(by, lambda r: r.label), ("won", lambda r: r.won), ("lost", lambda r: r.lost),
                ("avg_days_won", lambda r: r.avg_days_won),
                ("avg_days_lost", lambda r: r.avg_days_lost), ("avg_days", lambda r: r.avg_days)],
         as_json=as_json, title=f"sales cycle by {by}")


def _report_commands(group: click.Group) -> None:
    @group.command("forecast")
    @click.option("--period", type=click.Choice(["month", "quarter"]), default="quarter",
                  show_default=True)
    @click.option("--by", type=click.Choice(["owner", "team", "none"]), default="owner",
                  show_default=True)
    @_range_options
    @json_option
    @pass_state
    def forecast_command(state: CliState, **options: Any) -> None:
        """Weighted pipeline and won business by period of close and owner or team."""
        report_forecast(state, **options)

    @group.command("win-loss")
    @click.option("--by", type=click.Choice(["owner", "team", "source", "competitor", "stage",
                                             "pipeline"]), default="owner", show_default=True,
                  help=BY_HELP)
    @_range_options
    @json_option
    @pass_state
    def win_loss_command(state: CliState, **options: Any) -> None:
        """Win/loss analysis (赢/输分析): win rate by owner, team, source, competitor, stage."""
        report_win_loss(state, **options)

    @group.command("funnel")
    @click.option("--pipeline", default=None)
    @json_option
    @pass_state
    def funnel_command(state: CliState, **options: Any) -> None:
        """Per-stage conversion, losses and average time in stage."""
        report_funnel(state, **options)

    @group.command("cycle")
    @click.option("--by", type=click.Choice(["owner", "team", "source", "competitor", "pipeline",
                                             "none"]), default="owner", show_default=True)
    @_range_options
    @json_option
    @pass_state
    def cycle_command(state: CliState, **options: Any) -> None:
        """Sales-cycle length: days from creation to close."""
        report_cycle(state, **options)


def register(group: click.Group) -> None:
    """Add this area's commands to the ``sales`` group (``report`` is shared)."""
    for command in (opportunity, pipeline, lead, competitor):
        group.add_command(command)
    reports = group.commands.get("report")
    if not isinstance(reports, click.Group):
        reports = click.Group("report", help="Sales reports: forecast, win/loss, funnel, cycle.")
        group.add_command(reports)
    _report_commands(reports)

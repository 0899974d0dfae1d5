"""``guanxi service surveys …``: satisfaction surveys, answers and their reports."""

from __future__ import annotations

from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, parse_assignments, print_json
from guanxi.errors import NotFoundError, ValidationError
from guanxi_service.surveys.models import SOURCES, SURVEY_STATUSES
from guanxi_service.surveys.reports import GROUPINGS, PERIODS


@click.group()
def surveys() -> None:
    """Satisfaction surveys (满意度调查): list, send, answer, report."""


def _customer_id(uow: Any, reference: str | None) -> int | None:
    from guanxi.services.lookup import resolve_customer

    if reference is None:
        return None
    try:
        return resolve_customer(uow, reference)
    except NotFoundError as exc:
        raise ValidationError("customer", str(exc)) from None


@surveys.command("list")
@click.option("--status", type=click.Choice(SURVEY_STATUSES), default=None)
@click.option("--source", type=click.Choice(SOURCES), default=None)
@click.option("--customer", default=None, help="Customer id, email, phone or name.")
@click.option("--ticket", "ticket_id", type=int, default=None, help="Ticket id.")
@click.option("--poor", is_flag=True, help="Only poor answers.")
@click.option("--after", "after_id", type=int, default=None, help="Page on below this id.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@pass_state
def list_(state: CliState, status: str | None, source: str | None, customer: str | None,
          ticket_id: int | None, poor: bool, after_id: int | None, limit: int,
          as_json: bool) -> None:
    """The surveys you may see, newest first."""
    from guanxi.services.lookup import customer_names
    from guanxi_service.surveys.service import list_surveys

    with state.transaction() as uow:
        rows = list_surveys(uow, status=status, source=source,
                            customer_id=_customer_id(uow, customer), ticket_id=ticket_id,
                            poor=True if poor else None, after_id=after_id, limit=limit)
        names = customer_names(uow, [r.customer_id for r in rows])
        tz = uow.app.tz
    emit(rows, [
        ("id", lambda s: s.id), ("customer", lambda s: names.get(s.customer_id)),
        ("customer_id", lambda s: s.customer_id), ("source", lambda s: s.source),
        ("ticket_id", lambda s: s.ticket_id), ("visit_id", lambda s: s.visit_id),
        ("channel", lambda s: s.channel), ("status", lambda s: s.status),
        ("sent_at", lambda s: s.sent_at if as_json else local(s.sent_at, tz)),
        ("answered_at", lambda s: s.answered_at if as_json else local(s.answered_at, tz)),
        ("csat", lambda s: s.csat), ("nps", lambda s: s.nps), ("poor", lambda s: s.poor),
        ("follow_up", lambda s: s.follow_up),
        ("follow_up_ticket_id", lambda s: s.follow_up_ticket_id),
    ], as_json=as_json, title="satisfaction surveys")


def _echo_detail(detail: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(detail)
        return
    about = detail["visit_id"] if detail["source"] == "visit" else detail["ticket_id"]
    click.echo(f"survey {detail['id']}: {detail['customer']} ({detail['source']} {about}), "
               f"{detail['status']} via {detail['channel']}")
    if detail["status"] == "answered":
        nps = "" if detail["nps"] is None else f", NPS {detail['nps']}/10"
        click.echo(f"CSAT {detail['csat']}/5{nps}" + (" — poor" if detail["poor"] else ""))
        for factor in detail["factors"].values():
            click.echo(f"  {factor['label']}: {factor['score']}/5")
        if detail["comment"]:
            click.echo(f"comment: {detail['comment']}")
        if detail["follow_up"]:
            click.echo(f"follow-up: {detail['follow_up']} ticket "
                       f"{detail['follow_up_ticket_id']}")
    if "invitation" in detail:
        click.echo(f"\nsubject: {detail['invitation']['subject']}\n")
        click.echo(detail["invitation"]["text"])


@surveys.command("show")
@click.argument("survey")
@click.option("--invitation", is_flag=True, help="Also render the invitation letter.")
@json_option
@pass_state
def show(state: CliState, survey: str, invitation: bool, as_json: bool) -> None:
    """A survey (by id or token) with its answer."""
    from guanxi_service.surveys.service import survey_detail

    with state.transaction() as uow:
        detail = survey_detail(uow, survey, invitation=invitation)
    _echo_detail(detail, as_json)


@surveys.command("send")
@click.option("--ticket", default=None, help="Survey this resolved or closed ticket now.")
@click.option("--visit", type=int, default=None, help="Survey this return visit now.")
@click.option("--customer", default=None, help="The visited customer (with --visit).")
@click.option("--channel", default=None, help="Channel (default: the settings').")
@json_option
@pass_state
def send(state: CliState, ticket: str | None, visit: int | None, customer: str | None,
         channel: str | None, as_json: bool) -> None:
    """Send the surveys that are due; with --ticket or --visit, survey that one now."""
    from guanxi_service.surveys.service import request_survey, send_due, survey_detail

    with state.transaction() as uow:
        if ticket is None and visit is None:
            if customer or channel:
                raise ValidationError("ticket", "--customer and --channel need --ticket "
                                                "or --visit")
            sent = send_due(uow, uow.now)
            detail = None
        else:
            survey = request_survey(uow, ticket=ticket, visit=visit,
                                    customer_id=_customer_id(uow, customer), channel=channel)
            detail = survey_detail(uow, survey.id)  # type: ignore[arg-type]
    if detail is None:
        if as_json:
            print_json({"sent": sent})
        else:
            click.echo(f"{sent} surveys sent")
        return
    _echo_detail(detail, as_json)


@surveys.command("answer")
@click.argument("survey")
@click.option("--csat", default=None, help="Overall satisfaction, 1–5.")
@click.option("--nps", default=None, help="Likelihood to recommend, 0–10.")
@click.option("--factor", "factors", multiple=True, help="factor=score (1–5), repeatable.")
@click.option("--comment", default=None, help="What the customer said.")
@json_option
@pass_state
def answer_(state: CliState, survey: str, csat: str | None, nps: str | None,
            factors: tuple[str, ...], comment: str | None, as_json: bool) -> None:
    """Record the answer to SURVEY (id or token), e.g. taken by phone."""
    from guanxi_service.surveys.answers import answer
    from guanxi_service.surveys.service import survey_detail

    ratings = parse_assignments(factors, "--factor")
    with state.transaction() as uow:
        answered = answer(uow, survey, csat=csat, nps=nps, factors=ratings, comment=comment)
        detail = survey_detail(uow, answered.id)  # type: ignore[arg-type]
    _echo_detail(detail, as_json)


def _pct(value: float | None) -> str | None:
    return None if value is None else f"{value:.1f}%"


@surveys.command("report")
@click.argument("which", type=click.Choice(("satisfaction", "factors", "complaints")),
                default="satisfaction")
@click.option("--start", default=None, help="First day (YYYY-MM-DD).")
@click.option("--end", default=None, help="Last day (YYYY-MM-DD).")
@click.option("--by", type=click.Choice(GROUPINGS), default="period", show_default=True,
              help="Grouping of the satisfaction report.")
@click.option("--period", type=click.Choice(PERIODS), default="month", show_default=True)
@click.option("--team", default=None, help="Only this team (name or id).")
@click.option("--channel", default=None, help="Only this channel (satisfaction).")
@json_option
@pass_state
def report(state: CliState, which: str, start: str | None, end: str | None, by: str,
           period: str, team: str | None, channel: str | None, as_json: bool) -> None:
    """Satisfaction (CSAT, NPS, response rate), the factor analysis (满意度因素分析) or
    the complaint resolved-to-satisfaction rate."""
    from guanxi_service.surveys import reports

    with state.transaction() as uow:
        if which == "satisfaction":
            result = reports.satisfaction(uow, start=start, end=end, by=by, period=period,
                                          team=team, channel=channel)
        elif which == "factors":
            result = reports.satisfaction_factors(uow, start=start, end=end, team=team)
        else:
            result = reports.complaint_resolution(uow, start=start, end=end, period=period)
    if as_json:
        print_json(result)
        return
    if which == "satisfaction":
        rows = result["rows"] if by == "total" else [*result["rows"], result["total"]]
        emit(rows, [
            (by, lambda r: r["group"]), ("sent", lambda r: r["sent"]),
            ("answered", lambda r: r["answered"]),
            ("response", lambda r: _pct(r["response_rate"])),
            ("CSAT", lambda r: r["csat_average"]),
            ("satisfied", lambda r: _pct(r["satisfied_pct"])),
            ("NPS", lambda r: r["nps"]), ("poor", lambda r: r["poor"]),
        ], as_json=False, title="satisfaction")
    elif which == "factors":
        emit(result["factors"], [
            ("factor", lambda r: r["label"]), ("answers", lambda r: r["answers"]),
            ("average", lambda r: r["average"]),
            ("satisfied", lambda r: r["satisfied_average"]),
            ("dissatisfied", lambda r: r["dissatisfied_average"]),
            ("difference", lambda r: r["difference"]),
            ("correlation", lambda r: r["correlation"]),
        ], as_json=False, title=f"满意度因素分析 ({result['answers']} answers)")
    else:
        emit([*result["rows"], result["total"]], [
            ("period", lambda r: r["group"]), ("resolved", lambda r: r["resolved"]),
            ("answered", lambda r: r["answered"]), ("satisfied", lambda r: r["satisfied"]),
            ("rate", lambda r: _pct(r["rate"])),
        ], as_json=False, title="complaints resolved to satisfaction")

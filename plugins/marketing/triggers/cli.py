"""``guanxi marketing triggers …`` and ``guanxi marketing content …``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi.errors import ValidationError

CLASS_OPTION = click.option(
    "--commercial/--not-commercial",
    "commercial",
    default=None,
    help="Say whether the post is commercial (default: the keywords decide).",
)


def parse_day(value: str | None, field_name: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` option, or None when not given."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(field_name, f"not a date (YYYY-MM-DD): {value!r}") from None


def parse_moment(value: str | None, tz: dt.tzinfo, field_name: str) -> dt.datetime:
    """An ISO date-time option in local time unless it names a zone; default now."""
    if value is None:
        return dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(field_name, f"not a date-time (ISO 8601): {value!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


# ---------------------------------------------------------------------------- triggers


@click.group()
def triggers() -> None:
    """Triggered campaigns: special dates, occasion reminders, lapsed customers."""


@triggers.command("list")
@json_option
@pass_state
def triggers_list(state: CliState, as_json: bool) -> None:
    """The configured triggers."""
    from guanxi_marketing.triggers.service import trigger_settings

    rows = trigger_settings(state.app).triggers
    emit(
        rows,
        [
            ("name", lambda t: t.name),
            ("type", lambda t: t.type),
            ("enabled", lambda t: t.enabled),
            ("channel", lambda t: t.channel),
            ("template", lambda t: t.template),
            ("lead_days", lambda t: t.lead_days),
            ("detail", _detail),
        ],
        as_json=as_json,
    )


def _detail(trigger: Any) -> str:
    if trigger.type == "special_date":
        return "dates: " + ", ".join(trigger.dates)
    if trigger.type == "repeat_purchase":
        return f"occasion {trigger.occasion}, bought in each of the last {trigger.years} years"
    if trigger.type == "lapsed":
        return f"no purchase for {trigger.lapsed_days} days, cool-down {trigger.cool_down_days}"
    return f"announcement {trigger.announcement}: tags {trigger.tags}, segment {trigger.segment}"


def _outcome_rows(outcomes: list[Any]) -> list[dict[str, Any]]:
    rows = []
    for outcome in outcomes:
        for status, items in (("due", outcome.due), ("skipped", outcome.skipped)):
            for item in items:
                rows.append(
                    {
                        "trigger": outcome.trigger,
                        "customer": item.customer_id,
                        "occurrence": item.occurrence,
                        "campaign": outcome.campaigns.get(item.period),
                        "status": status,
                        "reason": item.reason,
                    }
                )
    return rows


ROW_COLUMNS = [
    (name, lambda row, key=name: row[key])
    for name in ("trigger", "customer", "occurrence", "campaign", "status", "reason")
]


@triggers.command("preview")
@click.option("--on", "on", default=None, help="The day to evaluate (YYYY-MM-DD; default today).")
@click.option("--trigger", "only", default=None, help="Only this trigger (even if disabled).")
@json_option
@pass_state
def triggers_preview(state: CliState, on: str | None, only: str | None, as_json: bool) -> None:
    """Who the triggers would choose, and why (a dry run: nothing is stored or sent)."""
    from guanxi_marketing.triggers.service import preview_triggers

    with state.transaction() as uow:
        outcomes = preview_triggers(uow, on=parse_day(on, "on"), only=only)
    emit(_outcome_rows(outcomes), ROW_COLUMNS, as_json=as_json)


@triggers.command("run")
@click.option("--on", "on", default=None, help="The day to run for (YYYY-MM-DD; default today).")
@click.option("--trigger", "only", default=None, help="Only this trigger (even if disabled).")
@click.option("--no-send", is_flag=True, help="Record the campaigns but leave them unsent.")
@json_option
@pass_state
def triggers_run(
    state: CliState, on: str | None, only: str | None, no_send: bool, as_json: bool
) -> None:
    """Fire the triggers now (what the daily job does) and send their campaigns."""
    from guanxi_marketing.triggers.service import run_triggers

    outcomes, sends = run_triggers(
        state.app, on=parse_day(on, "on"), only=only, as_user=state.as_user(), send=not no_send
    )
    summary = {
        "fired": {o.trigger: len(o.due) for o in outcomes if o.error is None},
        "failed": {o.trigger: o.error for o in outcomes if o.error is not None},
        "campaigns": sorted({cid for o in outcomes for cid in o.campaigns.values()}),
        "sent": {str(cid): _send_text(report) for cid, report in sends.items()},
    }
    if as_json:
        print_json(summary)
        return
    for name, count in summary["fired"].items():
        click.echo(f"{name}: {count} customer(s)")
    for name, error in summary["failed"].items():
        click.echo(f"{name}: failed, nothing recorded: {error}")
    for cid, text in summary["sent"].items():
        click.echo(f"campaign {cid}: {text}")


def _send_text(report: Any) -> str:
    if isinstance(report, Exception):
        return f"not fully sent ({report}); the rest stays pending"
    return str(report)


# ----------------------------------------------------------------------------- content


@click.group()
def content() -> None:
    """Social posts under the content policy (length, commercial share)."""


def _check_rows(checked: Any) -> list[dict[str, Any]]:
    return [
        {"rule": v.rule, "severity": v.severity, "message": v.message}
        for v in checked.violations
    ]


@content.command("check")
@click.argument("text")
@click.option("--account", required=True, help="The social account the post is for.")
@click.option("--at", "at", default=None, help="When it is planned (ISO; local time; default now).")
@CLASS_OPTION
@json_option
@pass_state
def content_check(
    state: CliState, text: str, account: str, at: str | None, commercial: bool | None, as_json: bool
) -> None:
    """Check TEXT against the content policy; exit 1 when it breaks the policy."""
    from guanxi_marketing.triggers.posts import check_post

    with state.transaction() as uow:
        moment = parse_moment(at, uow.app.tz, "at")
        checked = check_post(uow, text, account, moment, commercial=commercial)
    if as_json:
        print_json({**checked.__dict__, "refused": checked.refused})
    else:
        kind = "commercial" if checked.commercial else "not commercial"
        click.echo(
            f"{checked.length} characters, {kind} ({checked.classified_by}); "
            f"{checked.commercial_in_period} of {checked.posts_in_period} posts in "
            f"{checked.period} commercial"
        )
        for row in _check_rows(checked):
            click.echo(f"{row['severity']}: {row['rule']}: {row['message']}")
    if checked.refused:
        raise SystemExit(1)


@content.command("add")
@click.argument("text")
@click.option("--account", required=True, help="The social account the post is for.")
@click.option("--at", "at", default=None, help="When it is planned (ISO; local time; default now).")
@CLASS_OPTION
@click.option("--published", is_flag=True, help="Record it as already published.")
@click.option("--force", is_flag=True, help="Store it even if it breaks the policy (audited).")
@click.option("--reason", default=None, help="Why the policy is overridden (with --force).")
@json_option
@pass_state
def content_add(
    state: CliState,
    text: str,
    account: str,
    at: str | None,
    commercial: bool | None,
    published: bool,
    force: bool,
    reason: str | None,
    as_json: bool,
) -> None:
    """Plan a post (refused when it breaks the policy, unless --force)."""
    from guanxi_marketing.triggers.posts import add_post

    with state.transaction() as uow:
        post = add_post(
            uow,
            account=account,
            text=text,
            at=parse_moment(at, uow.app.tz, "at"),
            commercial=commercial,
            published=published,
            force=force,
            reason=reason,
        )
    if as_json:
        print_json(post)
    else:
        note = " (forced past the policy)" if post.forced else ""
        click.echo(f"{post.status} post {post.id}, {post.length} characters{note}")


@content.command("list")
@click.option("--account", default=None)
@json_option
@pass_state
def content_list(state: CliState, account: str | None, as_json: bool) -> None:
    """The posts, by planned time."""
    from guanxi_marketing.triggers.posts import list_posts

    with state.transaction() as uow:
        posts = list_posts(uow, account=account)
    tz = state.app.tz
    emit(
        posts,
        [
            ("id", lambda p: p.id),
            ("account", lambda p: p.account),
            ("planned", lambda p: local(p.planned_at, tz)),
            ("status", lambda p: p.status),
            ("length", lambda p: p.length),
            ("commercial", lambda p: p.commercial),
            ("forced", lambda p: p.forced),
            ("text", lambda p: p.text),
        ],
        as_json=as_json,
    )


@content.command("report")
@click.option("--on", "on", default=None, help="A day in the period (YYYY-MM-DD; default today).")
@click.option("--account", default=None)
@json_option
@pass_state
def content_report_command(
    state: CliState, on: str | None, account: str | None, as_json: bool
) -> None:
    """Posts and commercial share per account in the policy period."""
    from guanxi_marketing.triggers.posts import content_report

    with state.transaction() as uow:
        day = parse_day(on, "on") or state.app.local_time(uow.now).date()
        rows = content_report(uow, on=day, account=account)
    columns = [(name, lambda row, key=name: row[key]) for name in REPORT_COLUMNS]
    emit(rows, columns, as_json=as_json)


REPORT_COLUMNS = (
    "account", "period", "posts", "commercial", "share", "status", "too_long", "forced",
)


def register(group: click.Group) -> None:
    """Add ``triggers`` and ``content`` to the ``guanxi marketing`` group."""
    group.add_command(triggers)
    group.add_command(content)

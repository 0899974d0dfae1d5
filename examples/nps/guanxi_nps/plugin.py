"""guanxi_nps: the plugin's metadata and its hook implementations.

guanxi finds this module through the entry point in pyproject.toml. Each hook below is
one example of its family; docs/plugin-hooks.md in the guanxi repository documents every
hook (when it fires, its arguments, what it returns).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
import guanxi
from guanxi import hookimpl
from guanxi.cli import CliState, pass_state
from guanxi.models import Customer, Interaction
from guanxi.registry import Section
from guanxi.services.interactions import log_interaction, log_interactions
from guanxi.services.lookup import resolve_customer
from sqlalchemy import select

from .models import NpsSummary
from .settings import NpsAnswerPayload, NpsFields, NpsSentPayload, NpsSettings

HERE = Path(__file__).parent

# [tutorial: metadata]
# The entry point's name must equal `name`. `requires` maps other plugins to version
# ranges ({"sales": ">=0.1"}); they are enabled with this one.
plugin = guanxi.Plugin(
    name="nps",
    version="0.1.0",
    description="NPS survey by SMS",
    requires={},
)
# [/tutorial: metadata]


# Registration hooks: each is called once while guanxi builds the application.


@hookimpl
def register_settings(register):
    register("nps", NpsSettings)


@hookimpl
def register_custom_fields(register):
    register(NpsFields)


# [tutorial: kinds]
@hookimpl
def register_interaction_kinds(register):
    # Kinds are namespaced by the plugin's name; every payload must satisfy the schema.
    register("nps.sent", schema=NpsSentPayload, default_channel="sms",
             description="an NPS survey question sent to a customer")
    register("nps.answer", schema=NpsAnswerPayload, default_channel="sms",
             description="a customer's 0-10 answer to the NPS question")
# [/tutorial: kinds]


@hookimpl
def register_models(register):
    register(NpsSummary, migrations=HERE / "migrations")


@hookimpl
def register_templates(register):
    # Templates live under templates/nps/ so that their names do not collide with
    # other plugins'; an edition overrides one by shipping a file of the same name.
    register(HERE / "templates")


# [tutorial: job]
def send_surveys(uow, due_at):
    """Ask every customer who had an `after_kind` interaction `after_days` ago."""
    settings = uow.app.settings_for("nps")
    # One day's worth of interactions, so that a daily run asks about each one once.
    end = due_at - dt.timedelta(days=settings.after_days)
    start = end - dt.timedelta(days=1)
    latest = {}
    for row in uow.session.scalars(
        select(Interaction)
        .where(Interaction.kind == settings.after_kind,
               Interaction.occurred_at >= start, Interaction.occurred_at < end)
        .order_by(Interaction.occurred_at)
    ):
        latest[row.customer_id] = row.id
    # Never ask twice about the same interaction (a job run again after a failure).
    asked = set(uow.session.scalars(
        select(Interaction.customer_id).where(Interaction.kind == "nps.sent",
                                              Interaction.occurred_at >= start)
    ))
    customers = uow.session.scalars(
        select(Customer).where(Customer.id.in_(set(latest) - asked)).order_by(Customer.id)
    ).all()
    surveys = [
        {"customer_id": customer.id, "kind": "nps.sent", "channel": settings.channel,
         "direction": "outbound", "occurred_at": due_at,
         "subject": uow.app.render("nps/question.txt", customer=customer).strip(),
         "payload": {"about_id": latest[customer.id]}}
        for customer in customers
        if not (customer.custom or {}).get("nps_opt_out")
    ]
    log_interactions(uow, surveys)
    return f"sent {len(surveys)} surveys"


@hookimpl
def register_jobs(register):
    # `guanxi jobs run-due` (from cron) runs it every morning at ten, local time.
    register("nps.send_surveys", send_surveys, daily_at="10:00",
             description="send the NPS question to recent buyers")
# [/tutorial: job]


# [tutorial: score]
def net_promoter_score(scores):
    """The NPS of 0-10 scores: % promoters (9-10) minus % detractors (0-6), rounded."""
    promoters = sum(1 for score in scores if score >= 9)
    detractors = sum(1 for score in scores if score <= 6)
    return round(100 * (promoters - detractors) / len(scores))
# [/tutorial: score]


# [tutorial: commands]
@hookimpl
def register_commands(cli):
    @cli.group(name="nps")
    def group():
        """Net promoter score surveys by SMS."""

    @group.command("answer")
    @click.argument("reference")
    @click.argument("score", type=int)
    @click.option("--comment", default=None, help="What the customer added.")
    @pass_state
    def answer(state: CliState, reference: str, score: int, comment: str | None) -> None:
        """Log the customer REFERENCE's answer SCORE (0-10) to the survey."""
        channel = state.app.settings_for("nps").channel
        # state.transaction() acts as the --as user: permissions and record policies apply.
        with state.transaction() as uow:
            customer_id = resolve_customer(uow, reference)
            record = log_interaction(uow, customer_id=customer_id, kind="nps.answer",
                                     channel=channel, payload={"score": score,
                                                               "comment": comment})
        click.echo(f"logged answer {record.id}: customer {customer_id} scored {score}")

    @group.command("score")
    @click.option("--days", type=click.IntRange(min=1), default=90, show_default=True,
                  help="Count the answers of the last DAYS days.")
    @pass_state
    def score(state: CliState, days: int) -> None:
        """Print the net promoter score of the recent answers."""
        since = state.app.now() - dt.timedelta(days=days)
        with state.transaction() as uow:
            payloads = uow.session.scalars(
                select(Interaction.payload).where(Interaction.kind == "nps.answer",
                                                  Interaction.occurred_at >= since)
            ).all()
        scores = [payload["score"] for payload in payloads]
        if not scores:
            click.echo(f"no answers in the last {days} days")
            return
        promoters = sum(1 for s in scores if s >= 9)
        detractors = sum(1 for s in scores if s <= 6)
        click.echo(f"NPS {net_promoter_score(scores):+d} from {len(scores)} answers: "
                   f"{promoters} promoters, {len(scores) - promoters - detractors} passives, "
                   f"{detractors} detractors")
# [/tutorial: commands]


# Event hooks fire inside the unit of work that caused them: what they write commits (or
# rolls back) with it. Interactions arrive in batches: one query per batch, not per row.


# [tutorial: hooks]
@hookimpl
def interactions_logged(uow, interactions):
    answers = [item for item in interactions if item.kind == "nps.answer"]
    if not answers:
        return
    ids = {item.customer_id for item in answers}
    found = {
        row.customer_id: row
        for row in uow.session.scalars(select(NpsSummary).where(NpsSummary.customer_id.in_(ids)))
    }
    for item in answers:
        summary = found.get(item.customer_id)
        if summary is None:
            summary = found[item.customer_id] = NpsSummary(customer_id=item.customer_id)
            uow.session.add(summary)
        summary.answers += 1
        if summary.last_answer_at is None or item.occurred_at >= summary.last_answer_at:
            summary.last_score = item.payload["score"]
            summary.last_answer_at = item.occurred_at


# Query hooks are asked for a contribution; returning None adds nothing.


@hookimpl
def customer_360_sections(uow, customer):
    summary = uow.session.get(NpsSummary, customer.id)
    if summary is None:
        return None
    return Section(title="NPS", rows=[("last score", summary.last_score),
                                      ("answers", summary.answers)])
# [/tutorial: hooks]

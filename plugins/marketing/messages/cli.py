"""``guanxi marketing messages …``, ``guanxi marketing send`` and ``… unsubscribe``."""

from __future__ import annotations

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi.errors import GuanxiError
from guanxi_marketing.messages.models import MESSAGE_STATUSES


class SendStopped(GuanxiError):
    """A send run stopped early (the counts were printed before)."""


def _columns(state: CliState) -> list:
    tz = state.app.tz
    return [
        ("id", lambda m: m.id),
        ("campaign", lambda m: m.campaign_id),
        ("customer", lambda m: m.customer_id),
        ("channel", lambda m: m.channel),
        ("status", lambda m: "unconfirmed" if m.status == "attempting" else m.status),
        ("address", lambda m: m.address),
        ("subject", lambda m: m.subject),
        ("sent", lambda m: local(m.sent_at, tz)),
        ("reason", lambda m: m.reason),
    ]


@click.group()
def messages() -> None:
    """Campaign messages: preview, send, list, show, resolve unconfirmed ones."""


@messages.command("preview")
@click.argument("campaign")
@click.argument("customer_id", type=int)
@json_option
@pass_state
def preview_command(state: CliState, campaign: str, customer_id: int, as_json: bool) -> None:
    """Show the message CAMPAIGN would send to CUSTOMER_ID (nothing is sent)."""
    from guanxi_marketing.messages.service import preview

    with state.transaction() as uow:
        message = preview(uow, campaign, customer_id)
    if as_json:
        print_json(message)
        return
    click.echo(f"To: {message.display_name} <{message.address or '-'}>")
    if message.subject is not None:
        click.echo(f"Subject: {message.subject}")
    if message.unsubscribe_url:
        click.echo(f"List-Unsubscribe: <{message.unsubscribe_url}>")
    click.echo("")
    click.echo(message.text)


@click.command("send")
@click.argument("campaign")
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Send at most this many now; the rest stay pending.")
@click.option("--retry-failed", is_flag=True, help="Try members whose message failed again.")
@json_option
@pass_state
def send_command(
    state: CliState, campaign: str, limit: int | None, retry_failed: bool, as_json: bool
) -> None:
    """Send CAMPAIGN's message to every member not yet reached."""
    from guanxi_marketing.messages.service import send_campaign

    report = send_campaign(state.app, campaign, limit=limit, retry_failed=retry_failed,
                           as_user=state.as_user())
    if as_json:
        print_json(report)
    else:
        click.echo(report.summary())
        for failure in report.failures:
            click.echo(f"  failed: {failure}")
    if report.error:
        raise SendStopped(f"sending stopped: {report.error} (rerun to send the rest)")


@messages.command("list")
@click.option("--campaign", "campaign_id", type=int, default=None)
@click.option("--customer", "customer_id", type=int, default=None)
@click.option("--status", type=click.Choice(MESSAGE_STATUSES), default=None)
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@json_option
@pass_state
def list_command(state: CliState, campaign_id: int | None, customer_id: int | None,
                 status: str | None, limit: int, as_json: bool) -> None:
    """List campaign messages, newest first."""
    from guanxi_marketing.messages.service import list_messages

    with state.transaction() as uow:
        rows = list_messages(uow, campaign_id=campaign_id, customer_id=customer_id,
                             status=status, limit=limit)
    emit(rows, _columns(state), as_json=as_json)


@messages.command("show")
@click.argument("message_id", type=int)
@json_option
@pass_state
def show_command(state: CliState, message_id: int, as_json: bool) -> None:
    """Show one message."""
    from guanxi_marketing.messages.service import get_message

    with state.transaction() as uow:
        row = get_message(uow, message_id)
    if as_json:
        print_json(row)
        return
    for header, get in [*_columns(state), ("message_id", lambda m: m.message_id),
                        ("body_sha256", lambda m: m.body_sha256)]:
        click.echo(f"{header}: {get(row) if get(row) is not None else ''}")


@messages.command("resolve")
@click.argument("message_id", type=int)
@click.option("--delivered/--not-delivered", required=True,
              help="What the SMTP server's log says about this Message-ID.")
@pass_state
def resolve_command(state: CliState, message_id: int, delivered: bool) -> None:
    """Settle an unconfirmed message: delivered (→ sent) or not (→ pending, sent by a rerun)."""
    from guanxi_marketing.messages.service import resolve_message

    with state.transaction() as uow:
        row = resolve_message(uow, message_id, delivered=delivered)
    click.echo(f"message {row.id} is {row.status}")


@click.command("unsubscribe")
@click.argument("token")
@pass_state
def unsubscribe_command(state: CliState, token: str) -> None:
    """Withdraw marketing consent as the unsubscribe link TOKEN asks."""
    from guanxi_marketing.messages.service import unsubscribe

    with state.transaction() as uow:
        customer_id = unsubscribe(uow, token)
    click.echo(f"customer {customer_id} unsubscribed")


def register(group: click.Group) -> None:
    """Add the messages commands to ``guanxi marketing``."""
    messages.add_command(send_command)
    group.add_command(messages)
    group.add_command(send_command)
    group.add_command(unsubscribe_command)

"""``guanxi wechat …``: ingest a callback, send a text, list the followers."""

from __future__ import annotations

from pathlib import Path

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, print_json
from guanxi.errors import ValidationError
from guanxi.services.lookup import resolve_customer


@click.group()
def wechat() -> None:
    """WeChat (微信) channel: callbacks, messages, followers."""


@wechat.command("receive")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path, allow_dash=True))
@click.option("--signature", required=True, help="The callback's signature parameter.")
@click.option("--timestamp", required=True, help="The callback's timestamp parameter.")
@click.option("--nonce", required=True, help="The callback's nonce parameter.")
@json_option
@pass_state
def receive_command(state: CliState, file: Path, signature: str, timestamp: str, nonce: str,
                    as_json: bool) -> None:
    """Ingest the WeChat callback body in FILE (XML or JSON; - for stdin), verifying its
    signature against the setting wechat.token first: a bad one stores nothing."""
    from guanxi_wechat.callback import parse_body, verify_signature
    from guanxi_wechat.service import receive

    token = state.app.settings_for("wechat").token
    verify_signature(token, signature, timestamp, nonce)
    try:
        body = click.get_text_stream("stdin").read() if str(file) == "-" else file.read_text(
            encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError("FILE", f"cannot read {file}: {exc}") from None
    message = parse_body(body)
    with state.transaction() as uow:
        done = receive(uow, message)
    if as_json:
        print_json({"customer_id": done.customer_id, "openid": done.openid,
                    "new_customer": done.new_customer, "interaction_id": done.interaction_id,
                    "duplicate": done.duplicate})
    elif done.duplicate:
        click.echo(f"message {message.msg_id} from {done.openid} was already stored")
    else:
        made = " (new customer)" if done.new_customer else ""
        click.echo(f"logged interaction {done.interaction_id} for customer "
                   f"{done.customer_id}{made}")


@wechat.command("send")
@click.argument("customer")
@click.argument("text")
@json_option
@pass_state
def send_command(state: CliState, customer: str, text: str, as_json: bool) -> None:
    """Send TEXT to CUSTOMER (id, email, phone or SOURCE:ID, e.g. wechat:OPENID)."""
    from guanxi_wechat.service import send_text

    with state.transaction() as uow:
        sent = send_text(uow, resolve_customer(uow, customer), text)
    if as_json:
        print_json({"customer_id": sent.customer_id, "openid": sent.openid,
                    "interaction_id": sent.interaction_id, "delivery": sent.delivery})
    else:
        click.echo(f"sent to {sent.openid} ({sent.delivery}); logged interaction "
                   f"{sent.interaction_id}")


@wechat.command("followers")
@click.option("--following", is_flag=True, help="Only those who still follow the account.")
@json_option
@pass_state
def followers_command(state: CliState, following: bool, as_json: bool) -> None:
    """The openids that followed or wrote to the account, latest message first."""
    from guanxi_wechat.service import at_local, list_followers

    with state.transaction() as uow:
        rows = list_followers(uow, following_only=following)
        columns = [
            ("openid", lambda f: f.openid),
            ("customer_id", lambda f: f.customer_id),
            ("subscribed_at", lambda f: at_local(uow, f.subscribed_at)),
            ("unsubscribed_at", lambda f: at_local(uow, f.unsubscribed_at)),
            ("last_message_at", lambda f: at_local(uow, f.last_message_at)),
        ]
        emit(rows, columns, as_json=as_json, title="WeChat followers")

"""``guanxi webhooks …``: endpoints, the delivery log, replay and sending (docs/webhooks.md)."""

from __future__ import annotations

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi.errors import ValidationError


@click.group("webhooks")
def webhooks() -> None:
    """Outbound webhooks: signed event deliveries to other systems."""


@webhooks.command("add")
@click.argument("url")
@click.option("--event", "events", multiple=True, metavar="TYPE",
              help="Event type or pattern to send (repeatable; e.g. customer.created, "
                   "'interaction.*'; default: every event).")
@click.option("--secret", default=None, help="Signing secret (default: a new random one).")
@click.option("--description", default="", help="What the endpoint is for.")
@json_option
@pass_state
def add(state: CliState, url: str, events: tuple[str, ...], secret: str | None,
        description: str, as_json: bool) -> None:
    """Send events to URL; the signing secret is printed once, never again."""
    from guanxi.webhooks.endpoints import add_endpoint

    with state.transaction() as uow:
        added = add_endpoint(uow, url, events, secret=secret, description=description)
    endpoint = added.endpoint
    if as_json:
        print_json({"id": endpoint.id, "url": endpoint.url, "events": endpoint.events,
                    "secret": added.secret})
        return
    click.echo(added.secret)
    click.echo(f"endpoint {endpoint.id} for {', '.join(endpoint.events)}: keep the secret; "
               "it is not shown again", err=True)


@webhooks.command("list")
@json_option
@pass_state
def list_(state: CliState, as_json: bool) -> None:
    """List the endpoints (never their secrets)."""
    from guanxi.webhooks.endpoints import list_endpoints

    with state.transaction() as uow:
        rows = list_endpoints(uow)
    tz = state.app.tz
    emit(rows, [
        ("id", lambda e: e.id),
        ("url", lambda e: e.url),
        ("events", lambda e: e.events),
        ("active", lambda e: e.active),
        ("description", lambda e: e.description),
        ("created", lambda e: local(e.created_at, tz)),
    ], as_json=as_json)


@webhooks.command("remove")
@click.argument("endpoint_id", type=int)
@pass_state
def remove(state: CliState, endpoint_id: int) -> None:
    """Delete the endpoint ENDPOINT_ID and its delivery log (disable keeps them)."""
    from guanxi.webhooks.endpoints import remove_endpoint

    with state.transaction() as uow:
        removed = remove_endpoint(uow, endpoint_id)
    click.echo(f"removed endpoint {endpoint_id} and {removed} deliveries")


def _set_active(state: CliState, endpoint_id: int, active: bool) -> None:
    from guanxi.webhooks.endpoints import set_active

    with state.transaction() as uow:
        set_active(uow, endpoint_id, active)
    click.echo(f"{'enabled' if active else 'disabled'} endpoint {endpoint_id}")


@webhooks.command("disable")
@click.argument("endpoint_id", type=int)
@pass_state
def disable(state: CliState, endpoint_id: int) -> None:
    """Stop sending to ENDPOINT_ID; new events are not queued for it, queued ones wait."""
    _set_active(state, endpoint_id, False)


@webhooks.command("enable")
@click.argument("endpoint_id", type=int)
@pass_state
def enable(state: CliState, endpoint_id: int) -> None:
    """Send to ENDPOINT_ID again (what waited is sent by the next deliver)."""
    _set_active(state, endpoint_id, True)


@webhooks.command("deliveries")
@click.option("--endpoint", "endpoint_id", type=int, default=None, help="Only this endpoint's.")
@click.option("--status", default=None, help="Only pending, failed, delivered or dead ones.")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True,
              help="How many, newest first.")
@json_option
@pass_state
def deliveries(state: CliState, endpoint_id: int | None, status: str | None, limit: int,
               as_json: bool) -> None:
    """The delivery log, newest first."""
    from guanxi.webhooks.endpoints import list_deliveries

    with state.transaction() as uow:
        rows = list_deliveries(uow, endpoint_id=endpoint_id, status=status, limit=limit)
    tz = state.app.tz
    emit(rows, [
        ("id", lambda d: d.id),
        ("endpoint", lambda d: d.endpoint_id),
        ("event", lambda d: d.event_id),
        ("type", lambda d: d.event_type),
        ("customer", lambda d: d.customer_id),
        ("status", lambda d: d.status),
        ("attempts", lambda d: d.attempts),
        ("next attempt", lambda d: local(d.next_attempt_at, tz)
         if d.status in ("pending", "failed") else None),
        ("last code", lambda d: d.last_status_code),
        ("last error", lambda d: d.last_error),
        ("created", lambda d: local(d.created_at, tz)),
        ("delivered", lambda d: local(d.delivered_at, tz)),
    ], as_json=as_json)


@webhooks.command("replay")
@click.argument("delivery_ids", nargs=-1, type=int)
@click.option("--endpoint", "endpoint_id", type=int, default=None,
              help="Replay this endpoint's deliveries (with --since).")
@click.option("--since", default=None, help="With --endpoint: those created since this date "
              "(YYYY-MM-DD, midnight in the display time zone) or date and time.")
@pass_state
def replay(state: CliState, delivery_ids: tuple[int, ...], endpoint_id: int | None,
           since: str | None) -> None:
    """Queue deliveries to be sent again (by id, or an endpoint's since a date)."""
    from guanxi.cli.dedupe_scan import parse_since
    from guanxi.webhooks import endpoints

    if delivery_ids and (endpoint_id is not None or since):
        raise ValidationError("replay", "give delivery ids or --endpoint with --since, not both")
    with state.transaction() as uow:
        if delivery_ids:
            count = endpoints.replay(uow, delivery_ids)
        elif endpoint_id is not None and since:
            moment = parse_since(since, state.app.tz)
            assert moment is not None
            count = endpoints.replay_since(uow, endpoint_id, moment)
        else:
            raise ValidationError("replay", "give delivery ids, or --endpoint and --since")
    click.echo(f"queued {count} deliveries again; 'guanxi webhooks deliver' sends them")


@webhooks.command("deliver")
@click.option("--endpoint", "endpoint_id", type=int, default=None, help="Only this endpoint's.")
@pass_state
def deliver(state: CliState, endpoint_id: int | None) -> None:
    """Send the due deliveries now (the core.webhooks_deliver job does it every minute)."""
    from guanxi.webhooks.delivery import deliver_due
    from guanxi.webhooks.endpoints import get_endpoint

    if endpoint_id is not None:
        with state.transaction() as uow:
            get_endpoint(uow, endpoint_id)
    click.echo(str(deliver_due(state.app, endpoint_id=endpoint_id)))


@webhooks.command("test")
@click.argument("endpoint_id", type=int)
@pass_state
def test(state: CliState, endpoint_id: int) -> None:
    """Send a ping event to ENDPOINT_ID now and say how it answered."""
    from guanxi.errors import GuanxiError
    from guanxi.webhooks.delivery import send_test

    attempt = send_test(state.app, endpoint_id, as_user=state.as_user())
    if not attempt.ok:
        raise GuanxiError(f"endpoint {endpoint_id} did not accept the ping: {attempt.error}")
    click.echo(f"endpoint {endpoint_id} answered {attempt.status_code}")


def register(cli: click.Group) -> None:
    """Add ``guanxi webhooks`` to the root group."""
    cli.add_command(webhooks)

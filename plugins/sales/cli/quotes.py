"""``guanxi sales quote …``: numbered, versioned quotes.

A quote line is given as ``SKU,QUANTITY[,key=value…]`` with the keys ``level`` (price
level), ``price`` (unit price, overriding the level's), ``discount`` (percent),
``spec`` (specification) and ``desc`` (description): ``--line "CRM-STD,10,level=dealer,
discount=5"``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, print_json, print_table
from guanxi.errors import ValidationError

LINE_KEYS = {
    "qty": "quantity",
    "quantity": "quantity",
    "level": "price_level",
    "price": "unit_price",
    "discount": "discount_pct",
    "spec": "specification",
    "desc": "description",
}


def parse_line(spec: str, option: str = "--line", *, quantity: bool = True) -> dict[str, Any]:
    """``SKU,QTY,key=value…`` (``SKU,key=value…`` when ``quantity`` is False) as a line dict."""
    parts = [part.strip() for part in spec.split(",")]
    if not parts[0]:
        raise ValidationError(option, f"{spec!r}: a line starts with the product SKU")
    line: dict[str, Any] = {"product": parts[0]}
    rest = parts[1:]
    if quantity:
        if not rest or "=" in rest[0]:
            raise ValidationError(option, f"{spec!r}: give SKU,QUANTITY[,key=value…]")
        line["quantity"] = rest.pop(0)
    for part in rest:
        key, sep, value = part.partition("=")
        if not sep or key.strip() not in LINE_KEYS:
            known = ", ".join(sorted(k for k in LINE_KEYS if k != "quantity"))
            raise ValidationError(option, f"{spec!r}: {part!r} is not key=value ({known})")
        line[LINE_KEYS[key.strip()]] = value.strip()
    return line




@click.group()
def quote() -> None:
    """Numbered, versioned quotes (报价)."""


def _lines(specs: tuple[str, ...], lines_file: Path | None) -> list[dict[str, Any]]:
    lines = [parse_line(spec) for spec in specs]
    if lines_file is not None:
        try:
            loaded = json.loads(lines_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValidationError("--lines-file", str(exc)) from None
        if not isinstance(loaded, list) or not all(isinstance(x, dict) for x in loaded):
            raise ValidationError("--lines-file", "must hold a JSON list of line objects")
        lines.extend(loaded)
    return lines


def _show(detail: Any, state: CliState) -> None:
    q = detail.quote
    click.echo(
        f"quote {q.number} v{q.version}  {q.status}  customer {q.customer_id}"
        + (f"  opportunity {q.opportunity_id}" if q.opportunity_id else "")
    )
    created = state.app.local_time(q.created_at)
    click.echo(f"valid until {q.valid_until}  created {created:%Y-%m-%d}")
    print_table(
        detail.lines,
        [
            ("#", lambda ln: ln.position),
            ("product", lambda ln: detail.skus.get(ln.product_id)),
            ("description", lambda ln: ln.description),
            ("spec", lambda ln: ln.specification),
            ("qty", lambda ln: ln.quantity),
            ("level", lambda ln: ln.price_level),
            ("unit price", lambda ln: ln.unit_price),
            ("discount %", lambda ln: ln.discount_pct),
            ("tax rate", lambda ln: ln.tax_rate),
            ("line total", lambda ln: ln.line_total),
        ],
    )
    click.echo(
        f"subtotal {q.subtotal}  discount {q.discount_total}  tax {q.tax_total}  "
        f"total {q.total} {q.currency}"
    )


def _print_quote(detail: Any, state: CliState, as_json: bool, verb: str) -> None:
    if as_json:
        print_json(detail.as_dict())
    else:
        q = detail.quote
        click.echo(f"{verb} quote {q.number} v{q.version}: total {q.total} {q.currency}")


@quote.command("add")
@click.argument("customer")
@click.option(
    "--line",
    "line_specs",
    multiple=True,
    metavar="SKU,QTY[,key=value…]",
    help="A line (repeatable); keys level, price, discount, spec, desc.",
)
@click.option(
    "--lines-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="A JSON list of lines (product, quantity, price_level, …).",
)
@click.option("--opportunity", "opportunity_id", type=int, default=None)
@click.option("--valid-until", default=None, help="Date (default: today + validity days).")
@click.option("--currency", default=None)
@click.option("--notes", default=None)
@json_option
@pass_state
def quote_add(
    state: CliState,
    customer: str,
    line_specs: tuple[str, ...],
    lines_file: Path | None,
    opportunity_id: int | None,
    valid_until: str | None,
    currency: str | None,
    notes: str | None,
    as_json: bool,
) -> None:
    """Make a new quote (version 1) for the customer CUSTOMER."""
    from guanxi.services.lookup import resolve_customer
    from guanxi_sales.quotes import create_quote

    lines = _lines(line_specs, lines_file)
    with state.transaction() as uow:
        detail = create_quote(
            uow,
            customer_id=resolve_customer(uow, customer),
            lines=lines,
            opportunity_id=opportunity_id,
            valid_until=valid_until,
            currency=currency,
            notes=notes,
        )
    _print_quote(detail, state, as_json, "added")


@quote.command("revise")
@click.argument("number")
@click.option(
    "--line",
    "line_specs",
    multiple=True,
    metavar="SKU,QTY[,key=value…]",
    help="Replace every line with these (repeatable).",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="SKU,key=value…",
    help="Change the line of SKU: qty, level, price, discount, spec, desc.",
)
@click.option("--add", "adds", multiple=True, metavar="SKU,QTY[,key=value…]", help="Add a line.")
@click.option("--remove", "removes", multiple=True, metavar="SKU", help="Drop SKU's lines.")
@click.option("--valid-until", default=None)
@click.option("--notes", default=None)
@json_option
@pass_state
def quote_revise(
    state: CliState,
    number: str,
    line_specs: tuple[str, ...],
    sets: tuple[str, ...],
    adds: tuple[str, ...],
    removes: tuple[str, ...],
    valid_until: str | None,
    notes: str | None,
    as_json: bool,
) -> None:
    """Make the next version of quote NUMBER (the current one becomes superseded)."""
    from guanxi_sales.quotes import revise_quote

    changes: dict[str, dict[str, Any]] = {}
    for spec in sets:
        change = parse_line(spec, "--set", quantity=False)
        changes.setdefault(change.pop("product"), {}).update(change)
    with state.transaction() as uow:
        detail = revise_quote(
            uow,
            number,
            lines=[parse_line(s) for s in line_specs] or None,
            changes=changes,
            add=[parse_line(s, "--add") for s in adds],
            remove=removes,
            valid_until=valid_until,
            notes=notes,
        )
    _print_quote(detail, state, as_json, "revised")


@quote.command("list")
@click.option("--customer", default=None, help="Only this customer's quotes.")
@click.option(
    "--status",
    type=click.Choice(["draft", "sent", "accepted", "rejected", "superseded"]),
    default=None,
)
@click.option("--opportunity", "opportunity_id", type=int, default=None)
@click.option("--all-versions", is_flag=True, help="Superseded versions too.")
@click.option("--limit", default=100, show_default=True)
@json_option
@pass_state
def quote_list(
    state: CliState,
    customer: str | None,
    status: str | None,
    opportunity_id: int | None,
    all_versions: bool,
    limit: int,
    as_json: bool,
) -> None:
    """List quotes, newest first (current versions unless --all-versions)."""
    from guanxi.services.lookup import resolve_customer
    from guanxi_sales.quotes import list_quotes

    with state.transaction() as uow:
        customer_id = resolve_customer(uow, customer) if customer else None
        rows = list_quotes(
            uow,
            customer_id=customer_id,
            status=status,
            limit=limit,
            opportunity_id=opportunity_id,
            all_versions=all_versions,
        )
    emit(
        rows,
        [
            ("number", lambda q: q.number),
            ("version", lambda q: q.version),
            ("status", lambda q: q.status),
            ("customer", lambda q: q.customer_id),
            ("opportunity", lambda q: q.opportunity_id),
            ("total", lambda q: q.total),
            ("currency", lambda q: q.currency),
            ("valid_until", lambda q: q.valid_until),
        ],
        as_json=as_json,
    )


@quote.command("show")
@click.argument("number")
@click.option("--version", type=int, default=None, help="A version (default: the current).")
@json_option
@pass_state
def quote_show(state: CliState, number: str, version: int | None, as_json: bool) -> None:
    """Show quote NUMBER with its lines and totals."""
    from guanxi_sales.quotes import get_quote

    with state.transaction() as uow:
        detail = get_quote(uow, number, version)
    if as_json:
        print_json(detail.as_dict())
    else:
        _show(detail, state)


@quote.command("send")
@click.argument("number")
@click.option("--channel", default=None, help="How it was sent (default: email).")
@pass_state
def quote_send(state: CliState, number: str, channel: str | None) -> None:
    """Mark quote NUMBER sent (logged on the customer's timeline)."""
    from guanxi_sales.quotes import send_quote

    with state.transaction() as uow:
        sent = send_quote(uow, number, channel=channel)
    click.echo(f"sent quote {sent.number} v{sent.version}")


@quote.command("accept")
@click.argument("number")
@pass_state
def quote_accept(state: CliState, number: str) -> None:
    """The customer accepted quote NUMBER (its opportunity is not won by this)."""
    from guanxi_sales.quotes import accept_quote

    with state.transaction() as uow:
        done = accept_quote(uow, number)
    click.echo(f"accepted quote {done.number} v{done.version}")


@quote.command("reject")
@click.argument("number")
@click.option("--reason", default=None)
@pass_state
def quote_reject(state: CliState, number: str, reason: str | None) -> None:
    """The customer rejected quote NUMBER."""
    from guanxi_sales.quotes import reject_quote

    with state.transaction() as uow:
        done = reject_quote(uow, number, reason=reason)
    click.echo(f"rejected quote {done.number} v{done.version}")


@quote.command("render")
@click.argument("number")
@click.option("--version", type=int, default=None)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The HTML file to write.",
)
@pass_state
def quote_render(state: CliState, number: str, version: int | None, out: Path) -> None:
    """Write quote NUMBER as HTML (template sales/quote.html; an edition may override it)."""
    from guanxi_sales.quote_documents import render_quote

    with state.transaction() as uow:
        html = render_quote(uow, number, version)
    out.write_text(html, encoding="utf-8")
    click.echo(f"wrote {out}")


@quote.command("diff")
@click.argument("number")
@click.option("--from", "old", type=int, default=None, help="Old version (default: previous).")
@click.option("--to", "new", type=int, default=None, help="New version (default: current).")
@json_option
@pass_state
def quote_diff(
    state: CliState, number: str, old: int | None, new: int | None, as_json: bool
) -> None:
    """Price, quantity and discount changes per product between two versions."""
    from guanxi_sales.quote_documents import diff_quote

    with state.transaction() as uow:
        diff = diff_quote(uow, number, old, new)
    if as_json:
        print_json(diff)
        return

    def arrow(pair: tuple[Any, Any]) -> str:
        return str(pair[1]) if pair[0] == pair[1] else f"{pair[0]} → {pair[1]}"

    click.echo(
        f"quote {diff.number} v{diff.old_version} → v{diff.new_version}: total {arrow(diff.total)}"
    )
    print_table(
        diff.lines,
        [
            ("product", lambda c: c.product),
            ("change", lambda c: c.change),
            ("unit price", lambda c: arrow(c.unit_price)),
            ("qty", lambda c: arrow(c.quantity)),
            ("discount %", lambda c: arrow(c.discount_pct)),
            ("level", lambda c: arrow(c.price_level)),
            ("line total", lambda c: arrow(c.line_total)),
        ],
    )


def register(group: click.Group) -> None:
    """Add the quote commands to ``sales``."""
    group.add_command(quote)

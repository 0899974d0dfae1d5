"""``guanxi bank …``: cross-sell rules and suggestions, value clusters, the contact standard."""

from __future__ import annotations

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, print_json
from guanxi.services.lookup import resolve_customer
from guanxi_editions.bank.clusters import cluster_table, label_clusters
from guanxi_editions.bank.crosssell import check_thresholds, cross_sell
from guanxi_editions.bank.products import product_name
from guanxi_editions.bank.segments import install_segments
from guanxi_editions.bank.settings import bank_settings
from guanxi_editions.bank.standards import sync_contact_standard


def _products(items: tuple[str, ...]) -> str:
    return " + ".join(f"{p} {product_name(p)}" for p in items)


RULE_COLUMNS = [
    ("antecedent", lambda r: list(r.antecedent)),
    ("consequent", lambda r: r.consequent),
    ("rule", lambda r: f"{_products(r.antecedent)} → {_products((r.consequent,))}"),
    ("count", lambda r: r.count),
    ("support", lambda r: round(r.support, 4)),
    ("confidence", lambda r: round(r.confidence, 4)),
    ("lift", lambda r: round(r.lift, 4)),
]
SUGGESTION_COLUMNS = [
    ("customer_id", lambda s: s.customer_id),
    ("customer", lambda s: s.customer),
    ("product", lambda s: s.product),
    ("name", lambda s: product_name(s.product)),
    ("because", lambda s: list(s.rule.antecedent)),
    ("confidence", lambda s: round(s.rule.confidence, 4)),
    ("lift", lambda s: round(s.rule.lift, 4)),
]


def register_bank_commands(cli: click.Group) -> None:
    """Add the ``bank`` command group."""

    @cli.group()
    def bank() -> None:
        """Rural commercial bank (农商行): cross-sell, value clusters, service standard."""

    @bank.command("cross-sell")
    @click.option("--min-support", type=float, help="Rule support at least this (0-1].")
    @click.option("--min-confidence", type=float, help="Rule confidence at least this (0-1].")
    @click.option("--min-lift", type=float, help="Rule lift at least this.")
    @click.option("--max-antecedent", type=click.IntRange(1, 3), help="Products on the left.")
    @click.option("--customer", "reference", help="Suggestions for this customer only.")
    @click.option(
        "--limit",
        type=click.IntRange(1),
        default=20,
        show_default=True,
        help="Suggestion rows in the table (JSON: all).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
    @pass_state
    def cross_sell_command(
        state: CliState,
        min_support: float | None,
        min_confidence: float | None,
        min_lift: float | None,
        max_antecedent: int | None,
        reference: str | None,
        limit: int,
        as_json: bool,
    ) -> None:
        """Association rules over the products customers hold, and what to offer whom."""
        with state.transaction() as uow:
            defaults = bank_settings(uow.app).cross_sell
            given = {
                "min_support": min_support,
                "min_confidence": min_confidence,
                "min_lift": min_lift,
                "max_antecedent": max_antecedent,
            }
            settings = defaults.model_copy(update={k: v for k, v in given.items() if v is not None})
            check_thresholds(settings.min_support, settings.min_confidence, settings.min_lift)
            customer_id = resolve_customer(uow, reference) if reference else None
            baskets, rules, suggestions = cross_sell(uow, settings, customer_id=customer_id)
        if as_json:
            print_json(
                {
                    "baskets": baskets,
                    "thresholds": settings.model_dump(),
                    "rules": [{h: get(r) for h, get in RULE_COLUMNS} for r in rules],
                    "suggestions": [
                        {h: get(s) for h, get in SUGGESTION_COLUMNS} for s in suggestions
                    ],
                }
            )
            return
        emit(
            rules, RULE_COLUMNS[2:], as_json=False, title=f"cross-sell rules over {baskets} baskets"
        )
        emit(
            suggestions[:limit],
            SUGGESTION_COLUMNS,
            as_json=False,
            title=f"suggestions ({len(suggestions)})",
        )

    @bank.command("clusters")
    @click.option(
        "--refresh",
        is_flag=True,
        help="Relabel from the stored value classification first (as the job does).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
    @pass_state
    def clusters_command(state: CliState, refresh: bool, as_json: bool) -> None:
        """Customers per value cluster (高价值 / 成长 / 普通 / 潜力) and segment."""
        with state.transaction() as uow:
            changed = label_clusters(uow) if refresh else None
            rows = cluster_table(uow)
        if changed is not None and not as_json:
            click.echo(f"{changed} customers changed value cluster")
        emit(
            rows,
            [
                ("cluster", lambda r: r.cluster),
                ("customers", lambda r: r.customers),
                ("by_segment", lambda r: r.by_segment),
            ],
            as_json=as_json,
            title="value clusters 价值分群",
        )

    @bank.command("install-segments")
    @pass_state
    def install_segments_command(state: CliState) -> None:
        """Create the standard marketing segments (农户, 产业大户, 小企业 …) that are missing."""
        with state.transaction() as uow:
            created = install_segments(uow)
        click.echo(
            f"{len(created)} segments created" + (f": {', '.join(created)}" if created else "")
        )

    @bank.group("standards")
    def standards() -> None:
        """The service standard of contact (服务规范)."""

    @standards.command("sync")
    @pass_state
    def standards_sync(state: CliState) -> None:
        """Give every customer of a segment the contact period of its standard."""
        with state.transaction() as uow:
            result = sync_contact_standard(uow)
        click.echo(
            f"{result.set} contact periods set, {result.unchanged} unchanged, "
            f"{result.no_owner} without an account manager"
        )

"""Rendering the customer 360 view for a person at a terminal."""

from __future__ import annotations

import datetime as dt

from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from guanxi.app import App
from guanxi.cli.output import console, local
from guanxi.services.customer360 import Customer360


def _pairs_table(pairs: list[tuple[str, object]]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    for label, value in pairs:
        if value not in (None, "", [], {}, ()):
            table.add_row(Text(label), Text(str(value)))
    return table


def _local_stamp(stamp: str, tz: dt.tzinfo) -> str:
    """A rollup's UTC stamp ("2026-05-26T17:52:00Z") as a local date."""
    return (
        dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(tz).strftime("%Y-%m-%d")
    )


def print_360(app: App, view: Customer360) -> None:
    """Print the record, rollups, recent interactions, open tasks and plugin sections."""
    out = console()
    c = view.customer
    tz = app.tz
    word = app.edition.term("customer", app.settings.language)
    out.print(
        Panel(
            _pairs_table(
                [
                    ("id", c.id),
                    ("kind", c.kind),
                    ("stage", c.lifecycle_stage),
                    ("roles", ", ".join(c.roles)),
                    ("owner", view.owner),
                    (
                        "organisation",
                        view.organization and f"{view.organization[1]} ({view.organization[0]})",
                    ),
                    (
                        "emails",
                        ", ".join(p.normalized for p in c.contact_points if p.kind == "email"),
                    ),
                    (
                        "phones",
                        ", ".join(p.normalized for p in c.contact_points if p.kind == "phone"),
                    ),
                    (
                        "addresses",
                        "; ".join(p.value for p in c.contact_points if p.kind == "address"),
                    ),
                    ("identities", ", ".join(f"{i.source}:{i.external_id}" for i in c.identities)),
                    ("tags", ", ".join(c.tags)),
                    ("gender", c.gender),
                    ("birth date", c.birth_date),
                    ("occupation", c.occupation),
                    ("preferred channel", c.preferred_channel),
                    ("interests", ", ".join(c.interests)),
                    ("care notes", c.care_notes),
                    ("special dates", ", ".join(f"{d.label} {d.date}" for d in c.special_dates)),
                    *[(name, value) for name, value in sorted(c.custom.items())],
                    ("hidden", ", ".join(c.masked)),
                ]
            ),
            title=Text(f"{word} {c.name}"),
            expand=False,
        )
    )
    r = view.rollup
    out.print(
        Panel(
            _pairs_table(
                [
                    ("interactions", r["interaction_count"]),
                    ("first", local(r["first_at"], tz)),
                    ("last", local(r["last_at"], tz)),
                    ("revenue", r["revenue"]),
                    ("purchases", r["revenue_count"]),
                    ("cost to serve", r["cost"]),
                    (
                        "by family",
                        ", ".join(f"{k} {v}" for k, v in sorted(r["counts_by_family"].items())),
                    ),
                    (
                        "last by channel",
                        ", ".join(
                            f"{k} {_local_stamp(v, tz)}"
                            for k, v in sorted(r["last_by_channel"].items())
                        ),
                    ),
                ]
            ),
            title="rollups",
            expand=False,
        )
    )
    recent = Table(title="recent interactions")
    for header in ("when", "kind", "channel", "direction", "subject", "revenue"):
        recent.add_column(header)
    for i in view.recent:
        recent.add_row(
            *(
                Text(v)
                for v in (
                    local(i.occurred_at, tz) or "",
                    i.kind,
                    i.channel,
                    i.direction,
                    i.subject or "",
                    "" if i.revenue is None else str(i.revenue),
                )
            )
        )
    out.print(recent)
    if view.open_tasks:
        tasks = Table(title="open tasks")
        for header in ("id", "due", "title", "priority"):
            tasks.add_column(header)
        for t in view.open_tasks:
            tasks.add_row(
                *(Text(v) for v in (str(t.id), local(t.due_at, tz) or "", t.title, t.priority))
            )
        out.print(tasks)
    for section in view.sections:
        out.print(Panel(_pairs_table(section.rows), title=Text(section.title), expand=False))

"""``guanxi analytics report --out FILE.html``: the self-contained HTML report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import csv_option, emit, json_option, print_json
from guanxi_analytics.common import period_options, resolve_period


@click.command("report")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The HTML file to write.")
@click.option("--section", "sections", multiple=True, metavar="KEY",
              help="Only this area (churn) or section (churn.cohorts); repeatable.")
@period_options
@json_option
@csv_option
@pass_state
def report(state: CliState, out: Path, sections: tuple[str, ...], start: dt.date | None,
           last: dt.date | None, as_json: bool, as_csv: bool) -> None:
    """Write every analysis of the period as one HTML page (charts inline, no network),
    then list its sections."""
    from guanxi.errors import ValidationError
    from guanxi_analytics.report.service import render_report, section_summary

    if not out.parent.is_dir():  # checked first: a long report is not computed for nothing
        raise ValidationError("out", f"the folder {out.parent} does not exist")
    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        result = render_report(uow, period, sections)
    try:
        out.write_text(result.html, encoding="utf-8")
    except OSError as exc:
        raise ValidationError("out", f"cannot write {out}: {exc.strerror or exc}") from None
    rows = section_summary(result.sections)
    if as_json:
        print_json({"out": str(out), "from": period.start, "to": period.last,
                    "sections": rows})
        return
    emit(rows, [("key", lambda r: r["key"]), ("title", lambda r: r["title"]),
                ("chart", lambda r: r["chart"]), ("table_rows", lambda r: r["table_rows"]),
                ("empty", lambda r: r["empty"])],
         as_json=False, as_csv=as_csv, title=f"wrote {out} ({period.label()})")

"""``guanxi import customers|interactions FILE.csv``: bulk loads with a reject file."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import csv_option, emit, json_option, local, parse_assignments, print_json
from guanxi.errors import GuanxiError

EPILOG = """\b
Exit status:
  0  every row was stored (with --dry-run: would be)
  1  some rows were rejected: they are in the reject file, the others were stored
  2  the file or the mapping is unusable, or it was imported before (or no
     database): nothing was stored
  3  a batch failed to store (database or plugin error): earlier batches stayed
     stored, and running the same command again resumes after them
"""


def import_options(func: Any) -> Any:
    """The options both import commands share."""
    options = [
        click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        click.option(
            "--format",
            "format",
            type=click.Choice(["csv", "xlsx", "vcard"]),
            default=None,
            help="The file's format [default: from the suffix: .xlsx, .vcf, else csv].",
        ),
        click.option(
            "--sheet", default=None, metavar="NAME", help="Excel: the sheet [default: the first]."
        ),
        click.option(
            "--map",
            "maps",
            multiple=True,
            metavar="COLUMN=FIELD",
            help="Column COLUMN feeds FIELD (repeatable; COLUMN= ignores it).",
        ),
        click.option(
            "--mapping",
            "mapping_file",
            default=None,
            metavar="FILE.json|FILE.toml",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="A {COLUMN: FIELD} mapping; --map entries override it.",
        ),
        click.option(
            "--default",
            "default_values",
            multiple=True,
            metavar="FIELD=VALUE",
            help="VALUE for FIELD where a record has none (repeatable), e.g. kind=core.contact.",
        ),
        click.option(
            "--encoding",
            default="utf-8",
            show_default=True,
            help="The file's encoding (a byte order mark is understood), e.g. gb18030.",
        ),
        click.option(
            "--batch-size",
            default=5000,
            show_default=True,
            type=click.IntRange(min=1),
            help="Rows per transaction.",
        ),
        click.option(
            "--rejects",
            "rejects",
            default=None,
            metavar="PATH",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Where rejected rows go [default: FILE.rejects.csv].",
        ),
        click.option(
            "--again",
            is_flag=True,
            help="Import a file that was imported before with the same options once more.",
        ),
        click.option(
            "--dry-run",
            is_flag=True,
            help="Validate every row (database checks too); store nothing, fire no hooks.",
        ),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar."),
        json_option,
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group("import")
def import_group() -> None:
    """Load customers or interactions from CSV, Excel (.xlsx) or vCard files, in batches.

    Columns feed the fields they are named after; --map COLUMN=FIELD and --mapping
    FILE say otherwise; --default FIELD=VALUE fills a field every record shares where
    a record has none. Empty cells mean "not given". Bad rows (a validation error,
    bytes the encoding cannot decode, an open quote, extra cells, a last line cut
    short) go to the reject file with the columns _row (header = row 1), _column and
    _reason; the others are stored. Bad vCards go to FILE.rejects.vcf, each with an
    X-GUANXI-REJECT line naming its card and line number and the reason. A file with
    no usable header (or no required column) is refused before anything is stored.

    An import that stopped half-way (killed, or a batch that failed) resumes after
    its last stored row when run again with the same file and options; a finished
    one is refused unless --again.
    """


@import_group.command("customers", epilog=EPILOG)
@import_options
@click.option(
    "--source",
    default=None,
    metavar="NAME",
    help="The identity column (a vCard's UID) holds external ids of this source.",
)
@click.pass_context
def customers_command(ctx: click.Context, **options: Any) -> None:
    """Import customers from FILE.

    \b
    Fields: name (required), kind, family_name, given_name, lifecycle_stage, owner
    (staff username), organization_id, gender, birth_date, occupation, language,
    preferred_channel, care_notes, address; email, phone, roles, tags, interests (a
    cell may hold several, split by ";" or "|"); identity (SOURCE:ID, or an external
    id of --source), identity.SOURCE; the edition's custom fields (NAME, custom.NAME).
    A vCard's properties map themselves (FN, N, TEL, EMAIL, ADR, BDAY, NOTE,
    CATEGORIES, ORG, TITLE, GENDER; UID is an id of --source, default vcard).
    """
    _import(ctx, "customers", **options)


@import_group.command("interactions", epilog=EPILOG)
@import_options
@click.option(
    "--source",
    default=None,
    metavar="NAME",
    help="The customer column holds external ids of this source.",
)
@click.pass_context
def interactions_command(ctx: click.Context, **options: Any) -> None:
    """Import interactions from FILE.

    \b
    Fields: customer (required: id, email, phone, SOURCE:ID, or an external id of
    --source), kind (required), channel, direction, occurred_at (local time unless it
    names a zone), actor (staff username), subject, revenue, cost, currency, source,
    payload (a JSON object) and payload.NAME.
    """
    _import(ctx, "interactions", **options)


def _import(
    ctx: click.Context,
    kind: str,
    *,
    file: Path,
    maps: tuple[str, ...],
    mapping_file: Path | None,
    default_values: tuple[str, ...],
    quiet: bool,
    as_json: bool,
    **options: Any,
) -> None:
    from guanxi.importing import EXIT_NOT_STARTED, load_mapping_file, run_import

    state = ctx.find_object(CliState)
    assert state is not None
    mapping: dict[str, Any] = load_mapping_file(mapping_file) if mapping_file else {}
    mapping.update(parse_assignments(maps, "--map"))
    try:
        app, as_user = state.app, state.as_user()
    except GuanxiError as exc:
        # Exit status 1 means "some rows were rejected" here; nothing has started yet.
        exc.exit_code = EXIT_NOT_STARTED
        raise
    # What is alive now (the app, its plugins and metadata) lives for the whole import:
    # freezing it spares the cyclic collector rescanning it after every few thousand
    # allocations of the batches (about 15 % of a customer import's time).
    gc.freeze()
    with _progress(f"importing {kind}", quiet=quiet) as progress:
        report = run_import(
            kind,
            app,
            file,
            mapping=mapping,
            defaults=parse_assignments(default_values, "--default"),
            as_user=as_user,
            progress=progress,
            on_resume=_say_resuming,
            **options,
        )
    if report.ignored_columns:
        click.echo(
            f"note: columns not imported: {', '.join(report.ignored_columns)} "
            "(map them with --map COLUMN=FIELD)",
            err=True,
        )
    if as_json:
        print_json(report)
    else:
        noun = kind if report.stored != 1 else kind.removesuffix("s")
        verb = "dry run: would import" if report.dry_run else "imported"
        line = f"{verb} {report.stored} {noun}{_identity_note(report)}, rejected {report.rejected}"
        click.echo(line + (f" (see {report.rejects_path})" if report.rejects_path else ""))
    ctx.exit(report.exit_status)


def _say_resuming(message: str) -> None:
    click.echo(message, err=True)


def _identity_note(report: Any) -> str:
    """What the duplicate check did with the stored records, when it did anything."""
    parts = []
    if report.linked:
        parts.append(f"{report.linked} linked into existing customers")
    if report.flagged:
        parts.append(f"{report.flagged} flagged as possible duplicates")
    return f" ({', '.join(parts)})" if parts else ""


@import_group.command("runs")
@click.option("--limit", default=50, show_default=True)
@json_option
@csv_option
@pass_state
def runs_command(state: CliState, limit: int, as_json: bool, as_csv: bool) -> None:
    """Imports of files, newest first: how far each got (resumable if unfinished)."""
    from guanxi.importing.runs import list_runs

    with state.transaction() as uow:
        rows = list_runs(uow, limit=limit)
    tz = state.app.tz
    emit(
        rows,
        [
            ("id", lambda r: r["id"]),
            ("started", lambda r: local(r["started_at"], tz)),
            ("kind", lambda r: r["kind"]),
            ("format", lambda r: r["format"]),
            ("file", lambda r: r["path"]),
            ("by", lambda r: r["username"] or "system"),
            ("rows done", lambda r: r["rows_done"]),
            ("stored", lambda r: r["stored"]),
            ("rejected", lambda r: r["rejected"]),
            ("linked", lambda r: r["linked"]),
            ("flagged", lambda r: r["flagged"]),
            ("status", lambda r: r["status"]),
            ("finished", lambda r: local(r["finished_at"], tz)),
        ],
        as_json=as_json,
        as_csv=as_csv,
    )


@contextmanager
def _progress(label: str, *, quiet: bool) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr; off with --quiet or when stderr is no terminal."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, disable=quiet or not console.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def register(cli: click.Group) -> None:
    """Add these commands to the root group."""
    cli.add_command(import_group)

"""Import runs (table ``import_run``): what makes an import resumable.

Every import that stores records writes a run: the file's SHA-256, its size, the kind,
the format and a digest of the options that change what a row becomes (mapping,
source, sheet, encoding). Each batch's transaction also moves the run's ``rows_done``
to the last row of the batch and adds its counts, so the run says exactly how far the
committed work got. Rerunning the same file with the same options after a crash (the
process killed, a batch that raised) resumes after ``rows_done``; rerunning a finished
import is refused unless asked for again.

The batch size is not part of the options: which rows a run stores does not depend on
it, so a rerun with smaller batches resumes instead of importing everything twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.importing.report import AlreadyImported, ImportFileError
from guanxi.models import ImportRun

_TABLE = ImportRun.__table__  # type: ignore[attr-defined]
_BLOCK = 1 << 20


@dataclass(frozen=True)
class FileIdentity:
    """What tells one import from another: the file's bytes and the options."""

    kind: str
    format: str
    path: str
    digest: str
    options_digest: str
    size: int


def identify(kind: str, format: str, path: Path, options: Mapping[str, Any]) -> FileIdentity:
    """Hash the file (streamed) and the options."""
    sha = hashlib.sha256()
    size = 0
    try:
        with open(path, "rb") as handle:
            while block := handle.read(_BLOCK):
                sha.update(block)
                size += len(block)
    except OSError as exc:
        raise ImportFileError(path, f"cannot read it ({exc.strerror})") from None
    text = json.dumps({"format": format, **options}, sort_keys=True, ensure_ascii=False)
    options_digest = hashlib.sha256(text.encode()).hexdigest()
    return FileIdentity(kind, format, str(path.resolve()), sha.hexdigest(), options_digest, size)


def previous_run(uow: UnitOfWork, file: FileIdentity) -> dict[str, Any] | None:
    """The latest run of the same file with the same options, if any."""
    query = (
        select(_TABLE)
        .where(
            _TABLE.c.kind == file.kind,
            _TABLE.c.digest == file.digest,
            _TABLE.c.options_digest == file.options_digest,
        )
        .order_by(_TABLE.c.id.desc())
        .limit(1)
    )
    row = uow.session.connection().execute(query).mappings().first()
    return dict(row) if row is not None else None


def start_run(app: App, file: FileIdentity, *, as_user: str | None, again: bool) -> tuple[int, int]:
    """The run to use and the row to resume after (0 for a new run).

    An unfinished run of the same file and options is resumed; a finished one is
    refused (:class:`AlreadyImported`) unless ``again``.
    """
    with app.transaction(as_user=as_user) as uow:
        last = previous_run(uow, file)
        if last is not None and last["finished_at"] is None:
            return last["id"], last["rows_done"]
        if last is not None and not again:
            when = last["finished_at"].astimezone(app.tz).strftime("%Y-%m-%d %H:%M")
            raise AlreadyImported(
                f"{file.path}: already imported by import {last['id']} on {when} "
                f"(stored {last['stored']}, rejected {last['rejected']}); "
                "add --again to import it once more"
            )
        values = {
            "kind": file.kind,
            "path": file.path,
            "format": file.format,
            "digest": file.digest,
            "options_digest": file.options_digest,
            "size": file.size,
            "started_at": uow.now,
            "actor_id": uow.actor_id,
        }
        result = uow.session.connection().execute(insert(_TABLE).values(**values))
        key = result.inserted_primary_key
        assert key is not None
        run_id = key[0]
    return run_id, 0


def record_batch(
    uow: UnitOfWork,
    run_id: int,
    *,
    rows_done: int,
    stored: int,
    rejected: int,
    linked: int,
    flagged: int,
) -> None:
    """Move the run on by one batch, inside the batch's own transaction."""
    c = _TABLE.c
    uow.session.connection().execute(
        update(_TABLE)
        .where(c.id == run_id)
        .values(
            rows_done=rows_done,
            stored=c.stored + stored,
            rejected=c.rejected + rejected,
            linked=c.linked + linked,
            flagged=c.flagged + flagged,
        )
    )


def finish_run(app: App, run_id: int, *, as_user: str | None) -> None:
    """Mark the run finished: a rerun of the file is refused from now on."""
    with app.transaction(as_user=as_user) as uow:
        uow.session.connection().execute(
            update(_TABLE).where(_TABLE.c.id == run_id).values(finished_at=uow.now)
        )


def list_runs(uow: UnitOfWork, *, limit: int = 50) -> list[dict[str, Any]]:
    """The latest runs, newest first, with the acting user's name."""
    from guanxi.models import Staff

    require(uow, "import_run", "read")
    staff = Staff.__table__  # type: ignore[attr-defined]
    query = (
        select(_TABLE, staff.c.username)
        .select_from(_TABLE.outerjoin(staff, staff.c.id == _TABLE.c.actor_id))
        .order_by(_TABLE.c.id.desc())
        .limit(limit)
    )
    rows = uow.session.connection().execute(query).mappings()
    return [
        {**row, "status": "finished" if row["finished_at"] is not None else "unfinished"}
        for row in rows
    ]

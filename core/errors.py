"""Domain errors.

Every error the CLI can show a person derives from :class:`GuanxiError`. Its ``str()``
is the one-line message printed at the command boundary; a traceback appears only with
``--debug``. Errors that concern a field or a row say which, so an admin can fix the
input without reading code.
"""

from __future__ import annotations


class GuanxiError(Exception):
    """Base class of every error guanxi reports to a person (one line, non-zero exit)."""

    exit_code = 1


class ConfigError(GuanxiError):
    """The configuration (guanxi.toml, environment, flags or edition) is wrong."""


class PluginError(GuanxiError):
    """A plugin is missing, broken, conflicting or of the wrong version."""

    def __init__(self, plugin: str, reason: str):
        self.plugin = plugin
        self.reason = reason
        super().__init__(f"plugin {plugin!r}: {reason}")


class EditionError(GuanxiError):
    """An edition cannot be found or its file is invalid."""


class DatabaseError(GuanxiError):
    """The database cannot be reached or is not at the expected schema."""


class ValidationError(GuanxiError):
    """Input failed validation; names the field and, for batches, the row.

    ``row`` is 1-based as a person counts rows in a file (the header is row 1 of a
    CSV file, so its first data row is 2); ``None`` for single-record input.
    """

    def __init__(self, field: str | None, reason: str, *, row: int | None = None):
        self.field = field
        self.reason = reason
        self.row = row
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field {self.field!r}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.reason}" if prefix else self.reason

    def at_row(self, row: int) -> ValidationError:
        """Return a copy of this error that also names the batch row it came from."""
        return ValidationError(self.field, self.reason, row=row)


class BatchValidationError(GuanxiError):
    """Several rows of a batch failed validation; nothing of the batch was stored."""

    def __init__(self, errors: list[ValidationError]):
        self.errors = errors
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{first}{more}")


class NotFoundError(GuanxiError):
    """A reference (customer, staff user, task, …) matches nothing."""


class AmbiguousReferenceError(GuanxiError):
    """A reference matches more than one record."""


class JobError(GuanxiError):
    """A scheduled job failed."""


def first_line(exc: BaseException) -> str:
    """The first line of an error's message, for one-line reports.

    For a database error it is the driver's own message (SQLAlchemy wraps it in
    ``orig`` behind a long preamble); an error with no message gives its type name.
    """
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class AccessDenied(GuanxiError):
    """The acting user may not do this (the refusal is audited)."""

    def __init__(self, message: str, *, entity: str | None = None):
        self.entity = entity
        super().__init__(message)

"""The progress report of a call list: entries by status and final outcome, calls by
outcome, and the same per agent. An agent's report covers his own entries only."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.cli.output import to_jsonable
from guanxi.services.staff import usernames
from guanxi_marketing.events.calls import get_call_list, sees_every_entry
from guanxi_marketing.events.common import CALL_ATTEMPT, report_id_option
from guanxi_marketing.events.models import OPEN_ENTRY_STATUSES, CallAttempt, CallEntry


@dataclass
class AgentProgress:
    """One agent's share of a call list."""

    agent: str
    entries: int = 0
    open: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    calls: int = 0
    calls_by_outcome: dict[str, int] = field(default_factory=dict)


@dataclass
class CallListReport:
    """How far a call list got; ``completion`` is the percentage of entries closed."""

    call_list_id: int
    name: str
    entries: int = 0
    open: int = 0
    completion: Decimal | None = None
    by_status: dict[str, int] = field(default_factory=dict)
    by_final_outcome: dict[str, int] = field(default_factory=dict)  # last outcome of closed ones
    calls: int = 0
    calls_by_outcome: dict[str, int] = field(default_factory=dict)
    by_agent: list[AgentProgress] = field(default_factory=list)


def _agent_scope(uow: UnitOfWork, query: Any, column: Any) -> Any:
    return query if sees_every_entry(uow) else query.where(column == uow.actor_id)


def call_list_report(uow: UnitOfWork, call_list_id: int) -> CallListReport:
    """The progress report of one call list (see :class:`CallListReport`)."""
    require(uow, CALL_ATTEMPT, "read")
    call_list = get_call_list(uow, call_list_id)
    report = CallListReport(call_list.id, call_list.name)  # type: ignore[arg-type]
    agents: dict[int, AgentProgress] = {}
    entry_counts = _agent_scope(uow, select(
        CallEntry.agent_id, CallEntry.status, CallEntry.last_outcome, func.count())
        .where(CallEntry.call_list_id == call_list.id)
        .group_by(CallEntry.agent_id, CallEntry.status, CallEntry.last_outcome),
        CallEntry.agent_id)
    call_counts = _agent_scope(uow, select(CallAttempt.agent_id, CallAttempt.outcome, func.count())
                               .where(CallAttempt.call_list_id == call_list.id)
                               .group_by(CallAttempt.agent_id, CallAttempt.outcome),
                               CallAttempt.agent_id)
    entry_rows = uow.session.exec(entry_counts).all()
    call_rows = uow.session.exec(call_counts).all()
    names = usernames(uow, [r[0] for r in entry_rows] + [r[0] for r in call_rows])
    for agent_id, status, outcome, count in entry_rows:
        progress = agents.setdefault(agent_id, AgentProgress(names.get(agent_id, str(agent_id))))
        progress.entries += count
        progress.by_status[status] = progress.by_status.get(status, 0) + count
        report.by_status[status] = report.by_status.get(status, 0) + count
        if status in OPEN_ENTRY_STATUSES:
            progress.open += count
        elif outcome is not None:
            report.by_final_outcome[outcome] = report.by_final_outcome.get(outcome, 0) + count
    for agent_id, outcome, count in call_rows:
        progress = agents.setdefault(agent_id, AgentProgress(names.get(agent_id, str(agent_id))))
        progress.calls += count
        progress.calls_by_outcome[outcome] = progress.calls_by_outcome.get(outcome, 0) + count
        report.calls_by_outcome[outcome] = report.calls_by_outcome.get(outcome, 0) + count
    report.entries = sum(p.entries for p in agents.values())
    report.open = sum(p.open for p in agents.values())
    report.calls = sum(p.calls for p in agents.values())
    if report.entries:
        closed = Decimal(100 * (report.entries - report.open)) / report.entries
        report.completion = closed.quantize(Decimal("0.1"))
    report.by_agent = sorted(agents.values(), key=lambda p: p.agent)
    return report


def call_list_report_entry(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``marketing.call_list`` for ``guanxi report run``: option ``list`` (its id)."""
    report = call_list_report(uow, report_id_option(options, "list"))
    return {"report": "marketing.call_list", **to_jsonable(report)}

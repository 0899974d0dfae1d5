"""The tier review (会员升级 / 降级 / 淘汰): each active member's tier from his spend and
purchase count in the tiers' periods.

One SQL query measures every member at once: the purchases in the log (the earning
kinds, in the edition's currency) summed and counted per customer with one conditional
sum and count per distinct period, joined to the memberships. It reads the purchases of
the longest period only (the log's kind-and-time index), not the whole log. Python then
only compares the numbers with the thresholds and writes the changes.

* upgrade: the highest tier whose *reach* threshold is met, if above the current one;
* downgrade: when the current tier's *keep* threshold is no longer met (and the tier
  was held ``tier_hold_months``), to the highest lower tier whose keep is met;
* lapse (elimination): the lapse rule fails and the member enrolled at least its
  period ago — the membership becomes ``lapsed`` and earns nothing more.

Each change is logged as ``marketing.tier_changed``; an upgrade can also give the
customer's owner a follow-up task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, bindparam, case, func, select, update

from guanxi.app import UnitOfWork
from guanxi.models import Customer, Interaction
from guanxi.services.tasks import create_task
from guanxi_marketing.loyalty.common import add_months, log_events, loyalty_settings, slices
from guanxi_marketing.loyalty.points import MEMBERS, expire_cached_members
from guanxi_marketing.loyalty.settings import LoyaltySettings, Threshold

LOG = Interaction.__table__  # type: ignore[attr-defined]
REVIEW_JOB = "marketing.loyalty_review"


@dataclass(frozen=True)
class TierChange:
    """One member's change: ``change`` is upgrade, downgrade or lapse."""

    membership_id: int
    customer_id: int
    change: str
    from_tier: str
    to_tier: str
    spend: Decimal
    count: int


@dataclass
class ReviewOutcome:
    """What a review did."""

    reviewed: int = 0
    changes: list[TierChange] = field(default_factory=list)

    def count(self, change: str) -> int:
        """How many members had this kind of change."""
        return sum(1 for c in self.changes if c.change == change)

    def __str__(self) -> str:
        return (f"{self.reviewed} members reviewed: {self.count('upgrade')} upgraded, "
                f"{self.count('downgrade')} downgraded, {self.count('lapse')} lapsed")


def _windows(settings: LoyaltySettings) -> list[int]:
    """The distinct periods (months; 0 = all time) the thresholds are measured over."""
    months = {tier.period_months for tier in settings.tiers}
    if settings.lapse.months:
        months.add(settings.lapse.months)
    return sorted(months)


def _measure_query(uow: UnitOfWork, windows: list[int], member_ids: list[int] | None) -> Any:
    settings = loyalty_settings(uow.app)
    now = uow.now
    starts = {m: add_months(now, -m) if m else None for m in windows}
    purchase = and_(LOG.c.corrects_id.is_(None), LOG.c.revenue > 0)
    measures = []
    for months, start in starts.items():
        inside = LOG.c.occurred_at >= start if start is not None else LOG.c.id.isnot(None)
        measures.append(func.sum(case((inside, LOG.c.revenue))).label(f"spend_{months}"))
        measures.append(func.count(case((and_(inside, purchase), 1))).label(f"count_{months}"))
    # The log is aggregated per customer first (one pass over the purchases of the
    # longest period, on the kind-and-time index), then joined to the memberships.
    bought = (select(LOG.c.customer_id, *measures)
              .where(LOG.c.kind.in_(list(settings.earn_rates)),
                     LOG.c.currency == uow.app.settings.currency, LOG.c.occurred_at <= now)
              .group_by(LOG.c.customer_id))
    bounded = [s for s in starts.values() if s is not None]
    if len(bounded) == len(starts):  # no all-time window: read only the longest period
        bought = bought.where(LOG.c.occurred_at >= min(bounded))
    chosen = MEMBERS.c.status == "active"
    if member_ids is not None:
        chosen = and_(chosen, MEMBERS.c.id.in_(member_ids))
        bought = bought.where(LOG.c.customer_id.in_(
            select(MEMBERS.c.customer_id).where(MEMBERS.c.id.in_(member_ids))))
    totals = bought.subquery()
    values = [func.coalesce(totals.c[name], 0).label(name)
              for m in windows for name in (f"spend_{m}", f"count_{m}")]
    return (select(MEMBERS.c.id, MEMBERS.c.customer_id, MEMBERS.c.tier, MEMBERS.c.enrolled_at,
                   MEMBERS.c.tier_since, *values)
            .select_from(MEMBERS)
            .outerjoin(totals, totals.c.customer_id == MEMBERS.c.customer_id)
            .where(chosen))


def _spend(raw: Any) -> Decimal:
    # The sum of a Money column is in hundredths when the database computed it bare.
    return raw if isinstance(raw, Decimal) else Decimal(int(raw or 0)).scaleb(-2)


def _decide(uow: UnitOfWork, row: Any, upgrades_only: bool) -> TierChange | None:
    settings = loyalty_settings(uow.app)
    now = uow.now
    measured = row._mapping

    def meets(threshold: Threshold, months: int) -> bool:
        return threshold.met(_spend(measured[f"spend_{months}"]), measured[f"count_{months}"])

    def change(kind: str, to_tier: str, months: int) -> TierChange:
        return TierChange(row.id, row.customer_id, kind, row.tier, to_tier,
                          _spend(measured[f"spend_{months}"]), measured[f"count_{months}"])

    tiers, current = settings.tiers, settings.rank(row.tier)
    lapse = settings.lapse
    if not upgrades_only and lapse.months and row.enrolled_at < add_months(now, -lapse.months):
        rule = Threshold(spend=lapse.min_spend, count=lapse.min_count, match="all")
        if not meets(rule, lapse.months):
            return change("lapse", row.tier, lapse.months)
    reached = max(i for i, t in enumerate(tiers) if meets(t.reach, t.period_months))
    if reached > current:
        return change("upgrade", tiers[reached].name, tiers[reached].period_months)
    if upgrades_only or current <= 0:
        return None
    held = row.tier_since <= add_months(now, -settings.tier_hold_months)
    spec = tiers[current]
    if held and not meets(spec.keep_threshold, spec.period_months):
        kept = max((i for i, t in enumerate(tiers[:current])
                    if meets(t.keep_threshold, t.period_months)), default=0)
        return change("downgrade", tiers[kept].name, spec.period_months)
    return None


def review_tiers(
    uow: UnitOfWork,
    due_at: dt.datetime | None = None,
    *,
    membership_ids: Iterable[int] | None = None,
    upgrades_only: bool = False,
) -> ReviewOutcome:
    """Review the tiers of every active member (or of ``membership_ids``) at ``uow.now``.

    The daily job ``marketing.loyalty_review``; ``upgrades_only`` is the quick check
    made when a purchase is logged. Returns what changed.
    """
    windows = _windows(loyalty_settings(uow.app))
    connection = uow.session.connection()
    outcome = ReviewOutcome()
    batches = [None] if membership_ids is None else list(slices(sorted(set(membership_ids))))
    for batch in batches:
        for row in connection.execute(_measure_query(uow, windows, batch)):
            outcome.reviewed += 1
            decided = _decide(uow, row, upgrades_only)
            if decided is not None:
                outcome.changes.append(decided)
    if outcome.changes:
        _apply(uow, outcome.changes)
    return outcome


def review_job(uow: UnitOfWork, due_at: dt.datetime) -> str:
    """The nightly job ``marketing.loyalty_review``: review every member, say what changed."""
    return str(review_tiers(uow, due_at))


def _apply(uow: UnitOfWork, changes: list[TierChange]) -> None:
    connection = uow.session.connection()
    member = MEMBERS.c.id == bindparam("member")
    lapses = [{"member": c.membership_id} for c in changes if c.change == "lapse"]
    moves = [{"member": c.membership_id, "to_tier": c.to_tier}
             for c in changes if c.change != "lapse"]
    if lapses:
        connection.execute(update(MEMBERS).where(member)
                           .values(status="lapsed", status_since=uow.now), lapses)
    if moves:
        connection.execute(update(MEMBERS).where(member)
                           .values(tier=bindparam("to_tier"), tier_since=uow.now), moves)
    expire_cached_members(uow)
    log_events(uow, [{
        "customer_id": c.customer_id, "kind": "marketing.tier_changed",
        "subject": f"{c.change}: {c.from_tier} → {c.to_tier}",
        "payload": {"membership_id": c.membership_id, "change": c.change,
                    "from_tier": c.from_tier, "to_tier": c.to_tier,
                    "status": "lapsed" if c.change == "lapse" else "active",
                    "spend": str(c.spend), "count": c.count},
    } for c in changes])
    upgrades = [c for c in changes if c.change == "upgrade"]
    if upgrades and loyalty_settings(uow.app).upgrade_task and uow.principal.can("task", "create"):
        _task_owners(uow, upgrades)


def _task_owners(uow: UnitOfWork, upgrades: list[TierChange]) -> None:
    """A follow-up task for the owner of each upgraded customer who has one."""
    settings = loyalty_settings(uow.app)
    table = Customer.__table__  # type: ignore[attr-defined]
    owners: dict[int, int] = {}
    for chunk in slices([c.customer_id for c in upgrades]):
        query = select(table.c.id, table.c.owner_id).where(
            table.c.id.in_(chunk), table.c.owner_id.isnot(None))
        owners.update(dict(uow.session.connection().execute(query).all()))
    due = uow.now + dt.timedelta(days=settings.upgrade_task_days)
    for upgrade in upgrades:
        owner = owners.get(upgrade.customer_id)
        if owner is None:
            continue
        label = settings.tier(upgrade.to_tier).label or upgrade.to_tier  # type: ignore[union-attr]
        create_task(uow, customer_id=upgrade.customer_id, title=f"会员升级为{label}: 致电祝贺",
                    due_at=due, assignee=owner, source="marketing.loyalty")

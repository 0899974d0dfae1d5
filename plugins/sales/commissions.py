"""Sales targets and commissions (佣金管理).

A salesperson's commission for a period (``2026-05`` or ``2026-Q2``) is computed from
the opportunities he owns that were won in it (status ``won``, ``closed_at`` inside the
period in the edition's time zone), with the rules of the setting
``sales.commission_rules``:

* an opportunity with accepted quotes is paid per quote line: each line's total (after
  discount, before tax) with the rule that matches the line's product; one without is
  paid on its amount, with the rules that name no product;
* a rule matches when every condition it gives holds: ``product`` (SKU), ``pipeline``,
  and ``min_attainment`` ≤ attainment < ``max_attainment``, where attainment is the
  person's won amount in the period ÷ his target for that same period (no target: only
  rules without an attainment range match);
* the most specific matching rule wins (most of product, pipeline, attainment range),
  then the highest rate, then the earlier rule. The tier applies to all of the
  period's business, not only to the part above a threshold;
* each commission is base × rate, rounded half-even to 0.01.

Opportunities are read through the ORM, so a user's record policies decide which won
business he sees; figures for a person of whom he sees only part are partial.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.models import Staff
from guanxi.services.staff import get_staff
from guanxi_sales.models import Opportunity, Product, Quote, QuoteLine, SalesTarget
from guanxi_sales.settings import CommissionRule

PERIOD_PATTERN = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")
CENT = Decimal("0.01")


# --------------------------------------------------------------------------- periods


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """The first day of ``2026-05`` / ``2026-Q2`` and the first day after it."""
    match = PERIOD_PATTERN.match(period.strip())
    if match is None:
        raise ValidationError("period", f"{period!r} is not a month (2026-05) or quarter (2026-Q2)")
    year = int(match.group(1))
    first = int(match.group(2)) if match.group(2) else (int(match.group(3)) - 1) * 3 + 1
    months = 1 if match.group(2) else 3
    start = dt.date(year, first, 1)
    after = first + months
    end = dt.date(year + 1, after - 12, 1) if after > 12 else dt.date(year, after, 1)
    return start, end


def period_of(day: dt.date, granularity: str) -> str:
    """The month (``2026-05``) or quarter (``2026-Q2``) that ``day`` lies in."""
    if granularity == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


# --------------------------------------------------------------------------- targets


def set_target(uow: UnitOfWork, staff: str | int, period: str, amount: Any) -> SalesTarget:
    """Set (or replace) a salesperson's target for a month or quarter; it must be positive."""
    from guanxi_sales.products import checked_money

    period = period.strip()
    period_bounds(period)
    value = checked_money("amount", amount)
    if value == 0:
        raise ValidationError("amount", "a target must be greater than zero")
    person = get_staff(uow, staff)
    target = uow.session.scalars(
        select(SalesTarget).where(SalesTarget.staff_id == person.id, SalesTarget.period == period)
    ).first()
    if target is None:
        require(uow, "sales.target", "create")
        target = SalesTarget(staff_id=person.id, period=period, amount=value)  # type: ignore[arg-type]
        uow.session.add(target)
    else:
        require(uow, "sales.target", "update")
        target.amount = value
    uow.session.flush()
    return target


def list_targets(uow: UnitOfWork, *, period: str | None = None) -> list[tuple[SalesTarget, str]]:
    """Targets with their salesperson's username, by period then username."""
    require(uow, "sales.target", "read")
    query = (
        select(SalesTarget, Staff.username)
        .join(Staff, Staff.id == SalesTarget.staff_id)
        .order_by(SalesTarget.period, Staff.username)
    )
    if period is not None:
        query = query.where(SalesTarget.period == period)
    return [(t, name) for t, name in uow.session.execute(query).all()]


def demo_targets(uow: UnitOfWork, rng: random.Random) -> None:
    """Monthly targets for the demo staff, for the demo's month and the five before it."""
    staff = uow.session.scalars(select(Staff.id).order_by(Staff.id)).all()
    month = uow.app.local_time(uow.now).date().replace(day=1)
    for _ in range(6):
        for staff_id in staff:
            uow.session.add(
                SalesTarget(
                    staff_id=staff_id,
                    period=period_of(month, "month"),
                    amount=Decimal(rng.choice([50, 80, 100, 150])) * 1000,
                )
            )
        month = (month - dt.timedelta(days=1)).replace(day=1)
    uow.session.flush()


# --------------------------------------------------------------------------- rules


def _specificity(rule: CommissionRule) -> int:
    attainment = rule.min_attainment is not None or rule.max_attainment is not None
    return (rule.product is not None) + (rule.pipeline is not None) + attainment


def _in_range(rule: CommissionRule, won: Decimal, target: Decimal | None) -> bool:
    if rule.min_attainment is None and rule.max_attainment is None:
        return True
    if target is None:
        return False
    # Compared without dividing: min × target ≤ won < max × target, exactly.
    if rule.min_attainment is not None and won < rule.min_attainment * target:
        return False
    return rule.max_attainment is None or won < rule.max_attainment * target


def pick_rule(
    rules: list[CommissionRule],
    *,
    product: str | None,
    pipeline: str,
    won: Decimal,
    target: Decimal | None,
) -> tuple[int, CommissionRule] | None:
    """The (0-based index, rule) that applies, or None when no rule matches.

    ``product`` None means the opportunity's amount, which only product-less rules pay.
    """
    best: tuple[tuple[int, Decimal, int], int, CommissionRule] | None = None
    for index, rule in enumerate(rules):
        if rule.product is not None and rule.product != product:
            continue
        if rule.pipeline is not None and rule.pipeline != pipeline:
            continue
        if not _in_range(rule, won, target):
            continue
        rank = (_specificity(rule), rule.rate, -index)
        if best is None or rank > best[0]:
            best = (rank, index, rule)
    return None if best is None else (best[1], best[2])


# --------------------------------------------------------------------------- the report


@dataclass
class CommissionLine:
    """One commissioned amount: an opportunity, or one line of its accepted quote."""

    opportunity_id: int
    opportunity: str
    quote: str | None
    product: str | None
    base: Decimal
    rule: int | None  # 1-based position in sales.commission_rules
    rule_description: str
    rate: Decimal
    commission: Decimal


@dataclass
class PersonCommission:
    """A salesperson's period: target, won amount, attainment and commission."""

    staff_id: int
    username: str
    name: str
    target: Decimal | None
    won: Decimal
    attainment: Decimal | None  # won ÷ target, 4 places
    commission: Decimal
    lines: list[CommissionLine] = field(default_factory=list)


@dataclass
class CommissionReport:
    """Every salesperson's commission for a period."""

    period: str
    start: dt.date
    end: dt.date  # the first day after the period
    people: list[PersonCommission]
    total: Decimal
    unowned: int  # won opportunities without an owner (nobody is paid)


def _utc(uow: UnitOfWork, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=uow.app.tz).astimezone(dt.UTC)


def _quote_lines(uow: UnitOfWork, opp_ids: set[int]) -> dict[int, list[tuple[str, str, Decimal]]]:
    """Per opportunity: (quote number, product SKU, line total) of its accepted quotes."""
    if not opp_ids:
        return {}
    rows = uow.session.execute(
        select(Quote.opportunity_id, Quote.number, Product.sku, QuoteLine.line_total)
        .join(QuoteLine, QuoteLine.quote_id == Quote.id)
        .join(Product, Product.id == QuoteLine.product_id)
        .where(Quote.status == "accepted", Quote.opportunity_id.in_(opp_ids))  # type: ignore[union-attr]
        .order_by(Quote.number, Quote.version, QuoteLine.position)
    )
    found: dict[int, list[tuple[str, str, Decimal]]] = {}
    for opp_id, number, sku, total in rows:
        found.setdefault(opp_id, []).append((number, sku, total))
    return found


def _line(
    opp: Opportunity,
    quote: str | None,
    product: str | None,
    base: Decimal,
    picked: tuple[int, CommissionRule] | None,
) -> CommissionLine:
    if picked is None:
        return CommissionLine(
            opp.id,
            opp.name,
            quote,
            product,
            base,
            None,  # type: ignore[arg-type]
            "no rule matches",
            Decimal(0),
            Decimal("0.00"),
        )
    index, rule = picked
    commission = (base * rule.rate).quantize(CENT, rounding=ROUND_HALF_EVEN)
    return CommissionLine(
        opp.id,
        opp.name,
        quote,
        product,
        base,
        index + 1,  # type: ignore[arg-type]
        rule.description or f"rule {index + 1}",
        rule.rate,
        commission,
    )


def commission_report(
    uow: UnitOfWork, period: str, rules: list[CommissionRule] | None = None
) -> CommissionReport:
    """Commissions per salesperson for ``period`` (see the module's docstring).

    ``rules`` default to the setting ``sales.commission_rules``.
    """
    require(uow, "sales.opportunity", "read")
    require(uow, "sales.target", "read")
    period = period.strip()
    start, end = period_bounds(period)
    if rules is None:
        rules = list(uow.app.settings_for("sales").commission_rules)
    won = list(
        uow.session.scalars(
            select(Opportunity)
            .where(
                Opportunity.status == "won",
                Opportunity.closed_at >= _utc(uow, start),  # type: ignore[operator]
                Opportunity.closed_at < _utc(uow, end),
            )  # type: ignore[operator]
            .order_by(Opportunity.closed_at, Opportunity.id)
        )
    )
    owned = [o for o in won if o.owner_id is not None]
    owners = {o.owner_id for o in owned}
    # A target is not customer data: read those of the people whose business is shown.
    table = SalesTarget.__table__  # type: ignore[attr-defined]
    targets = (
        dict(
            uow.session.connection()
            .execute(
                select(table.c.staff_id, table.c.amount).where(
                    table.c.period == period, table.c.staff_id.in_(owners)
                )
            )
            .all()
        )
        if owners
        else {}
    )
    staff = (
        {s.id: s for s in uow.session.scalars(select(Staff).where(Staff.id.in_(owners)))}
        if owners
        else {}
    )  # type: ignore[union-attr]
    quoted = _quote_lines(uow, {o.id for o in owned})  # type: ignore[misc]
    people: dict[int, PersonCommission] = {}
    for owner in sorted(owners, key=lambda sid: staff[sid].username):
        mine = [o for o in owned if o.owner_id == owner]
        total_won = sum((o.amount for o in mine), Decimal("0.00"))
        target = targets.get(owner)
        attainment = (
            (total_won / target).quantize(Decimal("0.0001"), ROUND_HALF_EVEN) if target else None
        )
        person = PersonCommission(
            owner,
            staff[owner].username,
            staff[owner].display_name,
            target,
            total_won,
            attainment,
            Decimal("0.00"),
        )
        for opp in mine:
            lines = quoted.get(opp.id, [])  # type: ignore[arg-type]
            if lines:
                for number, sku, base in lines:
                    picked = pick_rule(
                        rules, product=sku, pipeline=opp.pipeline, won=total_won, target=target
                    )
                    person.lines.append(_line(opp, number, sku, base, picked))
            else:
                picked = pick_rule(
                    rules, product=None, pipeline=opp.pipeline, won=total_won, target=target
                )
                person.lines.append(_line(opp, None, None, opp.amount, picked))
        person.commission = sum((ln.commission for ln in person.lines), Decimal("0.00"))
        people[owner] = person
    listed = list(people.values())
    return CommissionReport(
        period=period,
        start=start,
        end=end,
        people=listed,
        total=sum((p.commission for p in listed), Decimal("0.00")),
        unowned=len(won) - len(owned),
    )


def commission_report_dict(
    uow: UnitOfWork, period: str | None = None, **options: Any
) -> dict[str, Any]:
    """The ``sales.commissions`` report: ``period`` is required (``2026-05``, ``2026-Q2``)."""
    from guanxi.cli.output import to_jsonable

    if not period:
        raise ValidationError("period", "is required (e.g. period=2026-05)")
    return to_jsonable(commission_report(uow, period))  # type: ignore[no-any-return]

"""Expense reports (开支报销): salespeople claim their work expenses, leads decide.

A claim (:class:`~guanxi_sales.models.Expense`) is ``submitted``, then ``approved`` or
``rejected``. Amounts are exact (integer hundredths in the database) and the totals per
salesperson and month or quarter are summed in SQL. Who sees a claim is the record
policies' answer for the ``sales.expense`` entity: the claimant, and whoever may see
the customer it concerns.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger, Integer, case, cast, extract, func, type_coerce
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from guanxi import audit
from guanxi.access.enforce import require
from guanxi.app import UnitOfWork
from guanxi.db.types import to_minor
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.models import Staff, Team, TeamMember
from guanxi.records import CustomerRecord
from guanxi.services.customers import require_customer
from guanxi.services.staff import get_staff
from guanxi_sales.models import Expense, Opportunity

EXPENSE_STATUSES = ("submitted", "approved", "rejected")
CENT = Decimal("0.01")
PERIODS = ("month", "quarter")


def _date(value: dt.date | str, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _amount(value: Decimal | str | int) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
        to_minor(amount)
    except (InvalidOperation, ValueError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) else f"{value!r} is not an amount"
        raise ValidationError("amount", reason) from None
    if amount < 0:
        raise ValidationError("amount", f"{amount} is negative")
    if amount == 0:
        raise ValidationError("amount", "must be more than zero")
    return amount.quantize(CENT)


def submit_expense(
    uow: UnitOfWork,
    *,
    spent_on: dt.date | str,
    category: str,
    amount: Decimal | str | int,
    description: str,
    staff: str | int | None = None,
    customer_id: int | None = None,
    opportunity_id: int | None = None,
) -> Expense:
    """Claim an expense for ``staff`` (default: the acting user).

    Refused with a :class:`ValidationError` naming the field: a category not in the
    ``sales.expense_categories`` setting, an amount that is not positive or has more
    than two decimals, a day after today (display time zone), an empty description, an
    unknown customer or an opportunity of another customer. An expense on an
    opportunity is about that opportunity's customer.
    """
    require(uow, "sales.expense", "create")
    categories = uow.app.settings_for("sales").expense_categories
    if category not in categories:
        raise ValidationError(
            "category", f"unknown category {category!r} (one of {', '.join(categories)})"
        )
    money = _amount(amount)
    day = _date(spent_on, "spent_on")
    if day > uow.today():
        raise ValidationError("spent_on", f"{day} is in the future")
    text = (description or "").strip()
    if not text:
        raise ValidationError("description", "is required")
    if staff is None:
        if uow.actor_id is None:
            raise ValidationError("staff", "is required when acting as the system")
        staff = uow.actor_id
    try:
        claimant = get_staff(uow, staff)
    except NotFoundError:
        raise ValidationError("staff", f"no staff user {staff!r}") from None
    if not claimant.is_active:
        raise ValidationError("staff", f"staff user {claimant.username!r} is not active")
    assert claimant.id is not None
    if opportunity_id is not None:
        opportunity = uow.session.exec(
            select(Opportunity).where(Opportunity.id == opportunity_id)
        ).first()
        if opportunity is None or customer_id not in (None, opportunity.customer_id):
            raise ValidationError(
                "opportunity_id",
                f"no opportunity {opportunity_id}"
                + (f" of customer {customer_id}" if customer_id else ""),
            )
        customer_id = opportunity.customer_id
    if customer_id is not None:
        try:
            require_customer(uow, customer_id)
        except NotFoundError as exc:
            raise ValidationError("customer_id", str(exc)) from None
    expense = Expense(
        staff_id=claimant.id,
        customer_id=customer_id,
        opportunity_id=opportunity_id,
        spent_on=day,
        category=category,
        amount=money,
        description=text,
        status="submitted",
        created_at=uow.now,
    )
    uow.session.add(expense)
    uow.session.flush()
    return expense


def get_expense(uow: UnitOfWork, expense_id: int) -> Expense:
    """A claim the principal may see; :class:`NotFoundError` otherwise."""
    require(uow, "sales.expense", "read")
    expense = uow.session.exec(select(Expense).where(Expense.id == expense_id)).first()
    if expense is None:
        raise NotFoundError(f"no expense with id {expense_id}")
    return expense


def _led_tree(uow: UnitOfWork, staff_id: int) -> set[int]:
    """The teams ``staff_id`` leads and every team below them."""
    tree = set(
        uow.session.exec(
            select(TeamMember.team_id).where(
                TeamMember.staff_id == staff_id, col(TeamMember.is_lead).is_(True)
            )
        )
    )
    parents = {t: p for t, p in uow.session.exec(select(Team.id, Team.parent_id)) if t is not None}
    grown = True
    while grown:
        below = {t for t, parent in parents.items() if parent in tree} - tree
        tree |= below
        grown = bool(below)
    return tree


def _decide(uow: UnitOfWork, expense_id: int, status: str, reason: str | None) -> Expense:
    require(uow, "sales.expense", "update")
    expense = get_expense(uow, expense_id)
    if expense.status != "submitted":
        raise ValidationError("status", f"expense {expense_id} is {expense.status}, not submitted")
    principal = uow.principal
    if not principal.is_system:
        who = principal.username
        if expense.staff_id == principal.staff_id:
            raise AccessDenied(f"{who} may not decide his own expense", entity="sales.expense")
        claimant_teams = set(
            uow.session.exec(
                select(TeamMember.team_id).where(TeamMember.staff_id == expense.staff_id)
            )
        )
        led = _led_tree(uow, principal.staff_id) if principal.staff_id is not None else set()
        if not principal.unrestricted and not claimant_teams & led:
            raise AccessDenied(
                f"{who} may not decide expenses of staff outside the teams he leads",
                entity="sales.expense",
            )
    expense.status = status
    uow.session.flush()
    detail = f"expense {status}" + (f": {reason.strip()}" if reason and reason.strip() else "")
    audit.record(
        uow,
        [audit.Event("update", "sales.expense", expense.id, expense.customer_id, detail=detail)],
    )
    return expense


def approve_expense(uow: UnitOfWork, expense_id: int, *, note: str | None = None) -> Expense:
    """Approve a submitted claim.

    The approver needs ``sales.expense:update`` and must lead a team of the claimant (or
    a team above it), or see every record (admin); nobody approves his own claim. The
    decision (and ``note``) is in the audit log.
    """
    return _decide(uow, expense_id, "approved", note)


def reject_expense(uow: UnitOfWork, expense_id: int, *, reason: str) -> Expense:
    """Reject a submitted claim with a reason (kept in the audit log), as in approval."""
    if not (reason or "").strip():
        raise ValidationError("reason", "is required")
    return _decide(uow, expense_id, "rejected", reason)


def list_expenses(
    uow: UnitOfWork,
    *,
    staff: str | int | None = None,
    status: str | None = None,
    category: str | None = None,
    customer_id: int | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    limit: int = 200,
) -> list[Expense]:
    """Claims the principal may see, by day then id; ``start``/``end`` days included."""
    require(uow, "sales.expense", "read")
    query = select(Expense)
    if staff is not None:
        query = query.where(Expense.staff_id == get_staff(uow, staff).id)
    if status is not None:
        if status not in EXPENSE_STATUSES:
            raise ValidationError(
                "status", f"unknown status {status!r} (one of {', '.join(EXPENSE_STATUSES)})"
            )
        query = query.where(Expense.status == status)
    if category is not None:
        query = query.where(Expense.category == category)
    if customer_id is not None:
        query = query.where(Expense.customer_id == customer_id)
    if start is not None:
        query = query.where(col(Expense.spent_on) >= _date(start, "start"))
    if end is not None:
        query = query.where(col(Expense.spent_on) <= _date(end, "end"))
    query = query.order_by(col(Expense.spent_on), col(Expense.id)).limit(limit)
    return list(uow.session.exec(query))


@dataclass(frozen=True)
class ExpenseTotal:
    """One line of the expense report: a salesperson's claims in one period."""

    staff: str
    period: str  # "2026-05" or "2026-Q2"
    category: str | None
    count: int
    submitted: Decimal
    approved: Decimal
    rejected: Decimal
    claimed: Decimal  # submitted + approved (what is, or may become, payable)


def expense_report(
    uow: UnitOfWork,
    *,
    period: str = "month",
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    staff: str | int | None = None,
    by_category: bool = False,
) -> list[ExpenseTotal]:
    """Totals per salesperson and month (or quarter), optionally per category, in SQL.

    Every claim the principal may see is counted; the amounts are split by status.
    """
    require(uow, "sales.expense", "read")
    if period not in PERIODS:
        raise ValidationError("period", f"unknown period {period!r} (one of {', '.join(PERIODS)})")
    year = cast(extract("year", col(Expense.spent_on)), Integer)
    month = cast(extract("month", col(Expense.spent_on)), Integer)
    part = month if period == "month" else (month + 2) // 3
    raw = type_coerce(Expense.amount, BigInteger)  # integer hundredths: exact sums

    def total(status: str) -> Any:
        return func.coalesce(func.sum(case((col(Expense.status) == status, raw), else_=0)), 0)

    keys: list[Any] = [Expense.staff_id, year, part]
    if by_category:
        keys.append(Expense.category)
    query = sa_select(*keys, func.count(), total("submitted"), total("approved"), total("rejected"))
    if staff is not None:
        query = query.where(col(Expense.staff_id) == get_staff(uow, staff).id)
    if start is not None:
        query = query.where(col(Expense.spent_on) >= _date(start, "start"))
    if end is not None:
        query = query.where(col(Expense.spent_on) <= _date(end, "end"))
    query = query.group_by(*keys)
    names = dict(uow.session.exec(select(Staff.id, Staff.username)).all())
    lines = []
    # Through the session, so the record policies apply (sqlmodel's exec has no overload
    # for a select of this many columns).
    for row in uow.session.exec(query):  # type: ignore[call-overload]
        staff_id, y, p = row[0], int(row[1]), int(row[2])
        category = row[3] if by_category else None
        count, submitted, approved, rejected = row[-4:]
        amounts = [
            Decimal(int(v)).scaleb(-2).quantize(CENT) for v in (submitted, approved, rejected)
        ]
        lines.append(
            ExpenseTotal(
                staff=names.get(staff_id, str(staff_id)),
                period=f"{y:04d}-{p:02d}" if period == "month" else f"{y:04d}-Q{p}",
                category=category,
                count=int(count),
                submitted=amounts[0],
                approved=amounts[1],
                rejected=amounts[2],
                claimed=amounts[0] + amounts[1],
            )
        )
    lines.sort(key=lambda t: (t.staff, t.period, t.category or ""))
    return lines


def totals(lines: Sequence[ExpenseTotal]) -> dict[str, Any]:
    """Grand totals of report lines (count and amounts by status)."""
    zero = Decimal("0.00")
    return {
        "count": sum(t.count for t in lines),
        "submitted": sum((t.submitted for t in lines), zero),
        "approved": sum((t.approved for t in lines), zero),
        "rejected": sum((t.rejected for t in lines), zero),
        "claimed": sum((t.claimed for t in lines), zero),
    }


def expense_report_for_cli(uow: UnitOfWork, **options: Any) -> dict[str, Any]:
    """Report ``sales.expenses`` (options: period, from, to, staff, by_category)."""
    by_category = str(options.get("by_category", "")).lower() in ("1", "true", "yes")
    lines = expense_report(
        uow,
        period=str(options.get("period", "month")),
        start=options.get("from"),
        end=options.get("to"),
        staff=options.get("staff"),
        by_category=by_category,
    )
    return {"lines": lines, "totals": totals(lines)}


def demo_expenses(
    uow: UnitOfWork, rng: random.Random, staff: Sequence[Staff], accounts: Sequence[CustomerRecord]
) -> None:
    """Three months of claims for a few salespeople; the older ones decided."""
    today = uow.today()
    categories = uow.app.settings_for("sales").expense_categories
    for person in list(staff)[1:6]:  # the first demo user is the administrator
        for _ in range(rng.randrange(3, 8)):
            day = today - dt.timedelta(days=rng.randrange(0, 90))
            account = rng.choice(accounts) if accounts and rng.random() < 0.6 else None
            expense = submit_expense(
                uow,
                staff=person.id,
                spent_on=day,
                category=rng.choice(categories),
                amount=Decimal(rng.randrange(2000, 80000)) / 100,
                description=rng.choice(["出租车", "客户午餐", "高铁票", "礼品", "话费", "酒店"]),
                customer_id=account.id if account else None,
            )
            if (today - day).days > 20:
                expense.status = "approved" if rng.random() < 0.85 else "rejected"
    uow.session.flush()

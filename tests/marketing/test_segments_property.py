"""Property test: the compiled SQL agrees with a plain-Python oracle on generated data.

Each generated condition comes as a pair: the expression text, and a Python predicate
over a customer written independently of the parser and compiler (so a bug in either
shows up as a disagreement). Conditions are combined with and/or/not; customers get
random fields, roles, tags, a custom field and an interaction history, stored through
the real services (so the rollups are the real ones), then rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.app import App
from guanxi.services.customers import add_customer
from guanxi.services.interactions import log_interaction
from guanxi.services.staff import add_staff
from guanxi_marketing.segments.service import matching_customer_ids

NOW = dt.datetime(2026, 6, 15, 4, 0, tzinfo=dt.UTC)
KINDS = ("core.purchase", "core.contact", "core.note")
CHANNELS = ("web", "pos", "email")
TAGS = ("vip", "lapsed", "new")
ROLES = ("customer", "dealer", "partner")
STAGES = ("lead", "prospect", "customer")
INDUSTRIES = (None, "retail", "it", "retail-food")
AMOUNTS = (0, 10, 5000, 10000, 20010)
DAYS = (0, 7, 30, 90, 365)


@dataclass
class Touch:
    kind: str
    channel: str
    days_ago: int
    revenue: Decimal | None

    @property
    def at(self) -> dt.datetime:
        return NOW - dt.timedelta(days=self.days_ago, hours=3)


@dataclass
class Person:
    """A generated customer and the facts the oracle reads."""

    kind: str
    stage: str
    owner: str | None
    tags: frozenset[str]
    roles: frozenset[str]
    industry: str | None
    touches: list[Touch] = field(default_factory=list)

    def revenue(self, touches: list[Touch] | None = None) -> Decimal:
        return sum((t.revenue or Decimal(0) for t in (touches or self.touches)), Decimal(0))

    def purchases(self) -> list[Touch]:
        return [t for t in self.touches if t.revenue is not None and t.revenue > 0]


Predicate = Callable[[Person], bool]
Condition = tuple[str, Predicate]

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}
op = st.sampled_from(sorted(OPS))


def ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def compare(value: Any, operator: str, other: Any) -> bool:
    """A comparison with the language's null rule: a missing value passes only ``!=``."""
    if value is None:
        return operator == "!="
    return OPS[operator](value, other)


def _last(touches: list[Touch]) -> dt.datetime | None:
    return max((t.at for t in touches), default=None)


@st.composite
def field_condition(draw: st.DrawFn) -> Condition:
    choice = draw(st.integers(0, 9))
    if choice == 0:
        kind, o = draw(st.sampled_from(("person", "organization"))), draw(st.sampled_from("=!"))
        text_op = "=" if o == "=" else "!="
        return f'kind {text_op} "{kind}"', lambda p: compare(p.kind, text_op, kind)
    if choice == 1:
        stages = draw(st.lists(st.sampled_from(STAGES), max_size=2))
        negated = draw(st.booleans())
        listed = ", ".join(f'"{s}"' for s in stages)
        return (f"stage {'not in' if negated else 'in'} [{listed}]",
                lambda p: (p.stage in stages) != negated)
    if choice == 2:
        owner = draw(st.sampled_from(("wang", "li")))
        form = draw(st.sampled_from(("=", "!=", "is null", "is not null")))
        if form.startswith("is"):
            return f"owner {form}", lambda p: (p.owner is None) == (form == "is null")
        return f'owner {form} "{owner}"', lambda p: compare(p.owner, form, owner)
    if choice == 3:
        tag = draw(st.sampled_from(TAGS))
        form = draw(st.sampled_from(("tag =", "tag !=", "has tag", "tags contains")))
        negated = form == "tag !="
        return f'{form} "{tag}"', lambda p: (tag in p.tags) != negated
    if choice == 4:
        roles = draw(st.lists(st.sampled_from(ROLES), max_size=2))
        negated = draw(st.booleans())
        listed = ", ".join(f'"{r}"' for r in roles)
        return (f"role {'not in' if negated else 'in'} [{listed}]",
                lambda p: bool(p.roles & set(roles)) != negated)
    if choice == 5:
        value = draw(st.sampled_from(INDUSTRIES[1:]))
        form = draw(st.sampled_from(("=", "!=", "contains", "is null")))
        if form == "is null":
            return "industry is null", lambda p: p.industry is None
        if form == "contains":
            part = value[:3]
            return (f'custom.industry contains "{part}"',
                    lambda p: p.industry is not None and part in p.industry)
        return f'industry {form} "{value}"', lambda p: compare(p.industry, form, value)
    if choice == 6:
        amount, operator = draw(st.sampled_from(AMOUNTS)), draw(op)
        return (f"revenue_total {operator} {amount}",
                lambda p: compare(p.revenue(), operator, amount))
    if choice == 7:
        number, operator = draw(st.integers(0, 3)), draw(op)
        name = draw(st.sampled_from(("purchase_count", "interaction_count")))
        counted = (lambda p: len(p.purchases())) if name == "purchase_count" else (
            lambda p: len(p.touches))
        return f"{name} {operator} {number}", lambda p: compare(counted(p), operator, number)
    days, operator = draw(st.sampled_from(DAYS[1:])), draw(op)
    if choice == 8:
        return (f"last_interaction {operator} {days} days ago",
                lambda p: compare(_last(p.touches), operator, ago(days)))
    return (f"last_purchase {operator} {days} days ago",
            lambda p: compare(_last(p.purchases()), operator, ago(days)))


@st.composite
def history_condition(draw: st.DrawFn) -> Condition:
    kind = draw(st.sampled_from((*KINDS, "core.*", None)))
    channel = draw(st.sampled_from((*CHANNELS, None)))
    within = draw(st.sampled_from((*DAYS[1:], None)))
    parts = [f'"{kind}"'] if kind else []
    parts += [f'via "{channel}"'] if channel else []
    parts += [f"within {within} days"] if within else []

    def chosen(p: Person) -> list[Touch]:
        return [t for t in p.touches
                if (kind is None or t.kind == kind or (kind == "core.*"))
                and (channel is None or t.channel == channel)
                and (within is None or t.at >= ago(within))]

    selector = " ".join(parts)
    form = draw(st.integers(0, 3))
    if form == 0:
        return f"had {selector}", lambda p: bool(chosen(p))
    operator = draw(op)
    if form == 1:
        number = draw(st.integers(0, 3))
        return (f"count({selector}) {operator} {number}",
                lambda p: compare(len(chosen(p)), operator, number))
    if form == 2:
        amount = draw(st.sampled_from(AMOUNTS))
        return (f"revenue({selector}) {operator} {amount}",
                lambda p: compare(p.revenue(chosen(p)) if chosen(p) else 0, operator, amount))
    days = draw(st.sampled_from(DAYS[1:]))
    return (f"last({selector}) {operator} {days} days ago",
            lambda p: compare(_last(chosen(p)), operator, ago(days)))


def _combine(children: st.SearchStrategy[Condition]) -> st.SearchStrategy[Condition]:
    def both(pair: tuple[Condition, Condition], word: str) -> Condition:
        (left, lp), (right, rp) = pair
        if word == "and":
            return f"({left}) and ({right})", lambda p: lp(p) and rp(p)
        return f"({left}) or ({right})", lambda p: lp(p) or rp(p)

    pairs = st.tuples(children, children)
    return st.one_of(
        pairs.map(lambda pair: both(pair, "and")),
        pairs.map(lambda pair: both(pair, "or")),
        children.map(lambda c: (f"not ({c[0]})", lambda p, f=c[1]: not f(p))),
    )


conditions = st.recursive(st.one_of(field_condition(), history_condition()), _combine,
                          max_leaves=4)
touches = st.builds(
    Touch,
    kind=st.sampled_from(KINDS),
    channel=st.sampled_from(CHANNELS),
    days_ago=st.integers(0, 400),
    revenue=st.sampled_from((None, Decimal("10.00"), Decimal("5000.00"), Decimal("15000.50"))),
)
people = st.builds(
    Person,
    kind=st.sampled_from(("person", "organization")),
    stage=st.sampled_from(STAGES),
    owner=st.sampled_from((None, "wang", "li")),
    tags=st.frozensets(st.sampled_from(TAGS)),
    roles=st.frozensets(st.sampled_from(ROLES)),
    industry=st.sampled_from(INDUSTRIES),
    touches=st.lists(touches, max_size=4),
)


class Rollback(Exception):
    """Raised to leave a unit of work without committing what the example stored."""


@pytest.fixture
def staffed_app(marketing_app: App) -> App:
    with marketing_app.transaction(now=NOW) as uow:
        add_staff(uow, username="wang", display_name="王芳")
        add_staff(uow, username="li", display_name="李强")
    return marketing_app


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(population=st.lists(people, min_size=1, max_size=8),
       checks=st.lists(conditions, min_size=1, max_size=4))
def test_sql_agrees_with_the_python_oracle(
    staffed_app: App, population: list[Person], checks: list[Condition]
) -> None:
    with pytest.raises(Rollback), staffed_app.transaction(now=NOW) as uow:
        ids: dict[int, Person] = {}
        for index, person in enumerate(population):
            stored = add_customer(
                uow, name=f"c{index}", kind=person.kind, lifecycle_stage=person.stage,
                owner=person.owner, tags=sorted(person.tags), roles=sorted(person.roles),
                custom={"industry": person.industry} if person.industry else {},
            )
            ids[stored.id] = person
            for touch in person.touches:
                log_interaction(uow, customer_id=stored.id, kind=touch.kind,
                                channel=touch.channel, occurred_at=touch.at,
                                revenue=touch.revenue,
                                payload={"text": "note"} if touch.kind == "core.note" else {})
        for text, predicate in checks:
            expected = sorted(cid for cid, person in ids.items() if predicate(person))
            assert matching_customer_ids(uow, text) == expected, text
        raise Rollback

"""Cross-sell suggestions from which products are held together (association rules).

Each customer's ``products_held`` is a basket. Over the N baskets, for product sets X
and Y (disjoint, Y one product):

* support(X) = |baskets holding every product of X| ÷ N
* support(X → Y) = support(X ∪ Y)
* confidence(X → Y) = support(X ∪ Y) ÷ support(X)
* lift(X → Y) = confidence(X → Y) ÷ support(Y)

(Agrawal, Imieliński & Swami, "Mining association rules between sets of items in large
databases", SIGMOD 1993; lift as in Brin et al. 1997.) Frequent sets are found level by
level (Apriori: a set is only counted when every subset one smaller is frequent); each
count is one numpy ``all`` over a boolean basket × product matrix, so ten products and a
hundred thousand customers stay well under a second. A customer is suggested the
consequents of the rules whose antecedent he holds and whose consequent he does not,
best confidence first (then lift), each product once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from sqlmodel import select

from guanxi.app import UnitOfWork
from guanxi.errors import ValidationError
from guanxi.models import Customer
from guanxi_editions.bank.settings import CrossSellSettings


@dataclass(frozen=True)
class Rule:
    """X → Y with its figures (fractions 0..1; lift unbounded)."""

    antecedent: tuple[str, ...]
    consequent: str
    support: float
    confidence: float
    lift: float
    count: int  # baskets holding X ∪ Y


@dataclass(frozen=True)
class Suggestion:
    """A product to offer a customer, and the rule that suggests it."""

    customer_id: int
    customer: str
    product: str
    rule: Rule


def check_thresholds(min_support: float, min_confidence: float, min_lift: float) -> None:
    """Refuse thresholds outside their range, naming the option."""
    for name, value in (("min-support", min_support), ("min-confidence", min_confidence)):
        if not 0 < value <= 1:
            raise ValidationError(name, f"{value} is not in (0, 1]")
    if min_lift < 0:
        raise ValidationError("min-lift", f"{min_lift} is negative")


def mine_rules(
    baskets: Sequence[frozenset[str]],
    *,
    min_support: float,
    min_confidence: float,
    min_lift: float = 0.0,
    max_antecedent: int = 2,
) -> list[Rule]:
    """Association rules X → Y over ``baskets`` (each basket is one transaction).

    Sorted by confidence, then lift, then support, highest first (then by the products,
    so the order never depends on the input order).
    """
    check_thresholds(min_support, min_confidence, min_lift)
    n = len(baskets)
    if n == 0:
        return []
    products = sorted(set().union(*baskets))
    column = {p: i for i, p in enumerate(products)}
    held = np.zeros((n, len(products)), dtype=bool)
    for row, basket in enumerate(baskets):
        held[row, [column[p] for p in basket]] = True
    counts: dict[tuple[str, ...], int] = {}
    level = [(p,) for p in products]
    for size in range(1, max_antecedent + 2):
        frequent = []
        for items in level:
            count = int(held[:, [column[p] for p in items]].all(axis=1).sum())
            if count / n >= min_support:
                counts[items] = count
                frequent.append(items)
        if size == max_antecedent + 1:
            break
        known = set(frequent)
        level = sorted(
            {
                tuple(sorted(set(a) | set(b)))
                for a, b in combinations(frequent, 2)
                if len(set(a) | set(b)) == size + 1
            }
        )
        level = [c for c in level if all(s in known for s in combinations(c, size))]
    rules = []
    for items, count in counts.items():
        if len(items) < 2:
            continue
        for consequent in items:
            antecedent = tuple(p for p in items if p != consequent)
            confidence = count / counts[antecedent]
            lift = confidence / (counts[(consequent,)] / n)
            if confidence >= min_confidence and lift >= min_lift:
                rules.append(Rule(antecedent, consequent, count / n, confidence, lift, count))
    rules.sort(key=lambda r: (-r.confidence, -r.lift, -r.support, r.antecedent, r.consequent))
    return rules


def suggest(held: frozenset[str], rules: Sequence[Rule], limit: int) -> list[tuple[str, Rule]]:
    """The products ``rules`` suggest to a holder of ``held``, best rule first."""
    chosen: dict[str, Rule] = {}
    for rule in rules:  # already best first
        fresh = rule.consequent not in held and rule.consequent not in chosen
        if fresh and set(rule.antecedent) <= held:
            chosen[rule.consequent] = rule
    return list(chosen.items())[:limit]


def customer_baskets(uow: UnitOfWork) -> list[tuple[int, str, frozenset[str]]]:
    """Every visible, not erased customer's products held (empty baskets included)."""
    query = select(Customer.id, Customer.name, Customer.custom).where(
        Customer.erased_at.is_(None)  # type: ignore[union-attr]
    )
    rows = uow.session.exec(query.order_by(Customer.id)).all()
    return [
        (cid, name, frozenset((custom or {}).get("products_held") or ()))
        for cid, name, custom in rows
    ]


def cross_sell(
    uow: UnitOfWork,
    settings: CrossSellSettings,
    *,
    customer_id: int | None = None,
) -> tuple[int, list[Rule], list[Suggestion]]:
    """Mine the rules over every visible customer's basket; suggest to one or to all.

    Returns the number of baskets (customers holding a product), the rules and the
    suggestions.
    """
    baskets = customer_baskets(uow)
    # A customer holding nothing (a prospect) is no transaction: he would lower every
    # support and every lift without telling anything about products held together.
    transactions = [held for _, _, held in baskets if held]
    rules = mine_rules(
        transactions,
        min_support=settings.min_support,
        min_confidence=settings.min_confidence,
        min_lift=settings.min_lift,
        max_antecedent=settings.max_antecedent,
    )
    suggestions = [
        Suggestion(cid, name, product, rule)
        for cid, name, held in baskets
        if customer_id is None or cid == customer_id
        for product, rule in suggest(held, rules, settings.suggestions_per_customer)
    ]
    return len(transactions), rules, suggestions

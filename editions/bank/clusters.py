"""Value clusters (高价值 / 成长 / 普通 / 潜力) written onto the customer record.

The analytics plugin classifies every customer nightly (``analytics.value_refresh``) and
stores his member class — the four-quadrant member model of purchase count × spend
[S004:983]. The bank reads those quadrants as its value clusters (``[bank]
value_clusters`` maps each class to a label) and writes the label into the custom field
``value_cluster``, so account managers filter on it, marketing segments target it, the
SLA and contact standard can use it, and the delivered-value report groups by it. The
job ``bank.value_clusters`` runs after the refresh; a customer whose label is unchanged
is not touched (no audit entry, no event).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import select

from guanxi.app import UnitOfWork
from guanxi.models import Customer
from guanxi.services.updates import update_customer
from guanxi_analytics.value.models import CustomerValue
from guanxi_editions.bank.settings import BankSettings, bank_settings

CLUSTER_FIELD = "value_cluster"


def cluster_label(member_class: str | None, settings: BankSettings) -> str:
    """The cluster of a stored member class (``None``: no purchase in the period)."""
    if member_class is None:
        return settings.unclassified_cluster
    return settings.value_clusters.get(member_class, settings.unclassified_cluster)


def label_clusters(uow: UnitOfWork) -> int:
    """Write every visible customer's cluster from the stored member classes.

    Returns how many customers changed cluster.
    """
    settings = bank_settings(uow.app)
    stored = dict(
        uow.session.exec(select(CustomerValue.customer_id, CustomerValue.member_class)).all()
    )
    query = select(Customer.id, Customer.custom).where(Customer.erased_at.is_(None))  # type: ignore[union-attr]
    changed = 0
    for customer_id, custom in uow.session.exec(query.order_by(Customer.id)).all():
        label = cluster_label(stored.get(customer_id), settings)
        if (custom or {}).get(CLUSTER_FIELD) != label:
            update_customer(uow, customer_id, {"custom": {CLUSTER_FIELD: label}})
            changed += 1
    return changed


def clusters_job(uow: UnitOfWork, due_at: object) -> str:
    """The job ``bank.value_clusters`` (after ``analytics.value_refresh``)."""
    return f"{label_clusters(uow)} customers changed value cluster"


@dataclass(frozen=True)
class ClusterRow:
    """Customers of one cluster, in total and per customer segment."""

    cluster: str
    customers: int
    by_segment: dict[str, int]


def cluster_table(uow: UnitOfWork) -> list[ClusterRow]:
    """Customers per value cluster and segment, in the order of the settings' labels."""
    settings = bank_settings(uow.app)
    query = select(Customer.custom).where(Customer.erased_at.is_(None))  # type: ignore[union-attr]
    customs = [c or {} for c in uow.session.exec(query).all()]
    pairs = Counter(
        (c.get(CLUSTER_FIELD) or "(none)", c.get(settings.segment_field) or "(none)")
        for c in customs
    )
    order = list(dict.fromkeys([*settings.value_clusters.values(), settings.unclassified_cluster]))
    order += sorted({cluster for cluster, _ in pairs} - set(order))
    rows = []
    for cluster in order:
        segments = {seg: n for (cl, seg), n in sorted(pairs.items()) if cl == cluster}
        rows.append(ClusterRow(cluster, sum(segments.values()), segments))
    return rows

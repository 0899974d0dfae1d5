"""The ``dealer`` record policy: a dealer's staff see the customers their dealer knows.

A customer is known to a dealer when its DMS export brought him in (an identity whose
source is the dealer's code, ``dealer_a:C-1001``); the dealer's own organisation record
carries the code as ``dealer:dealer_a``. Staff belong to the team named after the
code. An owner who bought at dealer A and is serviced at dealer B has both identities,
so both dealers see him — and neither sees the other's other customers — while the
800 centre's roles use ``all``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select

from guanxi.access.principal import Principal
from guanxi.models.customer import ExternalIdentity
from guanxi.models.staff import Team
from guanxi_editions.automotive.vehicles import DEALER_SOURCE


def dealer_customers(principal: Principal, customer: Any) -> Any:
    """SQL condition: the customer has an identity of one of the principal's dealers."""
    codes = select(Team.name).where(Team.id.in_(sorted(principal.team_ids)))
    known = select(ExternalIdentity.customer_id).where(
        or_(
            ExternalIdentity.source.in_(codes),
            and_(ExternalIdentity.source == DEALER_SOURCE, ExternalIdentity.external_id.in_(codes)),
        )
    )
    return customer.c.id.in_(known)

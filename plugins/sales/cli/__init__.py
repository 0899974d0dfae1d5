"""``guanxi sales …``: the sales plugin's command group.

Each area adds its commands in its own module (``register(group)``), so the group stays
one import away from the plugin and the modules stay small.
"""

from __future__ import annotations

import click


@click.group()
def sales() -> None:
    """Sales force automation: accounts, opportunities, activities, quotes, reports."""


def build() -> click.Group:
    """The ``sales`` group with every area's commands."""
    from guanxi_sales.cli import (
        accounts,
        activities,
        commissions,
        opportunities,
        products,
        quotes,
    )

    for module in (opportunities, accounts, activities, products, quotes, commissions):
        module.register(sales)
    return sales

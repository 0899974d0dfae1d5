"""The central round trip: merge and undo with every built-in plugin enabled.

Both customers get rows in the core and in each plugin (through the plugins' own
services), every table is dumped, the two are merged, then the merge is undone: every
table — a future plugin's too, the comparison walks the registered models — is equal to
the first dump, except the bookkeeping of merges and rows created after the merge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from sqlmodel import func, select

from guanxi.app import App
from guanxi.identity.merge import merge_customers, undo_merge
from guanxi.models import Interaction
from guanxi.privacy import set_consent
from guanxi.services.customers import add_customers
from guanxi.services.interactions import log_interaction
from guanxi.services.tasks import create_task
from tests.identity.merge_support import diff, dump

PLUGINS = ["sales", "marketing", "service", "analytics"]


def _plugin_app(make_app: Callable[..., App]) -> App:
    from guanxi.services.staff import add_staff

    app = make_app(entry_points=True, enable=PLUGINS)
    with app.transaction() as uow:
        add_staff(uow, username="zhang", display_name="张伟")
    return app


def _give_rows(uow, customer_id: int, n: int) -> None:  # type: ignore[no-untyped-def]
    from guanxi_marketing.loyalty.members import enrol
    from guanxi_marketing.loyalty.points import adjust_points
    from guanxi_sales.opportunities import create_opportunity
    from guanxi_service.assets.service import register_asset
    from guanxi_service.tickets.service import open_ticket

    log_interaction(uow, customer_id=customer_id, kind="core.purchase", channel="pos",
                    revenue=Decimal(f"{10 * n}.50"))
    log_interaction(uow, customer_id=customer_id, kind="core.note", channel="other",
                    payload={"text": f"note {n}"})
    create_task(uow, customer_id=customer_id, title=f"call back {n}",
                due_at=dt.datetime(2031, 1, n, 9, tzinfo=dt.UTC))
    set_consent(uow, customer_id, purpose="marketing", granted=True, source=f"form {n}")
    enrol(uow, customer_id)
    adjust_points(uow, customer_id, 100 * n, reason="welcome")
    create_opportunity(uow, customer_id=customer_id, name=f"deal {n}", amount="1000",
                       expected_close="2031-06-30", owner="zhang")
    asset = register_asset(uow, customer_id=customer_id, serial_number=f"SN-{n}",
                           product="boiler")
    open_ticket(uow, customer_id=customer_id, type="inquiry", channel="phone",
                subject=f"question {n}", asset_id=asset.id)


def test_merge_and_undo_round_trip_with_every_plugin(make_app: Callable[..., App]) -> None:
    app = _plugin_app(make_app)
    with app.transaction() as uow:
        a, b = add_customers(uow, [
            {"name": "王芳", "emails": ["wf@example.cn"], "tags": ["vip"],
             "identities": [{"source": "HIS", "external_id": "H-1"}],
             "special_dates": [{"label": "wedding", "date": "2001-05-20"}]},
            {"name": "王芳", "emails": ["wf@example.cn", "fang@example.cn"],
             "phones": ["13800138000"], "tags": ["vip", "new"], "birth_date": "1980-02-03",
             "identities": [{"source": "bank", "external_id": "B-9"}]},
        ])
        _give_rows(uow, a.id, 1)
        _give_rows(uow, b.id, 2)
    before = dump(app)
    with app.transaction() as uow:
        merge = merge_customers(uow, a.id, [b.id], reason="same person")
    merged = dump(app)
    # Everything of b's is now a's: no row of any table points at b any more.
    for table, rows in merged.items():
        for row in rows:
            values = dict(row)
            assert b.id not in {values.get(c) for c in ("customer_id", "contact_id")}, table
    with app.transaction() as uow:
        count = uow.session.exec(select(func.count()).select_from(Interaction)
                                 .where(Interaction.customer_id == a.id)).one()
        assert count >= 8  # both timelines
    with app.transaction() as uow:
        undo_merge(uow, merge.id)
    assert diff(before, dump(app)) == {}


def test_rows_created_after_the_merge_stay_with_the_survivor(
        make_app: Callable[..., App]) -> None:
    app = _plugin_app(make_app)
    with app.transaction() as uow:
        a, b = add_customers(uow, [{"name": "李强"}, {"name": "李 强"}])
        _give_rows(uow, a.id, 1)
        _give_rows(uow, b.id, 2)
    with app.transaction() as uow:
        merge = merge_customers(uow, a.id, [b.id])
        later = log_interaction(uow, customer_id=a.id, kind="core.note", channel="other",
                                payload={"text": "after the merge"})
    with app.transaction() as uow:
        undo_merge(uow, merge.id)
        row = uow.session.get(Interaction, later.id)
        assert row is not None and row.customer_id == a.id

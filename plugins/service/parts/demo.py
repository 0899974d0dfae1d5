"""The parts area's part of the demo data (``guanxi init --demo``).

Thirty parts of construction machinery in a central warehouse (徐州) and three service
stations (成都, 郑州, 沈阳), with about three months of movements: a large first stock
at the warehouse (high stock, low turnover — the XCMG complaint), transfers to the
stations, a replenishment, parts used on the repair orders of the repairs demo (which
ran before), reservations for the orders still open, and stock-outs where a station had
nothing left — filled a few days later by a transfer from the warehouse, or still open.
Everything is drawn from the given ``rng`` only; times are before the demo's "now".
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections.abc import Callable

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi_service.parts.catalogue import add_location, add_part, set_reorder
from guanxi_service.parts.models import Part, StockLocation
from guanxi_service.parts.reservations import issue_from_stock, record_stockout, reserve
from guanxi_service.parts.stock import available, receive, transfer
from guanxi_service.repairs.models import RepairOrder

LOCATIONS = (("XZ-CDC", "徐州中心备件库", "warehouse", "华东"),
             ("CD-01", "成都服务站", "station", "西南"),
             ("ZZ-01", "郑州服务站", "station", "华中"),
             ("SY-01", "沈阳服务站", "station", "东北"))
PARTS = (
    ("800101234", "液压泵密封圈", "个", "38.00"), ("800101235", "主泵总成", "台", "18600.00"),
    ("800102001", "斗齿", "个", "85.00"), ("800102002", "斗齿销", "个", "12.50"),
    ("800103010", "回转马达油封", "套", "260.00"), ("800103011", "回转支承", "个", "9800.00"),
    ("800104100", "柴油滤芯", "个", "96.00"), ("800104101", "机油滤芯", "个", "68.00"),
    ("800104102", "空气滤芯", "套", "215.00"), ("800104103", "液压回油滤芯", "个", "180.00"),
    ("800105200", "发动机皮带", "条", "145.00"), ("800105201", "水泵总成", "个", "1350.00"),
    ("800105202", "节温器", "个", "120.00"), ("800106300", "空调压缩机", "台", "3200.00"),
    ("800106301", "空调滤网", "个", "45.00"), ("800107400", "启动电机", "台", "2100.00"),
    ("800107401", "蓄电池 12V 120Ah", "块", "880.00"), ("800107402", "发电机", "台", "1650.00"),
    ("800108500", "动臂油缸密封包", "套", "420.00"), ("800108501", "高压油管", "根", "310.00"),
    ("800108502", "先导手柄", "个", "760.00"), ("800109600", "履带板", "块", "540.00"),
    ("800109601", "支重轮", "个", "690.00"), ("800109602", "引导轮", "个", "1480.00"),
    ("800110700", "变速箱油", "L", "32.00"), ("800110701", "液压油 46#", "L", "26.00"),
    ("800111800", "刹车片", "套", "380.00"), ("800111801", "轮胎 17.5-25", "条", "4200.00"),
    ("800112900", "吊臂滑块", "个", "230.00"), ("800112901", "钢丝绳", "米", "58.00"),
)
Action = Callable[[dt.datetime], None]
Event = tuple[dt.datetime, int, Action]


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Create the catalogue, the locations and ~95 days of stock history."""
    if not customers:
        return
    start = uow.now - dt.timedelta(days=95)
    parts = [add_part(uow, number=n, name=name, unit=unit, unit_cost=cost)
             for n, name, unit, cost in PARTS]
    places = [add_location(uow, code=c, name=name, kind=kind, region=region)
              for c, name, kind, region in LOCATIONS]
    central, stations = places[0], places[1:]
    queue: list[Event] = []
    counter = iter(range(1_000_000))

    def later(at: dt.datetime, action: Action) -> None:
        heapq.heappush(queue, (at, next(counter), action))

    # A large first stock at the warehouse; a dozen parts sent to each station.
    for part in parts:
        amount = rng.randint(40, 220) if part.unit_cost < 1000 else rng.randint(4, 15)
        later(start, lambda t, p=part, q=amount: _receive(uow, p, central, q, "首批入库", t))
    for index, station in enumerate(stations):
        for part in rng.sample(parts, 14):
            amount = rng.randint(2, 6)
            later(start + dt.timedelta(days=2, hours=index),
                  lambda t, p=part, s=station, q=amount: _transfer(uow, p, central, s, q, t))
            set_reorder(uow, part.number, station.code, point=2, quantity=6)
    for part in rng.sample(parts, 10):
        set_reorder(uow, part.number, central.code, point=10, quantity=50)
        later(start + dt.timedelta(days=50),
              lambda t, p=part, q=rng.randint(20, 60): _receive(uow, p, central, q, "补货入库", t))
    for order in _orders(uow, start + dt.timedelta(days=3)):
        station = rng.choice(stations)
        for part in rng.sample(parts[:24], rng.choice((1, 1, 2, 3))):
            wanted = rng.choice((1, 1, 2, 4))
            if order.status == "open":
                at = min(order.opened_at + dt.timedelta(hours=2), uow.now)
                later(at, lambda t, o=order, p=part, s=station, q=wanted:
                      _reserve(uow, o, p, s, q, t))
            else:
                at = order.opened_at + (order.delivered_at - order.opened_at) / 3
                later(at, lambda t, o=order, p=part, s=station, q=wanted:
                      _use(uow, o, p, s, q, t, central, later))
    while queue:  # in time order: the ledger of every stock stays in order
        at, _, action = heapq.heappop(queue)
        action(at)


def _orders(uow: UnitOfWork, since: dt.datetime) -> list[RepairOrder]:
    """The demo's repair orders opened since ``since``, not cancelled."""
    return list(uow.session.exec(select(RepairOrder).where(
        RepairOrder.opened_at >= since, RepairOrder.status != "cancelled")
        .order_by(RepairOrder.opened_at)).scalars())


def _receive(uow: UnitOfWork, part: Part, where: StockLocation, amount: int,
             reference: str, at: dt.datetime) -> None:
    receive(uow, part.number, where.code, amount, reference=reference, at=at)


def _transfer(uow: UnitOfWork, part: Part, source: StockLocation, target: StockLocation,
              amount: int, at: dt.datetime) -> None:
    on_hand, reserved = available(uow, part.id, source.id)
    amount = min(amount, on_hand - reserved)
    if amount > 0:
        transfer(uow, part.number, source.code, target.code, amount, reference="调拨单",
                 at=at)


def _reserve(uow: UnitOfWork, order: RepairOrder, part: Part, where: StockLocation,
             amount: int, at: dt.datetime) -> None:
    reserve(uow, order.id, part.number, where.code, amount, backorder=True, at=at)


def _use(uow: UnitOfWork, order: RepairOrder, part: Part, where: StockLocation, amount: int,
         at: dt.datetime, central: StockLocation, later: Callable) -> None:
    """Issue the parts; when the station is short, record the stock-out, get them from the
    warehouse two days later and issue them then."""
    if issue_from_stock(uow, order, part, where, amount, at=at) is not None:
        return
    on_hand, reserved = available(uow, part.id, where.id)
    record_stockout(uow, part, where, amount, on_hand - reserved, repair_id=order.id, at=at,
                    note="服务站缺货")
    arrives = at + dt.timedelta(days=1 + 4 * (order.id % 3) / 2 + amount / 4)
    if arrives < uow.now:
        later(arrives, lambda t: _transfer(uow, part, central, where, amount + 2, t))


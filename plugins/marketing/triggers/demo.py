"""The triggers area's part of the demo: Mother's Day buyers and a month of posts.

The demo ends on the edition's ``until`` day (the unit of work's ``now``). A few people
bought a gift before Mother's Day in each of the two years before it, so the
``mothers_day`` trigger reminds them before the next one (``guanxi marketing triggers
preview --on <ten days before>``); one bought only last year and is not reminded. The
brand account's posts of the demo month keep the commercial share in the ideal band.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from guanxi.app import UnitOfWork
from guanxi.records import CustomerRecord
from guanxi.services.interactions import log_interactions
from guanxi_marketing.triggers.occasions import occasion_date
from guanxi_marketing.triggers.posts import add_post
from guanxi_marketing.triggers.service import trigger_settings

PURCHASE_KIND = "sales.order"
REPEAT_BUYERS = 4
BRAND_ACCOUNT = "品牌官方微博"
PLAIN_POSTS = [
    "秋天到了,早晚温差大,记得给家人添一件外套。",
    "客服小贴士:产品说明书的电子版可以在官网下载。",
    "感谢每一位参加周末公益跑的朋友,我们一起种下了 200 棵树。",
    "今天的下午茶,你选咖啡还是奶茶?",
    "售后服务热线 7×24 小时为您服务,有问题随时找我们。",
    "员工故事:维修师傅老王的第 1000 次上门服务。",
    "天气转凉,护肤要点:补水、保湿、防晒一样都不能少。",
    "周末去哪儿?分享几个适合带孩子去的博物馆。",
    "读者来信:谢谢你们帮我找回了遗失的包裹。",
    "运动赛事速递:今晚的比赛你押哪一队?",
    "环保小行动:自带杯子,减少一次性用品。",
    "新员工入职第一天,欢迎加入大家庭!",
    "节能小知识:空调设在 26 度最省电。",
    "我们的仓库团队今天完成了年度盘点,辛苦了!",
    "早安!今天也要元气满满。",
    "旅途见闻:同事在云南拍到的梯田。",
    "常见问题:如何修改收货地址?三步搞定。",
    "感谢粉丝们的留言,每一条我们都会认真看。",
    "健康提醒:久坐一小时,起来活动五分钟。",
]
COMMERCIAL_POST = "双十一预热:全场新品限时优惠,会员再享九五折。"


def add_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Mother's Day purchases (when purchases are a registered kind) and brand posts."""
    today = uow.app.local_time(uow.now).date()
    if PURCHASE_KIND in uow.app.registry.interaction_kinds:
        _mothers_day_buyers(uow, rng, customers, today)
    _posts(uow, rng, today)


def _mothers_day_buyers(
    uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord], today: dt.date
) -> None:
    spec = trigger_settings(uow.app).occasions["mothers_day"]
    people = [c for c in customers if c.kind == "person"]
    chosen = rng.sample(people, min(len(people), REPEAT_BUYERS + 1))
    years = [today.year - 1, today.year]
    rows = []
    for index, customer in enumerate(chosen):
        # The last one bought only this year: the reminder must pass him by.
        for year in years if index < REPEAT_BUYERS else years[1:]:
            occasion = occasion_date(spec, year)
            if occasion is None or occasion > today:
                continue
            bought = occasion - dt.timedelta(days=rng.randrange(1, 8))
            rows.append(
                {
                    "customer_id": customer.id,
                    "kind": PURCHASE_KIND,
                    "channel": "web",
                    "subject": "母亲节礼物",
                    "occurred_at": dt.datetime.combine(
                        bought, dt.time(rng.randrange(9, 21)), tzinfo=uow.app.tz
                    ),
                    "revenue": Decimal(rng.randrange(99, 699)),
                }
            )
    log_interactions(uow, rows)


def _posts(uow: UnitOfWork, rng: random.Random, today: dt.date) -> None:
    first = today.replace(day=1)
    days = (today - first).days + 1
    texts = rng.sample(PLAIN_POSTS, len(PLAIN_POSTS))
    for position, text in enumerate(texts):
        day = first + dt.timedelta(days=position * days // len(texts))
        at = dt.datetime.combine(day, dt.time(10, rng.randrange(60)), tzinfo=uow.app.tz)
        add_post(uow, account=BRAND_ACCOUNT, text=text, at=at, commercial=False, published=True)
    # The 20th post of the month: one commercial post in twenty is 5%, the ideal band.
    at = dt.datetime.combine(today, dt.time(9), tzinfo=uow.app.tz)
    add_post(uow, account=BRAND_ACCOUNT, text=COMMERCIAL_POST, at=at, published=at <= uow.now)

"""The knowledge area's part of the demo data (``guanxi init --demo``).

Five categories (two of them under 工程机械) and twenty articles in Chinese and a few in
English, on construction machinery, warranties, bank cards and hospital appointments;
most are published, one is a draft, one archived, a few were edited (so they have
versions). Articles are linked to the tickets the tickets area made, by what
:func:`~guanxi_service.knowledge.links.suggest` finds for each; views, customers' votes
and a handful of searches (some finding nothing: the knowledge gaps) complete the
picture. Everything random is drawn from ``rng``; "now" is ``uow.now``.
"""

from __future__ import annotations

import random

from sqlalchemy import select

from guanxi.app import UnitOfWork
from guanxi.models import Staff
from guanxi.records import CustomerRecord
from guanxi_service.knowledge.articles import create_article, edit_article, set_status
from guanxi_service.knowledge.browse import give_feedback, search_articles
from guanxi_service.knowledge.categories import create_category
from guanxi_service.knowledge.links import link_article, suggest
from guanxi_service.knowledge.models import KbArticle
from guanxi_service.tickets.models import Ticket

CATEGORIES = (  # (path, description)
    ("工程机械", "挖掘机、装载机、起重机的使用与维修"),
    ("工程机械/液压系统", "液压泵、油缸、管路"),
    ("工程机械/发动机", "发动机、燃油与冷却"),
    ("保修与服务政策", "整机与零部件保修、服务收费"),
    ("银行卡服务", "借记卡、信用卡的挂失、额度与账单"),
    ("医院预约挂号", "预约、改约、取消与就诊须知"),
)

# (category, title, audience, tags, summary, body)
ARTICLES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("工程机械/液压系统", "液压系统漏油的排查", "public", "液压,漏油,挖掘机",
     "从油缸、接头到主泵，按顺序找出漏油点。",
     "## 先确认漏油位置\n\n1. 清洁设备表面，启动后观察 10 分钟。\n2. 检查油缸活塞杆密封、"
     "管路接头和主泵轴封。\n\n## 常见原因\n\n- 密封件老化\n- 接头松动\n- 液压油温度过高\n\n"
     "漏油严重时请立即停机，并联系服务站。"),
    ("工程机械/液压系统", "液压油温度过高怎么办", "public", "液压,油温",
     "油温超过 90℃ 时的检查步骤。",
     "检查散热器是否堵塞、液压油量是否不足、油品是否符合要求。连续高负荷作业时，"
     "每两小时停机降温 15 分钟。"),
    ("工程机械/液压系统", "更换液压油和滤芯的周期", "public", "液压,保养,滤芯",
     "按工作小时数安排液压油与滤芯更换。",
     "- 回油滤芯：每 500 小时\n- 液压油：每 2000 小时\n- 先导滤芯：每 1000 小时\n\n"
     "更换后排空气并检查油位。"),
    ("工程机械/液压系统", "动臂下沉的故障诊断", "internal", "液压,油缸,故障",
     "动臂自然下沉：油缸内泄还是主阀内泄。",
     "关闭发动机，动臂抬起后测量 10 分钟内下沉量。超过 50 mm 时先检查油缸密封，"
     "再检查主控阀。此为技术人员内部流程。"),
    ("工程机械/发动机", "发动机冒黑烟的原因", "public", "发动机,黑烟",
     "进气不足、喷油异常、负荷过大是三大原因。",
     "检查空气滤芯是否堵塞，燃油品质是否合格，喷油嘴是否雾化不良。"),
    ("工程机械/发动机", "冬季低温启动注意事项", "public", "发动机,冬季,启动",
     "零下环境启动前的预热与燃油选择。",
     "使用 -10 号或 -35 号柴油，启动前预热 30 秒，单次启动不超过 10 秒。"),
    ("工程机械/发动机", "How to bleed air from the fuel system", "public",
     "engine,fuel,air", "Steps after replacing the fuel filter or running out of fuel.",
     "1. Loosen the bleed screw on the filter head.\n2. Operate the hand pump until fuel "
     "without bubbles flows.\n3. Tighten the screw and start the engine."),
    ("工程机械", "挖掘机日常点检清单", "public", "挖掘机,点检,保养",
     "每天开工前 10 分钟的检查项目。",
     "- 机油、液压油、冷却液液位\n- 履带张紧度\n- 斗齿磨损\n- 各润滑点加注黄油"),
    ("保修与服务政策", "整机保修期与保修范围", "public", "保修,整机",
     "整机保修 12 个月或 2000 小时，以先到者为准。",
     "保修期内因制造缺陷造成的故障免费维修。易损件（斗齿、滤芯、皮带）不在保修范围内。"
     "维修时请出示保修卡或购机发票。"),
    ("保修与服务政策", "哪些情况不在保修范围", "public", "保修,除外责任",
     "人为损坏、改装、未按期保养不予保修。",
     "- 使用不合格油品\n- 未在授权服务站保养\n- 超载作业造成的损坏\n- 自行改装"),
    ("保修与服务政策", "Warranty claim: what to prepare", "public", "warranty,claim",
     "The documents and photos a warranty claim needs.",
     "Prepare the serial number, the hour meter reading, photos of the failed part and "
     "the maintenance records. Claims are answered within 3 working days."),
    ("保修与服务政策", "服务收费标准（2025版）", "internal", "收费,工时",
     "工时费、出车费与配件加价的内部标准。",
     "工时费每小时 180 元；出车费 50 公里内免费，超出部分每公里 3 元。"),
    ("银行卡服务", "银行卡丢失如何挂失", "public", "银行卡,挂失",
     "电话、手机银行或网点均可挂失。",
     "拨打客服热线 95xxx 转人工，核实身份后立即办理口头挂失；5 日内到网点办理正式挂失"
     "并补卡。"),
    ("银行卡服务", "信用卡临时额度申请", "public", "信用卡,额度",
     "临时额度有效期 30 天。",
     "通过手机银行“额度管理”申请，系统实时审批。临时额度到期后需一次性还清超出部分。"),
    ("银行卡服务", "How to dispute a card transaction", "public", "card,dispute",
     "Report an unknown transaction within 60 days of the statement.",
     "Call the service line, freeze the card, and fill in the dispute form. Keep receipts "
     "and screenshots; the bank answers within 45 days."),
    ("银行卡服务", "借记卡年费与小额账户管理费", "public", "借记卡,年费",
     "哪些账户可以免收年费。",
     "代发工资账户、社保卡账户免收年费；日均余额不足 300 元的账户收取小额账户管理费。"),
    ("医院预约挂号", "如何预约专家门诊", "public", "预约,挂号,专家",
     "微信公众号、电话和自助机三种方式。",
     "提前 7 天放号，每天 8:00 开放。预约成功后请于就诊当日提前 30 分钟取号。"),
    ("医院预约挂号", "改约与取消预约", "public", "预约,取消",
     "就诊前一天 17:00 前可免费取消。",
     "在“我的预约”中选择改约或取消。爽约三次将暂停预约资格 90 天。"),
    ("医院预约挂号", "Booking an appointment in English", "public", "appointment,booking",
     "International patients can book by phone or online.",
     "Call the international desk or use the online form. Bring your passport and "
     "insurance card on the day of the visit."),
    ("医院预约挂号", "复诊提醒短信的设置", "internal", "复诊,短信",
     "出院患者复诊提醒的内部操作说明。",
     "在随访系统中为出院患者设置复诊日期，系统提前 3 天发送短信提醒。"),
)

EDITS = {0: "\n\n## 更新\n\n新款机型请使用原厂密封件套装。",
         8: "\n\n保修卡遗失可凭整机编号到服务站查询。"}
DRAFT, ARCHIVED = 3, 11  # a draft still in progress; an outdated price list
SEARCHES = ("液压 漏油", "保修期", "信用卡 额度", "挂号", "斗杆 异响", "回转马达 异响",
            "网银 证书 过期", "warranty", "card replacement fee", "斗杆 异响")


def _staff_ids(uow: UnitOfWork) -> list[int]:
    return [i for i in uow.session.exec(select(Staff.id).order_by(Staff.id)).scalars()
            if i is not None]


def generate_demo(uow: UnitOfWork, rng: random.Random, customers: list[CustomerRecord]) -> None:
    """Create the demo knowledge base and use it on the demo's tickets."""
    for path, description in CATEGORIES:
        parent, _, name = path.rpartition("/")
        create_category(uow, name=name, parent=parent or None, description=description)
    staff = _staff_ids(uow)
    articles: list[KbArticle] = []
    for index, (category, title, audience, tags, summary, body) in enumerate(ARTICLES):
        article = create_article(uow, title=title, category=category, body=body,
                                 summary=summary, tags=tags, audience=audience,
                                 publish=index != DRAFT)
        if staff:  # written by the demo's staff, not by "the system"
            article.author_id = article.updated_by_id = rng.choice(staff)
        if index in EDITS:
            edit_article(uow, article.id, body=body + EDITS[index])
            article.updated_by_id = rng.choice(staff) if staff else None
        article.view_count = rng.randrange(5, 300) if index != DRAFT else 0
        articles.append(article)
    set_status(uow, articles[ARCHIVED].id, "archived")
    uow.session.flush()
    people = [c.id for c in customers if c.id is not None]
    for article in articles:
        if article.status != "published" or article.audience != "public" or not people:
            continue
        for customer_id in rng.sample(people, min(len(people), rng.randrange(0, 6))):
            give_feedback(uow, article.id, rng.random() < 0.75, customer_id=customer_id)
    _link_tickets(uow, rng)
    for query in SEARCHES:
        search_articles(uow, query)


def _link_tickets(uow: UnitOfWork, rng: random.Random) -> None:
    """Link the best suggestion to some of the tickets the tickets area made (if any)."""
    tickets = uow.session.exec(select(Ticket.id).order_by(Ticket.id).limit(200)).scalars().all()
    for ticket_id in tickets:
        if rng.random() < 0.5:
            continue
        found = suggest(uow, ticket_id, limit=1)
        if found and (found[0].score or 0) > 1.0:
            link_article(uow, found[0].id, ticket_id)

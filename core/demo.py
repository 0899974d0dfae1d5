"""Deterministic demo data for an edition (``guanxi init --demo``).

Sizes and the seed come from the edition's ``[demo]`` table, so the same edition always
produces the same customers, staff and interactions — tests and screenshots can rely on
them. The core creates staff, teams, organisations, people, their interactions and a
few follow-up tasks through the public bulk APIs; each enabled plugin then adds its part
through the ``demo_data`` hook, in the same unit of work.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlmodel import select

from guanxi.app import App, UnitOfWork
from guanxi.editions import DemoVocabulary
from guanxi.records import CustomerRecord
from guanxi.services.customers import add_customers
from guanxi.services.interactions import log_interactions
from guanxi.services.staff import add_member, add_staff, add_team, grant_role
from guanxi.services.tasks import create_task

FAMILY_NAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲建国志文辉晨宇欣怡子涵浩然雨桐"
)
# The console password of every demo staff user (demo data only: change it in real use).
DEMO_PASSWORD = "guanxi-demo"
PINYIN = ["wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou"]
CITIES = [
    "上海",
    "北京",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "成都",
    "武汉",
    "西安",
    "徐州",
    "苏州",
    "青岛",
]
COMPANY_WORDS = [
    "恒通",
    "华信",
    "宏达",
    "金桥",
    "远航",
    "瑞丰",
    "中联",
    "新元",
    "东方",
    "天成",
    "鼎盛",
    "博远",
]
COMPANY_KINDS = ["机械", "建设", "贸易", "科技", "医疗器械", "物流", "食品", "电子"]
INDUSTRIES = ["manufacturing", "construction", "retail", "healthcare", "logistics", "technology"]
INTERESTS = ["旅游", "摄影", "健身", "茶艺", "书法", "高尔夫", "阅读", "美食", "音乐", "钓鱼"]
MOBILE_PREFIXES = ["138", "139", "186", "158", "150", "137", "188"]
TEAMS = [
    ("华东销售部", "East China sales"),
    ("客户服务中心", "Customer service centre"),
    ("市场部", "Marketing"),
]
PRODUCTS = [
    ("P-100", "标准套餐", Decimal("199.00")),
    ("P-200", "高级套餐", Decimal("599.00")),
    ("P-300", "年度服务", Decimal("1999.00")),
    ("P-400", "配件", Decimal("49.90")),
]
CONTACT_CHANNELS = ["phone", "phone", "email", "visit", "web", "sms", "chat"]
CONTACT_SUBJECTS = ["咨询产品", "回访", "预约", "投诉处理", "节日问候", "续约沟通"]
NOTES = ["客户偏好上午联系", "关注新品", "对价格敏感"]


@dataclass(frozen=True)
class Words:
    """The demo's vocabulary: the edition's ``[demo.vocabulary]`` over the defaults."""

    teams: list[tuple[str, str]]
    products: list[tuple[str, str, Decimal]]
    purchase_subject: str
    purchase_share: float
    contact_subjects: list[str]
    notes: list[str]
    organization_words: list[str]
    organization_kinds: list[str]
    identity_source: str
    task_title: str

    @classmethod
    def of(cls, vocabulary: DemoVocabulary) -> Words:
        """Fill what the edition leaves out with the generic words."""
        products = [
            (str(p["sku"]), str(p["name"]), Decimal(str(p["price"]))) for p in vocabulary.products
        ]
        return cls(
            teams=[(t[0], t[1] if len(t) > 1 else t[0]) for t in vocabulary.teams] or TEAMS,
            products=products or PRODUCTS,
            purchase_subject=vocabulary.purchase_subject or "购买",
            purchase_share=vocabulary.purchase_share,
            contact_subjects=vocabulary.contact_subjects or CONTACT_SUBJECTS,
            notes=vocabulary.notes or NOTES,
            organization_words=vocabulary.organization_words or COMPANY_WORDS,
            organization_kinds=vocabulary.organization_kinds or COMPANY_KINDS,
            identity_source=vocabulary.identity_source or "legacy-crm",
            task_title=vocabulary.task_title or "电话回访",
        )


def _person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(FAMILY_NAMES) + given


def _mobile(rng: random.Random, used: set[str]) -> str:
    while True:
        number = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if number not in used:
            used.add(number)
            return number


def _demo_role(uow: UnitOfWork, index: int, lead: bool) -> str:
    """The first demo user administers, team leads manage, the others are agents.

    An edition with roles of its own gets its first role for everybody.
    """
    roles = uow.app.settings_for("access").roles
    wanted = "admin" if index == 0 else "manager" if lead else "agent"
    return wanted if wanted in roles else next(iter(roles))


def _staff(uow: UnitOfWork, rng: random.Random, count: int, teams: int, words: Words) -> list[str]:
    team_names = []
    for name, description in words.teams[: max(1, teams)]:
        add_team(uow, name=name, description=description)
        team_names.append(name)
    usernames = []
    for index in range(count):
        username = f"{PINYIN[index % len(PINYIN)]}.{index + 1}"
        add_staff(
            uow,
            username=username,
            display_name=_person_name(rng),
            email=f"{username}@guanxi.example",
        )
        lead = index < len(team_names)
        add_member(uow, team=team_names[index % len(team_names)], staff=username, lead=lead)
        grant_role(uow, staff=username, role=_demo_role(uow, index, lead))
        usernames.append(username)
    _demo_passwords(uow, usernames)
    return usernames


@functools.cache
def _demo_password_hash() -> str:
    # One scrypt hash for every demo user: hashing costs ~50 ms, and demo data is
    # made in many tests. Demo users share the password anyway.
    from guanxi.services.credentials import hash_password

    return hash_password(DEMO_PASSWORD)


def _demo_passwords(uow: UnitOfWork, usernames: list[str]) -> None:
    """Every demo user logs in to the console with :data:`DEMO_PASSWORD`."""
    from guanxi.models import Staff, StaffCredential

    for username in usernames:
        staff = uow.session.exec(select(Staff).where(Staff.username == username)).one()
        uow.session.add(StaffCredential(
            staff_id=staff.id, password_hash=_demo_password_hash(), changed_at=uow.now  # type: ignore[arg-type]
        ))


def _pick_role(rng: random.Random, roles: list[str]) -> list[str]:
    """The edition's first role most often (customer, patient, 业主), others now and then."""
    return [roles[0] if len(roles) == 1 or rng.random() < 0.75 else rng.choice(roles[1:])]


def _custom(uow: UnitOfWork, values: dict[str, Any]) -> dict[str, Any]:
    """Only the custom fields this edition and its plugins declare."""
    known = uow.app.registry.custom_fields
    return {name: value for name, value in values.items() if name in known}


def _organizations(
    uow: UnitOfWork, rng: random.Random, count: int, staff: list[str], words: Words
) -> list[CustomerRecord]:
    settings = uow.app.settings
    rows: list[dict[str, Any]] = []
    names: set[str] = set()
    while len(rows) < count:
        city = rng.choice(CITIES)  # drawn in this order so the generic demo stays the same
        word, kind = rng.choice(words.organization_words), rng.choice(words.organization_kinds)
        name = f"{city}{word}{kind}有限公司"
        if name in names:
            continue
        names.add(name)
        rows.append(
            {
                "kind": "organization",
                "name": name,
                "roles": _pick_role(rng, settings.roles),
                "lifecycle_stage": rng.choice(settings.lifecycle_stages),
                "owner": rng.choice(staff),
                "emails": [f"info{len(rows) + 1}@org{len(rows) + 1}.example.cn"],
                "custom": _custom(uow, {"industry": rng.choice(INDUSTRIES)}),
            }
        )
    return add_customers(uow, rows)


def _people(
    uow: UnitOfWork,
    rng: random.Random,
    count: int,
    staff: list[str],
    orgs: list[CustomerRecord],
    until: dt.date,
    words: Words,
) -> list[CustomerRecord]:
    used: set[str] = set()
    settings = uow.app.settings
    # Most customers sit in the middle of the lifecycle, few at its ends.
    stages = settings.lifecycle_stages
    stage_weights = [1 + min(i, len(stages) - 1 - i) * 3 for i in range(len(stages))]
    channels = [c for c in ("phone", "email", "sms", "chat", "visit") if c in settings.channels]
    rows: list[dict[str, Any]] = []
    for index in range(count):
        born = until - dt.timedelta(days=rng.randrange(20 * 365, 75 * 365))
        row: dict[str, Any] = {
            "name": _person_name(rng),
            "roles": _pick_role(rng, settings.roles),
            "lifecycle_stage": rng.choices(stages, stage_weights)[0],
            "owner": rng.choice(staff),
            "phones": [_mobile(rng, used)],
            "emails": [f"customer{index + 1}@mail.example.cn"],
            "gender": rng.choice(["female", "male"]),
            "birth_date": born,
            "preferred_channel": rng.choice(channels) if channels else None,
            "interests": rng.sample(INTERESTS, rng.randrange(0, 3)),
            "identities": [{"source": words.identity_source, "external_id": f"L{100000 + index}"}],
        }
        if orgs and rng.random() < 0.3:
            row["organization_id"] = rng.choice(orgs).id
        if rng.random() < 0.15:
            row["custom"] = _custom(uow, {"value_segment": rng.choice(["vip", "key", "regular"])})
        if rng.random() < 0.1:
            married = until - dt.timedelta(days=rng.randrange(365, 20 * 365))
            row["special_dates"] = [{"label": "wedding anniversary", "date": married}]
        rows.append(row)
    return add_customers(uow, rows)


def _channel(rng: random.Random, wanted: list[str], allowed: list[str]) -> str:
    usable = [c for c in wanted if c in allowed]
    return rng.choice(usable) if usable else "other"


def _interaction(
    rng: random.Random,
    customer: CustomerRecord,
    at: dt.datetime,
    actor: str,
    allowed: list[str],
    words: Words,
) -> dict[str, Any]:
    roll = rng.random()
    # Contacts and notes share what purchases leave in the generic 55:10 proportion.
    contact_share = words.purchase_share + (1 - words.purchase_share) * 55 / 65
    if roll < words.purchase_share:
        lines = rng.sample(words.products, rng.randrange(1, min(3, len(words.products) + 1)))
        quantities = [rng.randrange(1, 4) for _ in lines]
        total = sum(
            (price * q for (_, _, price), q in zip(lines, quantities, strict=True)), Decimal("0")
        )
        return {
            "customer_id": customer.id,
            "kind": "core.purchase",
            "channel": _channel(rng, ["pos", "web", "visit"], allowed),
            "occurred_at": at,
            "revenue": total,
            "cost": (total * Decimal("0.05")).quantize(Decimal("0.01")),
            "subject": words.purchase_subject,
            "payload": {
                "order_ref": f"SO-{rng.randrange(10**6):06d}",
                "lines": [
                    {"sku": sku, "name": name, "quantity": q, "unit_price": float(price)}
                    for (sku, name, price), q in zip(lines, quantities, strict=True)
                ],
            },
        }
    if roll < contact_share:
        channel = _channel(rng, CONTACT_CHANNELS, allowed)
        return {
            "customer_id": customer.id,
            "kind": "core.contact",
            "channel": channel,
            "occurred_at": at,
            "direction": rng.choice(["inbound", "outbound"]),
            "actor": actor,
            "cost": Decimal(rng.choice(["0.00", "2.50", "8.00", "30.00"])),
            "subject": rng.choice(words.contact_subjects),
            "payload": {
                "summary": "demo contact",
                "outcome": rng.choice(["ok", "callback", "no answer"]),
            },
        }
    return {
        "customer_id": customer.id,
        "kind": "core.note",
        "occurred_at": at,
        "direction": "internal",
        "actor": actor,
        "payload": {"text": rng.choice(words.notes)},
    }


def _interactions(
    uow: UnitOfWork,
    rng: random.Random,
    count: int,
    customers: list[CustomerRecord],
    staff: list[str],
    until: dt.datetime,
    words: Words,
) -> int:
    # A few customers are much more active than most, as in any real customer base.
    weights = [rng.paretovariate(1.5) for _ in customers]
    chosen = rng.choices(customers, weights, k=count)
    rows = [
        _interaction(
            rng,
            customer,
            until - dt.timedelta(minutes=rng.randrange(2 * 365 * 24 * 60)),
            rng.choice(staff),
            uow.app.settings.channels,
            words,
        )
        for customer in chosen
    ]
    rows.sort(key=lambda r: r["occurred_at"])
    for start in range(0, len(rows), 2000):
        log_interactions(uow, rows[start : start + 2000])
    return len(rows)


def generate_demo(app: App) -> dict[str, int]:
    """Create the edition's demo data in one unit of work; return how many of each."""
    spec = app.edition.demo
    rng = random.Random(spec.seed)
    words = Words.of(spec.vocabulary)
    until = dt.datetime.combine(spec.until, dt.time(18, 0), tzinfo=app.tz).astimezone(dt.UTC)
    with app.transaction(now=until) as uow:
        staff = _staff(uow, rng, spec.staff, spec.teams, words)
        orgs = _organizations(uow, rng, spec.organizations, staff, words)
        people = _people(uow, rng, spec.customers, staff, orgs, spec.until, words)
        logged = _interactions(uow, rng, spec.interactions, people + orgs, staff, until, words)
        tasks = 0
        for customer in rng.sample(people, min(len(people), max(1, len(people) // 10))):
            assert customer.id is not None
            create_task(
                uow,
                customer_id=customer.id,
                title=words.task_title,
                assignee=rng.choice(staff),
                due_at=until + dt.timedelta(days=rng.randrange(-5, 20)),
                source="demo",
            )
            tasks += 1
        uow.hook.demo_data(uow=uow, rng=rng, customers=people + orgs)
    return {
        "staff": len(staff),
        "organizations": len(orgs),
        "people": len(people),
        "interactions": logged,
        "tasks": tasks,
    }

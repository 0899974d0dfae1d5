"""The bank edition's story (issue 9), through the CLI on a fresh database.

A county rural commercial bank: an account manager's customers in the three segments
(农户, 产业大户, 小企业) with the products they hold; a half-year of credit-card spend
after which one cardholder's spend collapses and the churn job raises the alert; the
cross-sell rules over six baskets worked by hand; delivered value; value clusters; the
contact standard broken for a farmer nobody called in 100 days; a complaint under the
complaint SLA whose survey invitation is the bank's own text.

Dates are relative to today (customers are created at the real time, so contact periods
count from it): M0 is the first day of the current month, M-1 the month before.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from guanxi.testing import GuanxiCli
from guanxi_editions.bank.crosssell import mine_rules, suggest
from guanxi_editions.bank.fields import id_card_check_digit
from tests.editions.conftest import StartProject

TZ = ZoneInfo("Asia/Shanghai")
TODAY = dt.datetime.now(TZ).date()
M0 = TODAY.replace(day=1)


def month(offset: int) -> dt.date:
    """The first day of the month ``offset`` months from M0 (negative: before)."""
    index = M0.year * 12 + M0.month - 1 + offset
    return dt.date(index // 12, index % 12 + 1, 1)


def id_card(first17: str) -> str:
    return first17 + id_card_check_digit(first17)


# The six baskets of the cross-sell example (DC debit card, MB mobile banking, CC credit
# card, TD term deposit, W wealth): A, B {DC, MB, CC}; C {DC, MB}; D {DC, TD, W};
# E {TD, W}; F {DC, TD}.
CUSTOMERS = {
    "A": (
        "李建国",
        "产业大户",
        ["debit_card", "mobile_banking", "credit_card"],
        "a@nsh.example.cn",
    ),
    "B": ("张秀英", "农户", ["debit_card", "mobile_banking", "credit_card"], "b@nsh.example.cn"),
    "C": ("王大山", "农户", ["debit_card"], "c@nsh.example.cn"),  # mobile banking: logged
    "D": ("丰收农业合作社", "小企业", ["debit_card", "term_deposit", "wealth"], "d@nsh.example.cn"),
    "E": ("陈美玲", "产业大户", ["term_deposit", "wealth"], "e@nsh.example.cn"),
    "F": ("刘强", "小企业", ["debit_card", "term_deposit"], "f@nsh.example.cn"),
}


def test_cross_sell_figures_by_hand() -> None:
    """support, confidence and lift over the six baskets, computed by hand.

    N = 6. support(MB) = 3/6, support(CC) = 2/6, support(MB ∪ CC) = 2/6:
    MB → CC has confidence (2/6)/(3/6) = 2/3 and lift (2/3)/(2/6) = 2.
    DC → MB: support(DC) = 5/6, confidence (3/6)/(5/6) = 0.6, lift 0.6/(3/6) = 1.2 —
    under a minimum lift of 1.5. {DC, MB} → CC: (2/6)/(3/6) = 2/3, lift 2.
    """
    dc, mb, cc, td, w = "debit_card", "mobile_banking", "credit_card", "term_deposit", "wealth"
    baskets = [
        frozenset(b) for b in ([dc, mb, cc], [dc, mb, cc], [dc, mb], [dc, td, w], [td, w], [dc, td])
    ]
    rules = mine_rules(baskets, min_support=0.3, min_confidence=0.6, min_lift=1.5)
    found = {(r.antecedent, r.consequent): r for r in rules}
    assert set(found) == {
        ((cc,), mb),
        ((w,), td),
        ((cc, dc), mb),  # confidence 1
        ((dc, mb), cc),
        ((mb,), cc),
        ((td,), w),  # confidence 2/3
    }
    mb_cc = found[((mb,), cc)]
    assert (mb_cc.count, mb_cc.support) == (2, pytest.approx(2 / 6))
    assert mb_cc.confidence == pytest.approx(2 / 3)
    assert mb_cc.lift == pytest.approx(2.0)
    assert [(r.antecedent, r.consequent) for r in rules][:3] == [
        ((cc,), mb),
        ((cc, dc), mb),
        ((w,), td),
    ]
    loose = mine_rules(baskets, min_support=0.3, min_confidence=0.6, min_lift=1.0)
    dc_mb = next(r for r in loose if r.antecedent == (dc,) and r.consequent == mb)
    assert (dc_mb.confidence, dc_mb.lift) == (pytest.approx(0.6), pytest.approx(1.2))
    # C holds {DC, MB}: offered the credit card, by the two-product rule (same figures,
    # ranked first on the product names); F holds {DC, TD}: offered wealth management.
    assert [(p, r.antecedent) for p, r in suggest(baskets[2], rules, 3)] == [(cc, (dc, mb))]
    assert [p for p, _ in suggest(baskets[5], rules, 3)] == [w]
    assert mine_rules([], min_support=0.1, min_confidence=0.1) == []


def custom(gx: GuanxiCli, customer_id: int) -> dict[str, object]:
    """A customer's custom fields as the system sees them."""
    return gx.json("customer", "show", str(customer_id))["customer"]["custom"]


def _write_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    columns = sorted({key for row in rows for key in row})
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _spend(email: str, first: dt.date, amount: str, days: list[int]) -> list[dict[str, object]]:
    return [
        {
            "customer": email,
            "kind": "bank.card_spend",
            "channel": "pos",
            "direction": "internal",
            "occurred_at": f"{first.replace(day=d)} 12:00",
            "revenue": amount,
            "payload.card": "credit",
            "payload.merchant": "农资超市",
        }
        for d in days
    ]


def _story_log(tmp: Path) -> Path:
    """Card spend M-7 … M-1 (A: 5 × 1,000 a month, then one of 300; B: 4 × 800 every
    month), counter purchases for D, E, F in M-1, A's two branch visits in M-3, and C's
    last call 100 days before M0."""
    rows: list[dict[str, object]] = []
    for offset in range(-7, -1):
        rows += _spend(CUSTOMERS["A"][3], month(offset), "1000.00", [3, 8, 13, 18, 23])
    rows += _spend(CUSTOMERS["A"][3], month(-1), "300.00", [10])
    for offset in range(-7, 0):
        rows += _spend(CUSTOMERS["B"][3], month(offset), "800.00", [5, 12, 19, 26])
    # Counter purchases in M-1 (inside the value period, after the 10th: newer than any
    # 30-day contact period at M0).
    for key, amount, days in (
        ("D", "3000.00", [10, 11]),
        ("E", "20.00", range(10, 25)),
        ("F", "50.00", [20]),
    ):
        for day in days:
            rows.append(
                {
                    "customer": CUSTOMERS[key][3],
                    "kind": "core.purchase",
                    "channel": "visit",
                    "occurred_at": f"{month(-1).replace(day=day)} 10:00",
                    "revenue": amount,
                    "subject": "办理业务",
                }
            )
    for day in (5, 15):
        rows.append(
            {
                "customer": CUSTOMERS["A"][3],
                "kind": "bank.branch_visit",
                "channel": "visit",
                "occurred_at": f"{month(-3).replace(day=day)} 09:30",
                "payload.business": "贷款还款",
                "payload.wait_minutes": "20",
            }
        )
    rows.append(
        {
            "customer": CUSTOMERS["C"][3],
            "kind": "core.contact",
            "channel": "phone",
            "direction": "outbound",
            "occurred_at": f"{M0 - dt.timedelta(days=100)} 10:00",
            "subject": "走访农户",
            "payload.summary": "春耕贷款需求",
        }
    )
    return _write_csv(tmp / "story.csv", rows)


def _setup(gx: GuanxiCli) -> dict[str, int]:
    gx("team", "add", "个人金融部")
    gx("staff", "add", "zhao.min", "赵敏", "--team", "个人金融部", "--lead")
    gx("access", "grant", "zhao.min", "account_manager")
    ids = {}
    for key, (name, segment, products, email) in CUSTOMERS.items():
        org = ["--org-kind"] if key == "D" else []
        fields = [
            "--field",
            f"customer_segment={segment}",
            "--field",
            f"products_held={products!r}".replace("'", '"'),
        ]
        if key == "A":
            fields += [
                "--field",
                "deposit_balance=50000",
                "--field",
                "loan_balance=200000",
                "--field",
                f"id_card_no={id_card('32032419800101001')}",
            ]
        record = gx.json(
            "customer",
            "add",
            name,
            *org,
            "--email",
            email,
            "--owner",
            "zhao.min",
            "--stage",
            "active",
            *fields,
        )
        ids[key] = record["id"]
    return ids


def test_bank_story(start_project: StartProject, tmp_path: Path) -> None:
    gx = start_project("bank")
    ids = _setup(gx)

    # Products held follow the log: C opened mobile banking at the counter in the summer.
    gx(
        "interaction",
        "log",
        str(ids["C"]),
        "--kind",
        "bank.product_opened",
        "--direction",
        "inbound",
        "--at",
        f"{M0 - dt.timedelta(days=120)} 10:00",
        "--set",
        "product=mobile_banking",
    )
    assert custom(gx, ids["C"])["products_held"] == ["debit_card", "mobile_banking"]

    # The ID card number is sensitive: the account manager sees it masked.
    a_as_manager = gx.json("customer", "show", str(ids["A"]), as_user="zhao.min")["customer"]
    assert "custom.id_card_no" in a_as_manager["masked"]
    assert custom(gx, ids["A"])["id_card_no"] == id_card("32032419800101001")

    # The marketing segments the edition installs match the custom field.
    assert "5 segments created" in gx("bank", "install-segments").stdout
    farmers = gx.json("marketing", "segments", "preview", "农户 farmers")
    assert sorted(row["id"] for row in farmers["customers"]) == sorted([ids["B"], ids["C"]])

    stats = gx.json("import", "interactions", str(_story_log(tmp_path)), "-q")
    assert stats["rejected"] == 0, stats

    # --- the credit-card churn alert: A's own threshold, the job of M0 03:31.
    gx("analytics", "churn", "threshold", "set", str(ids["A"]), "--amount", "2000", "--count", "3")
    gx("jobs", "run-due", "--now", f"{M0} 03:00")  # schedules the daily jobs
    ran = gx.json("jobs", "run-due", "--job", "analytics.churn_alerts", "--now", f"{M0} 03:31")
    assert [r["status"] for r in ran] == ["ok"]
    alerts = gx.json("analytics", "churn", "alerts")
    threshold = [a for a in alerts if a["kind"] == "threshold"]
    assert [(a["customer_id"], a["month"], a["amount"], a["count"]) for a in threshold] == [
        (ids["A"], f"{month(-1):%Y-%m}", "300.00", 1)
    ]
    assert threshold[0]["threshold_amount"] == "2000.00" and threshold[0]["basis"] == "customer"
    assert ids["B"] not in {a["customer_id"] for a in alerts}  # steady spender
    tasks = gx.json("task", "list", "--assignee", "zhao.min")
    assert any("流失预警" in t["title"] and t["customer"] == ids["A"] for t in tasks)

    # The account manager works the alert.
    gx("analytics", "churn", "ack-alert", str(threshold[0]["id"]), as_user="zhao.min")
    statuses = {a["id"]: a["status"] for a in gx.json("analytics", "churn", "alerts")}
    assert statuses[threshold[0]["id"]] == "acknowledged"

    # --- cross-sell over the six baskets (the figures of test_cross_sell_figures_by_hand).
    sell = gx.json(
        "bank", "cross-sell", "--min-support", "0.3", "--min-confidence", "0.6", "--min-lift", "1.5"
    )
    assert sell["baskets"] == 6
    rule = next(
        r
        for r in sell["rules"]
        if r["antecedent"] == ["mobile_banking"] and r["consequent"] == "credit_card"
    )
    assert (rule["support"], rule["confidence"], rule["lift"]) == (0.3333, 0.6667, 2.0)
    for_c = gx.json(
        "bank",
        "cross-sell",
        "--customer",
        str(ids["C"]),
        "--min-support",
        "0.3",
        "--min-confidence",
        "0.6",
        "--min-lift",
        "1.5",
    )["suggestions"]
    assert [(s["product"], s["because"], s["lift"]) for s in for_c] == [
        ("credit_card", ["debit_card", "mobile_banking"], 2.0)
    ]

    # --- value clusters: the nightly refresh, then the bank's labelling job.
    tomorrow = TODAY + dt.timedelta(days=1)
    gx("jobs", "run-due", "--job", "analytics.value_refresh", "--now", f"{tomorrow} 02:50")
    ran = gx.json("jobs", "run-due", "--job", "bank.value_clusters", "--now", f"{tomorrow} 02:51")
    assert ran[0]["detail"] == "6 customers changed value cluster"
    clusters = {key: custom(gx, ids[key])["value_cluster"] for key in ids}
    # A: 31 purchases, 30,300 spent; B: 28, 22,400 (both above 12 and 5,000) → 知己;
    # D: 2 purchases, 6,000 → 蝴蝶; E: 15 purchases, 300 → 藤壶; F: 1, 50 → 过客;
    # C: no purchase → unclassified.
    assert clusters == {
        "A": "高价值",
        "B": "高价值",
        "C": "普通",
        "D": "潜力",
        "E": "成长",
        "F": "普通",
    }
    table = {row["cluster"]: row for row in gx.json("bank", "clusters")}
    assert table["高价值"]["by_segment"] == {"产业大户": 1, "农户": 1}

    # --- customer delivered value of A over the story's months.
    cdv = gx.json(
        "analytics", "delivered", "customers", "--from", str(month(-7)), "--to", str(TODAY)
    )
    a = next(row for row in cdv if row["customer_id"] == ids["A"])
    # product 50,000 × 1.5 % = 750; credit 200,000 × 8 % = 16,000; rewards 30,300 × 0.5 %
    # = 151.50; image 10 % of those = 1,690.15 → value 18,591.65. Cost: interest
    # 200,000 × 5.5 % = 11,000 and time 2 visits × 20 = 40 → 11,040. CDV 7,551.65.
    assert (a["value.product"], a["value.credit"], a["value.rewards"], a["value.image"]) == (
        "750.00",
        "16000.00",
        "151.50",
        "1690.15",
    )
    assert (a["total_value"], a["cost.interest"], a["cost.time"], a["total_cost"]) == (
        "18591.65",
        "11000.00",
        "40.00",
        "11040.00",
    )
    assert a["cdv"] == "7551.65"
    assert a["segment"] == "产业大户"
    segments = {
        row["segment"]
        for row in gx.json(
            "analytics", "delivered", "segments", "--from", str(month(-7)), "--to", str(TODAY)
        )
    }
    assert {"农户", "产业大户", "小企业"} <= segments

    # --- the service standard: periods from segment and cluster, then the cadence check.
    ran = gx.json("jobs", "run-due", "--job", "bank.contact_standard", "--now", f"{tomorrow} 06:50")
    assert ran[0]["detail"] == "6 contact periods set, 0 unchanged, 0 without an account manager"
    core = {row["id"]: row for row in gx.json("sales", "core", "list")}
    assert core[ids["A"]]["period_days"] == 15  # 高价值
    assert core[ids["C"]]["period_days"] == 90  # 农户
    assert core[ids["F"]]["period_days"] == 30  # 小企业
    # Daily jobs run at their due time (scheduled from M0 03:00): the check is of M0
    # 07:00. A (高价值, 15 days) was last at the counter in M-3; C (农户, 90 days) was
    # last called 100 days before; the others were in touch in M-1 or are new.
    ran = gx.json("jobs", "run-due", "--job", "sales.core_cadence", "--now", f"{tomorrow} 07:05")
    assert ran[0]["detail"] == "flagged 2 of 2 overdue core customers"
    flagged = {
        t["customer"]: t["title"]
        for t in gx.json("task", "list", "--assignee", "zhao.min")
        if t["title"].startswith("核心客户回访")
    }
    assert set(flagged) == {ids["A"], ids["C"]}
    assert "every 15 days" in flagged[ids["A"]] and "every 90 days" in flagged[ids["C"]]

    # --- a complaint: the complaint SLA, and the bank's survey invitation.
    opened = gx.json(
        "service",
        "tickets",
        "open",
        str(ids["B"]),
        "信用卡年费争议",
        "--type",
        "complaint",
        "--channel",
        "phone",
    )
    assert opened["sla_policy"] == "complaint"
    number = opened["ticket"]["number"]
    gx("service", "tickets", "resolve", number, "已退还年费")
    survey = gx.json("service", "surveys", "send", "--ticket", number)
    shown = gx.json("service", "surveys", "show", str(survey["id"]), "--invitation")
    text = str(shown)
    assert "服务质量监督部" in text and "不会以任何理由向您索取银行卡密码" in text

    # The 360 view has the bank's section.
    assert "银行业务" in gx("customer", "show", str(ids["A"])).stdout


def test_bad_input_is_refused_by_name(start_project: StartProject) -> None:
    gx = start_project("bank")
    gx("customer", "add", "周明", "--email", "z@nsh.example.cn")
    bad = {
        'products_held=["gold_bar"]': "custom.products_held",
        'products_held=["wealth", "wealth"]': "custom.products_held",
        "id_card_no=320324198001010010": "custom.id_card_no",
        "customer_segment=渔民": "custom.customer_segment",
        "deposit_balance=-5": "custom.deposit_balance",
    }
    for field, name in bad.items():
        line = gx.fails("customer", "add", "赵六", "--field", field)
        assert name in line, line
    assert "min-support" in gx.fails("bank", "cross-sell", "--min-support", "2")
    assert "min-confidence" in gx.fails("bank", "cross-sell", "--min-confidence", "0")
    assert "payload.product" in gx.fails(
        "interaction",
        "log",
        "z@nsh.example.cn",
        "--kind",
        "bank.product_opened",
        "--set",
        "product=gold",
    )
    assert len(gx.json("customer", "list")) == 1
    assert gx.json("interaction", "list") == []


def test_products_held_follow_openings_and_closings(start_project: StartProject) -> None:
    """An opening adds the product once (catalogue order), a closing removes it; the
    standard's published example ID number (check character X) is accepted."""
    gx = start_project("bank")
    added = gx.json(
        "customer",
        "add",
        "孙丽",
        "--field",
        'products_held=["credit_card"]',
        "--field",
        "id_card_no=11010519491231002x",
    )
    assert added["custom"]["id_card_no"] == "11010519491231002X"
    ref = str(added["id"])
    for kind, product in (
        ("opened", "term_deposit"),
        ("opened", "current_deposit"),
        ("opened", "term_deposit"),
        ("closed", "credit_card"),
    ):
        gx(
            "interaction",
            "log",
            ref,
            "--kind",
            f"bank.product_{kind}",
            "--set",
            f"product={product}",
        )
    assert custom(gx, added["id"])["products_held"] == ["current_deposit", "term_deposit"]
    gx("interaction", "log", ref, "--kind", "bank.product_closed", "--set", "product=wealth")
    assert custom(gx, added["id"])["products_held"] == ["current_deposit", "term_deposit"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> GuanxiCli:
    """One ``init --edition bank --demo`` for the demo tests of this module."""
    gx = GuanxiCli(tmp_path_factory.mktemp("bank-demo"))
    gx("init", "--edition", "bank", "--demo")
    return gx


def test_demo_checks_and_looks_like_a_bank(demo: GuanxiCli) -> None:
    assert "ok" in demo("edition", "check").stdout
    interactions = demo.json("interaction", "list", "--limit", "100000")
    assert 3000 <= len(interactions) <= 6000
    assert sum(i["kind"] == "bank.card_spend" for i in interactions) > 1000
    customers = demo.json("customer", "list", "--limit", "100000")
    assert 300 <= len(customers) <= 600
    clusters = {row["cluster"]: row["customers"] for row in demo.json("bank", "clusters")}
    assert all(clusters.get(label, 0) > 0 for label in ("高价值", "成长", "普通", "潜力"))
    rules = demo.json("bank", "cross-sell")["rules"]
    assert any(r["consequent"] == "term_deposit" and "wealth" in r["antecedent"] for r in rules)


def _yuan(amount: str) -> str:
    """Money as the report writes it: -¥256.59, ¥1,234.00."""
    value = Decimal(amount)
    return f"{'-' if value < 0 else ''}¥{abs(value):,.2f}"


def test_demo_shows_in_the_report(demo: GuanxiCli, tmp_path: Path) -> None:
    period = ("--from", "2025-11-01", "--to", "2026-10-31")
    out = tmp_path / "report.html"
    demo("analytics", "report", "--out", str(out), *period)
    html = out.read_text(encoding="utf-8")
    # Delivered value by the bank's segments: each bar's mean CDV is the CLI's figure.
    segments = demo.json("analytics", "delivered", "segments", *period)
    assert {row["segment"] for row in segments} == {"农户", "产业大户", "小企业"}
    for row in segments:
        assert f"{row['segment']}: {_yuan(row['mean_cdv'])}" in html, row
    # The 7P profiling counts the value clusters the bank job wrote.
    for row in demo.json("bank", "clusters"):
        if row["cluster"] != "(none)":
            assert f"value_cluster: {row['cluster']}</td><td>{row['customers']} (" in html, row
    # The loan pipeline's stages and the card churn alerts of the demo.
    assert "credit_review" in html and "disbursed" in html
    alerts = demo.json("analytics", "churn", "alerts", "--limit", "1000")
    assert {a["kind"] for a in alerts} >= {"threshold", "drop"}

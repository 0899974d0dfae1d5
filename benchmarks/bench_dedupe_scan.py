"""Duplicate scan benchmark: ``scan_duplicates`` over N stored customers, against the truth.

One command. It generates N customers deterministically (seeded): Chinese and Latin
names, birth dates, mobile phones, emails, addresses, 5 % organisations, and a known
share (``--dup-share``, default 5 %) of duplicates of earlier customers carrying
realistic differences (a different character or letter, 张 伟 for 张伟, a missing email
or phone, two digits of the phone transposed, day and month swapped, the email in
capitals). It stores them through the core's bulk path (``validate_customers`` with the
check of new records off, ``insert_customers``), 10,000 per transaction, untimed; then
times one full scan and prints seconds, peak RSS (``ru_maxrss``) of the process, pairs,
clusters, and precision / recall / F1 of the pairs against the planted truth.

**Baseline**, timed in the same run on the same database: the exact-key self-join a
CRM without fuzzy matching runs — customers sharing a normalised phone or email
(``contact_point`` joined to itself on ``(kind, normalized)``, through the same
connection). It is what the scan must beat on recall; the ratio of the two times says
what the fuzzy matching costs.

The database is built once: ``--db PATH`` keeps it (and the truth beside it) for the next
run, which then only scans. From 20,000 customers up the loading runs in a child process,
so the peak RSS printed is the scan's (the baseline runs after it is measured). ::

    python benchmarks/bench_dedupe_scan.py                      # 1,000,000 customers
    python benchmarks/bench_dedupe_scan.py --customers 50000
    python benchmarks/bench_dedupe_scan.py --customers 1000000 --db /tmp/scan1m.db
    python benchmarks/bench_dedupe_scan.py --customers 100000 --rules proposed

``--rules``: ``large`` (default) is the default match rules with the blocking passes
proposed for large databases (below); ``proposed`` adds the proposed email and address
comparisons; ``default`` is the default rules as they are (their blocking does not scale
to a million customers: tens of millions of candidate pairs).
"""

from __future__ import annotations

import argparse
import datetime as dt
import inspect
import json
import multiprocessing
import platform
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchkit import open_app

from guanxi.app import App, create_app
from guanxi.identity import default_rules
from guanxi.identity.scan import scan_duplicates
from guanxi.services.customers import insert_customers, validate_customers

SEED = 20261123
BATCH = 10_000
#: Below this many customers the loading runs in this process (then the peak RSS printed
#: includes it; small runs are for trying the benchmark out, not for its figures).
IN_PROCESS_LOAD = 20_000
FAMILY = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜"
          "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺")
COMPOUND = ("欧阳", "司马", "诸葛", "上官")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平建志桂玉兰红霞鹏飞辉刚健波宇浩凯晨欣怡婷雪"
         "琳晓慧佳俊博文斌鑫海峰亮成东林国庆春梅兵云龙凤洁嘉琪子涵梓轩若曦思远天佑一诺雨萱")
FIRST = ("James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas",
         "Charles", "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan",
         "Jessica", "Sarah", "Karen", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven",
         "Paul", "Andrew", "Joshua", "Kenneth", "Nancy", "Lisa", "Betty", "Margaret", "Sandra",
         "Ashley", "Kimberly", "Emily", "Donna", "Michelle", "Olivia", "Emma", "Sophia", "Lucas",
         "Ethan", "Noah", "Liam", "Mia", "Chloe", "Grace")
LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
        "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
        "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
        "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen",
        "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams",
        "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Wong",
        "Chan", "Tan", "Lim", "Ng", "Ong")
CITIES = ("北京市朝阳区", "上海市浦东新区", "广州市天河区", "深圳市南山区", "杭州市西湖区",
          "成都市武侯区")
STREETS = ("建国路", "人民路", "中山路", "解放路", "长安街", "南京路", "和平路", "科技园路")
ORG_WORDS = ("华信", "东方", "远大", "恒通", "金桥", "天成", "宏达", "新世纪", "联合", "万通",
             "瑞丰")
ORG_TRADES = ("科技", "贸易", "物流", "汽车销售", "医疗器械", "建材", "餐饮管理", "咨询")
LATIN_ORGS = ("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay")
DOMAINS = ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com")

#: The blocking passes proposed for large databases (docs/identity-scan.md): the default
#: passes on a whole birth date, on a Soundex + initial and on a Chinese family name +
#: birth year make blocks that grow with the database (about 50 people share a birth
#: date among a million: 22.6 million pairs from that pass alone, 34.2 million from the
#: Chinese family name + year), so each is narrowed by a second name or date key.
LARGE_BLOCKING = [{"name": name, "parts": [{"field": f, "transform": t} for f, t in parts]}
                  for name, parts in (
    ("id_number", [("id_number", "exact")]),
    ("phone", [("phone", "exact")]),
    ("email", [("email", "exact")]),
    ("birth_given", [("birth_date", "exact"), ("given_name", "initial")]),
    ("birth_family", [("birth_date", "exact"), ("family_name", "soundex")]),
    ("birth_postcode", [("birth_date", "exact"), ("postcode", "exact")]),
    ("surname_given_year", [("family_name", "soundex"), ("given_name", "exact"),
                            ("birth_date", "year")]),
    ("surname_postcode", [("family_name", "soundex"), ("given_name", "initial"),
                          ("postcode", "exact")]),
    ("postcode_given", [("postcode", "exact"), ("given_name", "exact")]),
    ("cjk_family_phone", [("family_name", "cjk"), ("phone", "exact")]),
)]


def proposed_comparisons() -> list[dict[str, Any]]:
    """The default comparisons with the two changes proposed with the large blocking: an
    email agrees or not (``li.na12@…`` and ``li.na31@…`` are two people, not a partial
    agreement weighing as much as a phone), and addresses compare by edit distance
    (Jaro-Winkler calls 人民路149号 and 人民路48号 the same address)."""
    out = []
    for comparison in default_rules().comparisons:
        data = comparison.model_dump()
        if comparison.field == "email":
            data.update(partial=1.0)
        if comparison.field == "address":
            data.update(method="levenshtein", agree=1.0, partial=0.9)
        out.append(data)
    return out


def _phone(n: int) -> str:
    """A distinct 11-digit mobile number for each ``n`` (a bijection mod 10**8)."""
    prefix = ("138", "139", "137", "136", "135", "158", "159", "186", "188", "177")[n % 10]
    return f"{prefix}{(n * 48271 + 12345) % 100_000_000:08d}"


def _person(rng: random.Random, n: int) -> dict[str, Any]:
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20_000))
    if rng.random() < 0.6:
        family = rng.choice(COMPOUND) if rng.random() < 0.01 else rng.choice(FAMILY)
        given = "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        row: dict[str, Any] = {"name": family + given}
        local = f"{family.encode('unicode_escape').hex()[-6:]}{n:x}"
    else:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        row = {"name": f"{first} {last}", "family_name": last, "given_name": first}
        local = f"{first}.{last}{n % 1000}".lower()
    row["birth_date"] = birth
    if rng.random() < 0.9:
        row["phones"] = [_phone(n)]
    if rng.random() < 0.75:
        row["emails"] = [f"{local}@{rng.choice(DOMAINS)}"]
    if rng.random() < 0.5:
        row["addresses"] = [f"{rng.choice(CITIES)}{rng.choice(STREETS)}{rng.randrange(1, 300)}号"]
    return row


def _organisation(rng: random.Random, n: int) -> dict[str, Any]:
    if rng.random() < 0.7:
        brand = rng.choice(GIVEN) + rng.choice(GIVEN)  # names are registered: near-unique
        name = (f"{rng.choice(CITIES)[:2]}{brand}{rng.choice(ORG_WORDS)}"
                f"{rng.choice(ORG_TRADES)}有限公司")
    else:
        name = (f"{rng.choice(LATIN_ORGS)} {rng.choice(LAST)} {rng.choice(FIRST)} "
                f"{rng.choice(('Ltd', 'Inc', 'GmbH'))}")
    row: dict[str, Any] = {"kind": "organization", "name": name, "phones": [_phone(n)]}
    if rng.random() < 0.6:
        row["emails"] = [f"info{n:x}@corp{n % 97}.example.com"]
    return row


def _typo_text(rng: random.Random, value: str, pool: str) -> str:
    """One character of ``value`` replaced (a Chinese one from ``pool``, else a letter)."""
    k = rng.randrange(len(value))
    if value[k] >= "\u4e00":
        return value[:k] + rng.choice(pool) + value[k + 1:]
    if value[k].isalpha():
        return value[:k] + rng.choice("aeiourstnl") + value[k + 1:]
    return value


def _duplicate(rng: random.Random, original: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``original`` with one or two of the differences real duplicates have."""
    row = json.loads(json.dumps(original, default=str))  # a deep copy, dates as text
    changes = rng.sample(("name", "space", "no_email", "no_phone", "phone_swap", "date_swap",
                          "email_case"), k=rng.choice((1, 2)))
    cjk = row["name"][0] >= "\u4e00"
    for change in changes:
        if change == "name":
            if cjk and row.get("kind") != "organization" and len(row["name"]) > 1:
                # 张伟 → 张玮: a different character of the given name, never the family one.
                row["name"] = row["name"][0] + _typo_text(rng, row["name"][1:], GIVEN)
            elif not cjk:
                row["name"] = _typo_text(rng, row["name"], "")
                row.pop("family_name", None)
                row.pop("given_name", None)
        elif change == "space" and cjk:
            row["name"] = row["name"][0] + " " + row["name"][1:]
        elif change == "no_email" and row.get("phones"):
            row.pop("emails", None)
        elif change == "no_phone" and row.get("emails"):
            row.pop("phones", None)
        elif change == "phone_swap" and row.get("phones"):
            phone = row["phones"][0]
            k = rng.randrange(3, len(phone) - 1)
            row["phones"] = [phone[:k] + phone[k + 1] + phone[k] + phone[k + 2:]]
        elif change == "date_swap" and row.get("birth_date"):
            y, m, d = row["birth_date"].split("-")
            if int(d) <= 12:
                row["birth_date"] = f"{y}-{d}-{m}"
        elif change == "email_case" and row.get("emails"):
            row["emails"] = [row["emails"][0].upper()]
    return row


def generate(n: int, dup_share: float, seed: int = SEED) -> Iterator[tuple[int, dict[str, Any],
                                                                          int | None]]:
    """``(row number, row, row number of the original or None)`` for ``n`` customers."""
    rng = random.Random(seed)
    originals: list[tuple[int, dict[str, Any]]] = []
    for number in range(n):
        if originals and rng.random() < dup_share:
            source, original = originals[rng.randrange(len(originals))]
            yield number, _duplicate(rng, original), source
            continue
        row = _organisation(rng, number) if rng.random() < 0.05 else _person(rng, number)
        if len(originals) < 200_000 or rng.random() < 0.2:  # bounded memory at any size
            originals.append((number, row))
        yield number, row, None


def load(db: Path, n: int, dup_share: float) -> None:
    """Store the generated customers; write the truth (id pairs) beside the database."""
    app = open_app(db.parent, db, ["core"])
    from guanxi.db.migrate import upgrade

    upgrade(app)
    no_check = ({"check": False} if "check" in inspect.signature(validate_customers).parameters
                else {})
    ids: dict[int, int] = {}
    groups: dict[int, list[int]] = {}
    batch: list[tuple[int, dict[str, Any], int | None]] = []

    def flush() -> None:
        with app.transaction() as uow:
            valid, errors = validate_customers(uow, [row for _, row, _ in batch], **no_check)
            assert not errors, errors[0]
            stored = insert_customers(uow, [record for _, record in valid])
        for (number, _, source), record in zip(batch, stored, strict=True):
            ids[number] = int(record.id)  # type: ignore[arg-type]
            if source is not None:
                groups.setdefault(source, [source]).append(number)
        batch.clear()

    started = time.perf_counter()
    for item in generate(n, dup_share):
        batch.append(item)
        if len(batch) == BATCH:
            flush()
            print(f"\rloaded {len(ids):,} customers", end="", file=sys.stderr)
    if batch:
        flush()
    truth = sorted({(min(ids[a], ids[b]), max(ids[a], ids[b]))
                    for members in groups.values() for a in members for b in members if a != b})
    _truth_path(db).write_text(json.dumps(truth))
    print(f"\rloaded {len(ids):,} customers in {time.perf_counter() - started:.0f} s "
          f"({len(truth):,} true duplicate pairs)", file=sys.stderr)
    app.close()


def _truth_path(db: Path) -> Path:
    return db.with_suffix(".truth.json")


def quality(predicted: set[tuple[int, int]], truth: set[tuple[int, int]]) -> tuple[float, ...]:
    """Precision, recall, F1."""
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1


def exact_key_join(app: App) -> tuple[float, set[tuple[int, int]]]:
    """The baseline: pairs of customers sharing a normalised phone or email (SQL)."""
    sql = text("SELECT DISTINCT a.customer_id, b.customer_id FROM contact_point a "
               "JOIN contact_point b ON a.kind = b.kind AND a.normalized = b.normalized "
               "AND a.customer_id < b.customer_id WHERE a.kind IN ('phone', 'email')")
    started = time.perf_counter()
    with app.engine.connect() as connection:
        pairs = {(int(a), int(b)) for a, b in connection.execute(sql)}
    return time.perf_counter() - started, pairs


def stored_pairs(app: App) -> dict[str, set[tuple[int, int]]]:
    """The open pairs in the queue, by status."""
    out: dict[str, set[tuple[int, int]]] = {"match": set(), "review": set()}
    with app.engine.connect() as connection:
        for left, right, status in connection.execute(text(
                "SELECT left_id, right_id, status FROM duplicate_pair WHERE state = 'open'")):
            out[status].add((int(left), int(right)))
    return out


def run(customers: int, dup_share: float, db: Path | None, rules: str) -> dict[str, Any]:
    """Build (or reuse) the database, scan it, run the baseline; return the figures."""
    folder = Path(tempfile.mkdtemp(prefix="bench-scan-")) if db is None else db.parent
    db = db or folder / "scan.db"
    if not db.exists() and customers < IN_PROCESS_LOAD:
        load(db, customers, dup_share)  # small: a child process would cost more than it
    elif not db.exists():
        # A child process: its memory is not this one's, so ru_maxrss is the scan's.
        child = multiprocessing.get_context("spawn").Process(
            target=load, args=(db, customers, dup_share))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"loading failed (exit {child.exitcode})")
    truth = {(a, b) for a, b in json.loads(_truth_path(db).read_text())}
    settings: dict[str, Any] = {"core": {"database_url": f"sqlite:///{db}"}}
    if rules == "large":
        settings["identity"] = {"rules": {"blocking": LARGE_BLOCKING}}
    elif rules == "proposed":
        settings["identity"] = {"rules": {"blocking": LARGE_BLOCKING,
                                          "comparisons": proposed_comparisons()}}
    app = create_app(folder, settings=settings, enable=["core"], environ={})
    with app.engine.begin() as connection:  # a rerun scans from an empty queue
        connection.execute(text("DELETE FROM duplicate_pair"))
    with app.transaction() as uow:
        result = scan_duplicates(uow)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = stored_pairs(app)
    base_seconds, base_pairs = exact_key_join(app)
    app.close()
    return {
        "customers": result.customers, "true_pairs": len(truth), "seconds": result.seconds,
        "peak_rss_mib": round(peak_mib), "candidates": result.candidates,
        "match": result.at_match, "review": result.at_review, "clusters": result.clusters,
        "quality_match": quality(found["match"], truth),
        "quality_review": quality(found["match"] | found["review"], truth),
        "baseline_seconds": round(base_seconds, 3), "baseline_pairs": len(base_pairs),
        "quality_baseline": quality(base_pairs, truth),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Parse the options, run, print the table; return the figures (for the test)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--dup-share", type=float, default=0.05)
    parser.add_argument("--db", type=Path, help="keep the database here (reused if present)")
    parser.add_argument("--rules", choices=("large", "proposed", "default"), default="large",
                        help="match rules: the default rules with the blocking passes for large "
                        "databases (large), those and the proposed email and address "
                        "comparisons (proposed), or the default rules as they are (default)")
    args = parser.parse_args(argv)
    figures = run(args.customers, args.dup_share, args.db, args.rules)
    print(f"duplicate scan: {figures['customers']:,} customers, {figures['true_pairs']:,} "
          f"planted duplicate pairs, {args.rules} rules; "
          f"Python {platform.python_version()}")
    print(f"scan: {figures['seconds']:.1f} s, peak RSS {figures['peak_rss_mib']:,} MiB, "
          f"{figures['candidates']:,} candidate pairs, {figures['match']:,} match + "
          f"{figures['review']:,} review pairs, {figures['clusters']:,} clusters")
    print(f"{'pairs':<34}{'precision':>10}{'recall':>9}{'F1':>9}")
    for label, key in (("scan, status match", "quality_match"),
                       ("scan, match + review", "quality_review"),
                       ("baseline: exact phone/email join", "quality_baseline")):
        p, r, f1 = figures[key]
        print(f"{label:<34}{p:>10.4f}{r:>9.4f}{f1:>9.4f}")
    ratio = figures["seconds"] / max(figures["baseline_seconds"], 1e-9)
    print(f"baseline {figures['baseline_seconds']:.2f} s ({figures['baseline_pairs']:,} pairs); "
          f"scan/baseline time {ratio:.1f}x")
    return figures


if __name__ == "__main__":
    main()

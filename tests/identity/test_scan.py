"""Scanning stored customers for duplicates into the review queue (issue 8, part C)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from guanxi.app import App
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.identity.scan import dismiss, list_pairs, open_clusters, scan_duplicates
from guanxi.models import AuditEntry, DuplicatePair
from guanxi.services.customers import add_customer
from guanxi.services.staff import add_staff, grant_role
from guanxi.services.updates import update_customer

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def app(make_app: Callable[..., App]) -> App:
    """The core alone, with the check of new records off: only the scan queues pairs."""
    return make_app(settings={"identity": {"check_on_create": False}})


def add(app: App, name: str, *, at: dt.datetime = T0, **fields: Any) -> int:
    with app.transaction(now=at) as uow:
        return add_customer(uow, name=name, **fields).id  # type: ignore[return-value]


def scan(app: App, **kw: Any) -> Any:
    with app.transaction(now=kw.pop("now", T0 + dt.timedelta(days=1))) as uow:
        return scan_duplicates(uow, **kw)


def stored(app: App) -> dict[tuple[int, int], DuplicatePair]:
    with app.transaction() as uow:
        return {(p.left_id, p.right_id): p for p in uow.session.scalars(select(DuplicatePair))}


def planted(app: App) -> dict[str, int]:
    """Three records of 张伟 (spacing, a different character, a transposed phone), two of
    John Smith (a dropped letter, the email in capitals), and near-misses of both."""
    return {
        "zw": add(app, "张伟", birth_date="1985-03-12", phones=["13800138000"],
                  emails=["zw@example.com"]),
        "zw_space": add(app, "张 伟", birth_date="1985-03-12", phones=["13800138000"]),
        "zw_typo": add(app, "张玮", birth_date="1985-03-12", phones=["13800183000"],
                       emails=["zw@example.com"]),
        "zw_other": add(app, "张伟", birth_date="1990-07-01", phones=["13900000000"]),
        "js": add(app, "John Smith", birth_date="1970-01-01", emails=["john.smith@example.com"],
                  phones=["13700000001"]),
        "js_typo": add(app, "Jon Smith", birth_date="1970-01-01",
                       emails=["JOHN.SMITH@example.com"], phones=["137 0000 0001"]),
        "js_other": add(app, "John Smith", birth_date="1971-05-05", phones=["15912345678"]),
    }


def test_scan_finds_the_planted_duplicates_with_their_passes_not_the_near_misses(
        app: App) -> None:
    ids = planted(app)
    result = scan(app)
    pairs = stored(app)
    zw = tuple(sorted((ids["zw"], ids["zw_space"])))
    js = tuple(sorted((ids["js"], ids["js_typo"])))
    expected = {zw, js, (ids["zw"], ids["zw_typo"]), (ids["zw_space"], ids["zw_typo"])}
    assert set(pairs) == expected
    assert {"phone", "birth_date"} <= set(pairs[zw].passes)
    assert pairs[zw].status == "match" and pairs[zw].fields["phone"] == "agree"
    assert {"email", "phone"} <= set(pairs[js].passes)
    assert pairs[js].fields["email"] == "agree"
    assert all(p.origin == "scan" and p.state == "open" for p in pairs.values())
    assert (result.customers, result.new, result.updated, result.closed) == (7, 4, 0, 0)
    assert result.clusters == 2 and result.at_match + result.at_review == 4
    assert result.candidates >= 4 and result.seconds >= 0


def test_rescan_is_idempotent_and_dismissed_pairs_stay_dismissed(app: App) -> None:
    ids = planted(app)
    scan(app)
    again = scan(app)
    assert (again.new, again.updated, again.closed, again.reopened) == (0, 0, 0, 0)
    assert len(stored(app)) == 4
    pair = stored(app)[(ids["js"], ids["js_typo"])]
    with app.transaction() as uow:
        dismiss(uow, [pair.id], reason="father and son")  # type: ignore[list-item]
    third = scan(app)
    assert (third.new, third.reopened) == (0, 0)
    after = stored(app)[(ids["js"], ids["js_typo"])]
    assert after.state == "dismissed" and after.decided_at is not None
    assert len(stored(app)) == 4


def test_a_dismissed_review_pair_reopens_once_it_scores_a_match(app: App) -> None:
    # Same name, a birth date one month off, nothing else: to review, not a match.
    a = add(app, "李娜", birth_date="1988-03-08")
    b = add(app, "李娜", birth_date="1988-08-08", phones=["13600000000"])
    scan(app)
    pair = stored(app)[(a, b)]
    assert pair.status == "review"
    with app.transaction() as uow:
        dismiss(uow, [pair.id])  # type: ignore[list-item]
    with app.transaction() as uow:  # the same phone turns up on the other record
        update_customer(uow, a, {"add_phones": ["136 0000 0000"]})
    result = scan(app)
    assert result.reopened == 1 and any("reopened" in n for n in result.notes)
    after = stored(app)[(a, b)]
    assert (after.state, after.status, after.decided_at) == ("open", "match", None)


def test_an_open_pair_that_no_longer_scores_is_closed_by_nobody(app: App) -> None:
    a = add(app, "王芳", birth_date="1979-11-02", phones=["13500000000"])
    b = add(app, "王芳", birth_date="1979-11-02", phones=["13500000000"])
    scan(app)
    with app.transaction() as uow:  # a typing mistake corrected: another person after all
        update_customer(uow, b, {"name": "黄志强", "birth_date": "1960-02-03",
                                 "phones": ["13511112222"]})
    result = scan(app)
    pair = stored(app)[(a, b)]
    assert result.closed == 1
    assert (pair.state, pair.decided_by_id) == ("dismissed", None)
    assert pair.score < 8
    # It no longer scores, so a later scan leaves it closed and counts nothing.
    assert scan(app).closed == 0


def test_since_pairs_only_changed_customers_with_everyone(app: App) -> None:
    old_a = add(app, "陈静", birth_date="1990-01-01", phones=["13400000000"])
    old_b = add(app, "陈静", birth_date="1990-01-01", phones=["13400000000"])
    later = T0 + dt.timedelta(days=10)
    new = add(app, "陈 静", birth_date="1990-01-01", phones=["13400000000"], at=later)
    result = scan(app, since=later, now=later + dt.timedelta(hours=1))
    assert result.changed == 1
    assert set(stored(app)) == {(old_a, new), (old_b, new)}
    # The full scan then adds the pair of the two old records.
    assert scan(app, now=later + dt.timedelta(hours=2)).new == 1


def test_clusters_of_three_with_the_oldest_record_as_survivor(app: App) -> None:
    newest = add(app, "赵磊", birth_date="1982-04-04", phones=["13300000000"],
                 at=T0 + dt.timedelta(days=2))
    oldest = add(app, "赵磊", birth_date="1982-04-04", emails=["zl@example.com"],
                 phones=["13300000000"], at=T0 - dt.timedelta(days=300))
    middle = add(app, "赵 磊", birth_date="1982-04-04", emails=["zl@example.com"])
    add(app, "孙丽", birth_date="1970-01-01")  # alone
    scan(app, now=T0 + dt.timedelta(days=3))
    with app.transaction() as uow:
        clusters = open_clusters(uow)
    assert len(clusters) == 1
    cluster = clusters[0]
    assert [m.id for m in cluster.customers] == sorted([newest, oldest, middle])
    assert cluster.survivor_id == oldest and len(cluster.pairs) == 3
    assert cluster.merge_command == (f"guanxi dedupe merge {oldest} "
                                     f"{' '.join(str(i) for i in sorted([newest, middle]))}")
    assert cluster.status == "match" and cluster.best_score == max(p.score for p in cluster.pairs)
    member = next(m for m in cluster.customers if m.id == oldest)
    assert (member.phone, member.email) == ("+8613300000000", "zl@example.com")
    with app.transaction() as uow:
        assert open_clusters(uow, status="review") == []


def test_persons_never_pair_with_organisations_which_match_by_whole_name(app: App) -> None:
    person = add(app, "华为", phones=["13200000000"], emails=["info@huawei.example"])
    org_a = add(app, "华为技术有限公司", kind="organization", phones=["13200000000"],
                emails=["info@huawei.example"])
    org_b = add(app, "华为 技术有限公司", kind="organization", phones=["13200000000"])
    scan(app)
    pairs = stored(app)
    assert set(pairs) == {(org_a, org_b)}
    assert person not in {i for key in pairs for i in key}
    assert "family_name" not in pairs[(org_a, org_b)].fields
    assert pairs[(org_a, org_b)].fields["name"] == "agree"


def test_a_restricted_user_sees_only_pairs_of_customers_he_may_see(
        make_app: Callable[..., App]) -> None:
    reviewer = {"permissions": ["*:read", "duplicate_pair:update"], "records": ["own"]}
    app = make_app(settings={"identity": {"check_on_create": False},
                             "access": {"roles": {"admin": {"permissions": ["*"],
                                                            "records": ["all"]},
                                                  "reviewer": reviewer}}})
    with app.transaction() as uow:
        add_staff(uow, username="wang", display_name="王芳")
        add_staff(uow, username="li", display_name="李强")
        grant_role(uow, staff="wang", role="reviewer")
    mine = [add(app, "周杰", birth_date="1979-01-18", phones=["13100000000"], owner="wang")
            for _ in range(2)]
    theirs = add(app, "周杰", birth_date="1979-01-18", phones=["13100000000"], owner="li")
    scan(app)
    assert len(stored(app)) == 3
    hidden = stored(app)[(mine[0], theirs)].id
    with app.transaction(as_user="wang") as uow:
        seen = list_pairs(uow)
        assert [(p.left_id, p.right_id) for p in seen] == [tuple(mine)]
        assert [sorted(m.id for m in c.customers) for c in open_clusters(uow)] == [mine]
        with pytest.raises(NotFoundError, match=f"no duplicate pair {hidden}"):
            dismiss(uow, [hidden])  # type: ignore[list-item]
    with app.transaction(as_user="wang") as uow, pytest.raises(AccessDenied):
        scan_duplicates(uow)  # a reviewer works the queue but does not fill it


def test_dismiss_refuses_bad_ids_before_changing_anything(app: App) -> None:
    a = add(app, "吴敏", birth_date="1991-09-09", phones=["13000000000"])
    b = add(app, "吴敏", birth_date="1991-09-09", phones=["13000000000"])
    scan(app)
    pair = stored(app)[(a, b)]
    with app.transaction() as uow:
        audits = uow.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    for bad, error in (([pair.id, 99999], NotFoundError), ([], ValidationError)):
        with app.transaction() as uow, pytest.raises(error):
            dismiss(uow, bad)  # type: ignore[arg-type]
    assert stored(app)[(a, b)].state == "open"
    with app.transaction() as uow:
        dismiss(uow, [pair.id], reason="twins")  # type: ignore[list-item]
        logged = uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()  # type: ignore[union-attr]
        count = uow.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    assert count == audits + 1
    assert (logged.action, logged.entity, logged.detail) == ("dismiss", "duplicate_pair", "twins")
    with app.transaction() as uow:
        assert list_pairs(uow) == []
        assert [p.id for p in list_pairs(uow, state="dismissed")] == [pair.id]
        with pytest.raises(ValidationError, match="status"):
            list_pairs(uow, status="maybe")


def test_erasing_a_customer_closes_his_open_pairs(app: App) -> None:
    from guanxi.privacy import erase_customer

    a = add(app, "郑洋", birth_date="1993-03-03", phones=["13900001111"])
    b = add(app, "郑洋", birth_date="1993-03-03", phones=["13900001111"])
    scan(app)
    with app.transaction() as uow:
        erase_customer(uow, b, reason="request")
    result = scan(app)
    assert result.closed == 1 and stored(app)[(a, b)].state == "dismissed"


def test_the_scan_reader_normalises_as_the_engine_does(app: App) -> None:
    from guanxi.identity.customers import load_engine_records
    from guanxi.identity.keys import rules_for_kind
    from guanxi.identity.prepare import prepare
    from guanxi.identity.rules import default_rules
    from guanxi.identity.scan_read import iter_all_records, prepare_stored

    add(app, "张 伟", birth_date="1985-03-12", phones=["138 0013 8000", "13900000000"],
        emails=["ZW@Example.com"], addresses=["北京市 朝阳区 建国路 88 号"])
    add(app, "Jon  Smith-Jones", birth_date="1970-01-01", phones=["+1 415 555 0100"])
    add(app, "华为技术有限公司", kind="organization", emails=["info@huawei.example"])
    rules = default_rules()
    with app.transaction() as uow:
        connection = uow.session.connection()
        (batch,) = list(iter_all_records(connection, batch_size=10))
        reference = load_engine_records(connection, [r["id"] for r in batch])  # type: ignore[misc]
    for kind in ("person", "organization"):
        kind_rules = rules_for_kind(rules, kind)
        ours = prepare_stored([r for r in batch if r["kind"] == kind], kind_rules)
        theirs = prepare([r for r in reference if r["kind"] == kind], kind_rules)
        assert ours.ids == theirs.ids
        assert ours.columns == theirs.columns


def test_the_nightly_job_scans_what_changed_since_its_last_run(app: App) -> None:
    from guanxi.models import JobRun
    from guanxi.services.jobs import run_due

    a = add(app, "林静", birth_date="1986-06-06", phones=["13811112222"])
    b = add(app, "林静", birth_date="1986-06-06", phones=["13811112222"])
    first = T0.replace(hour=18)  # 01:30 in Shanghai has passed: the job is due
    assert "core.identity_scan" in app.registry.jobs
    run_due(app, now=first, only="core.identity_scan")  # schedules it
    (outcome,) = run_due(app, now=first + dt.timedelta(days=1), only="core.identity_scan")
    assert outcome.status == "ok" and outcome.detail.startswith("full: 2 customers, 1 new")
    assert set(stored(app)) == {(a, b)}
    c = add(app, "林 静", birth_date="1986-06-06", phones=["13811112222"],
            at=first + dt.timedelta(days=1, hours=2))
    (outcome,) = run_due(app, now=first + dt.timedelta(days=2), only="core.identity_scan")
    assert outcome.status == "ok" and outcome.detail.startswith("since ")
    assert "2 new" in outcome.detail and set(stored(app)) == {(a, b), (a, c), (b, c)}
    with app.transaction() as uow:
        runs = uow.session.scalars(select(JobRun).where(JobRun.name == "core.identity_scan"))
        assert [r.status for r in runs] == ["ok", "ok"]


def test_a_merged_pair_is_history_the_scan_never_touches(app: App) -> None:
    a = add(app, "许晨", birth_date="1992-02-02", phones=["13722223333"])
    b = add(app, "许晨", birth_date="1992-02-02", phones=["13722223333"])
    scan(app)
    with app.transaction() as uow:  # as a merge leaves it (here both records still exist)
        pair = uow.session.scalars(select(DuplicatePair)).one()
        pair.state = "merged"
        uow.session.add(pair)
    result = scan(app)
    assert (result.new, result.updated, result.closed, result.reopened) == (0, 0, 0, 0)
    assert [(p.state, p.origin) for p in stored(app).values()] == [("merged", "scan")]
    assert set(stored(app)) == {(a, b)}


def test_pairs_queued_by_the_check_of_new_records_are_rescored_not_duplicated(
        make_app: Callable[..., App]) -> None:
    app = make_app()  # the check of new records on: it queues the pair (origin create)
    a = add(app, "何丽", birth_date="1984-04-04", phones=["13655556666"])
    b = add(app, "何 丽", birth_date="1984-04-04", phones=["13655556666"])
    before = stored(app)
    assert [(p.origin, p.state) for p in before.values()] == [("create", "open")]
    result = scan(app)
    assert (result.new, result.closed) == (0, 0)
    after = stored(app)
    assert set(after) == {(a, b)} and after[(a, b)].origin == "create"
    with app.transaction() as uow:
        (cluster,) = open_clusters(uow, origin="create")
        assert [m.id for m in cluster.customers] == [a, b]
        assert open_clusters(uow, origin="scan") == []

"""The content policy for social posts: length as Weibo counts it, the commercial share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import select

from guanxi.app import App
from guanxi.errors import AccessDenied, ValidationError
from guanxi.models import AuditEntry
from guanxi.testing import GuanxiCli
from guanxi_marketing.triggers.content import commercial_keywords, period_of, post_length
from guanxi_marketing.triggers.models import SocialPost
from guanxi_marketing.triggers.posts import add_post, check_post, content_report, list_posts
from guanxi_marketing.triggers.settings import ContentPolicySettings

POLICY = ContentPolicySettings()
ACCOUNT = "官方微博"
PLAIN = "今天天气很好,大家周末愉快!"
COMMERCIAL = "全场八折促销,限时三天!"


# ------------------------------------------------------------------------------ counting


def test_chinese_characters_count_one_each() -> None:
    assert post_length("中" * 140, POLICY) == 140
    assert post_length("中" * 141, POLICY) == 141
    assert post_length("你好,世界。", POLICY) == 6  # full-width punctuation is one too


def test_half_width_characters_count_half() -> None:
    assert post_length("abcd", POLICY) == 2
    assert post_length("abc", POLICY) == 2  # rounded up
    assert post_length("新品 iPhone", POLICY) == 6  # 2 + 7 × 0.5 = 5.5
    assert post_length("abcd", POLICY.model_copy(update={"half_width_weight": 1})) == 4


def test_links_count_a_fixed_length() -> None:
    long_link = "https://example.com/" + "x" * 200
    assert post_length(f"看这里{long_link}", POLICY) == 3 + 10
    assert post_length("www.example.com 和 http://a.cn", POLICY) == 10 + 1 + 1 + 10


def test_emoji_count_one_per_picture() -> None:
    assert post_length("😀", POLICY) == 1
    assert post_length("👨\u200d👩\u200d👧", POLICY) == 1  # a family: one ZWJ sequence
    assert post_length("👍🏽", POLICY) == 1  # with a skin tone
    assert post_length("🇨🇳", POLICY) == 1  # a flag is two regional indicators
    assert post_length("❤️", POLICY) == 1  # with a variation selector


def test_commercial_keywords_and_periods() -> None:
    assert commercial_keywords(COMMERCIAL, POLICY) == ["促销", "限时"]
    assert commercial_keywords("Big SALE today", POLICY) == ["sale"]
    assert commercial_keywords(PLAIN, POLICY) == []
    assert period_of(dt.date(2026, 5, 13), "month")[0] == "2026-05"
    assert period_of(dt.date(2026, 12, 31), "quarter") == (
        "2026-Q4", dt.date(2026, 10, 1), dt.date(2027, 1, 1),
    )
    assert period_of(dt.date(2027, 1, 1), "week")[0] == "2026-W53"


# --------------------------------------------------------------------------- the service


def at(day: int, hour: int = 10, month: int = 5) -> dt.datetime:
    """A moment in May 2026, Beijing time."""
    return dt.datetime(2026, month, day, hour, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def plan_plain(app: App, count: int, account: str = ACCOUNT) -> None:
    """``count`` non-commercial posts on the first days of May."""
    with app.transaction() as uow:
        for day in range(1, count + 1):
            add_post(uow, account=account, text=f"{PLAIN}{day}", at=at(day))


def posts(app: App) -> list[SocialPost]:
    """Every stored post."""
    with app.transaction() as uow:
        return list_posts(uow)


def test_check_post_reports_length_and_share(marketing_app: App) -> None:
    with marketing_app.transaction() as uow:
        checked = check_post(uow, "中" * 141, ACCOUNT, at(1))
    assert checked.refused and [v.rule for v in checked.violations] == ["length"]
    assert checked.violations[0].message == "141 characters, over the limit of 140"
    plan_plain(marketing_app, 19)
    with marketing_app.transaction() as uow:
        first = check_post(uow, COMMERCIAL, ACCOUNT, at(25))
        told = check_post(uow, PLAIN, ACCOUNT, at(25), commercial=True)
        next_month = check_post(uow, COMMERCIAL, ACCOUNT, at(1, month=6))
        other_account = check_post(uow, COMMERCIAL, "售后服务号", at(25))
    assert (first.commercial, first.classified_by) == (True, "keywords")
    assert first.keywords == ["促销", "限时"]
    assert (first.commercial_in_period, first.posts_in_period, first.violations) == (1, 20, [])
    assert told.commercial and told.classified_by == "author"
    # Alone in June and alone on another account: one commercial post of one is 100%.
    assert next_month.refused and other_account.refused
    assert "1 of 1 posts (100.0%) are commercial, over 10%" in next_month.violations[0].message


def test_share_warning_band_and_refusal(marketing_app: App) -> None:
    plan_plain(marketing_app, 18)
    with marketing_app.transaction() as uow:
        add_post(uow, account=ACCOUNT, text=COMMERCIAL, at=at(20))  # 1 of 19: 5.3%
        second = check_post(uow, COMMERCIAL, ACCOUNT, at(21))  # 2 of 20: 10%
    assert not second.refused
    assert [(v.severity, v.message) for v in second.violations] == [
        ("warning", "2 of 20 posts (10.0%) are commercial, above the ideal 3%-5%"),
    ]
    with marketing_app.transaction() as uow:
        add_post(uow, account=ACCOUNT, text=COMMERCIAL, at=at(21))
    before = len(posts(marketing_app))
    with marketing_app.transaction() as uow, pytest.raises(ValidationError) as refused:
        add_post(uow, account=ACCOUNT, text=COMMERCIAL, at=at(22))
    assert refused.value.field == "commercial" and "3 of 21" in str(refused.value)
    assert len(posts(marketing_app)) == before  # nothing stored
    # A plain post is never refused for the share: it only lowers it.
    with marketing_app.transaction() as uow:
        add_post(uow, account=ACCOUNT, text=PLAIN, at=at(22))


def test_forcing_a_post_needs_a_reason_and_is_audited(marketing_app: App) -> None:
    with marketing_app.transaction() as uow, pytest.raises(ValidationError, match="reason"):
        add_post(uow, account=ACCOUNT, text="中" * 150, at=at(3), force=True)
    assert posts(marketing_app) == []
    with marketing_app.transaction() as uow:
        post = add_post(uow, account=ACCOUNT, text="中" * 150, at=at(3), force=True,
                        reason="活动长文案,已获批准")
    assert post.forced and post.override_reason == "活动长文案,已获批准" and post.length == 150
    assert post.violations[0]["rule"] == "length"
    with marketing_app.transaction() as uow:
        entries = uow.session.exec(
            select(AuditEntry).where(AuditEntry.action == "override")
        ).all()
    assert [(e.entity, e.entity_id) for e in entries] == [("marketing.social_post", str(post.id))]
    assert "150 characters" in (entries[0].detail or "")


def test_bad_input_stores_nothing(marketing_app: App) -> None:
    with marketing_app.transaction() as uow:
        with pytest.raises(ValidationError, match="empty"):
            add_post(uow, account=ACCOUNT, text="   ", at=at(1))
        with pytest.raises(ValidationError) as no_account:
            add_post(uow, account=" ", text=PLAIN, at=at(1))
    assert no_account.value.field == "account"
    assert posts(marketing_app) == []


def test_report_per_account_and_period(marketing_app: App) -> None:
    plan_plain(marketing_app, 20)
    plan_plain(marketing_app, 3, account="售后服务号")
    with marketing_app.transaction() as uow:
        add_post(uow, account=ACCOUNT, text=COMMERCIAL, at=at(28), published=True)
        add_post(uow, account="售后服务号", text=COMMERCIAL, at=at(28), force=True,
                 reason="新品发布")
        add_post(uow, account=ACCOUNT, text=COMMERCIAL, at=at(2, month=6), force=True,
                 reason="六月")
        rows = content_report(uow, on=dt.date(2026, 5, 31))
    assert rows == [
        {"account": "售后服务号", "period": "2026-05", "posts": 4, "commercial": 1,
         "share": 0.25, "status": "over limit", "too_long": 0, "forced": 1},
        {"account": ACCOUNT, "period": "2026-05", "posts": 21, "commercial": 1,
         "share": 0.0476, "status": "ideal", "too_long": 0, "forced": 0},
    ]


def test_permissions_on_posts(make_marketing_app: Callable[..., App]) -> None:
    from guanxi.services.staff import add_staff, grant_role

    app = make_marketing_app()
    with app.transaction() as uow:
        add_staff(uow, username="viewer1", display_name="viewer1")
        grant_role(uow, staff="viewer1", role="viewer")
    plan_plain(app, 1)
    with app.transaction(as_user="viewer1") as uow:
        assert len(list_posts(uow)) == 1  # posts are company content: visible to readers
    with pytest.raises(AccessDenied), app.transaction(as_user="viewer1") as uow:
        add_post(uow, account=ACCOUNT, text=PLAIN, at=at(2))
    assert len(posts(app)) == 1


# --------------------------------------------------------------------------- command line


@pytest.fixture
def gx(tmp_path: Path, database_url: str) -> GuanxiCli:
    guanxi = GuanxiCli(tmp_path / "crm", database_url, plugins=["marketing"])
    guanxi("init", "--db", database_url)
    return guanxi


def test_cli_content_commands(gx: GuanxiCli) -> None:
    for day in range(1, 10):
        gx("marketing", "content", "add", f"{PLAIN}{day}", "--account", ACCOUNT,
           "--at", f"2026-05-0{day}T10:00")
    checked = gx.json("marketing", "content", "check", COMMERCIAL, "--account", ACCOUNT,
                      "--at", "2026-05-20T10:00")
    assert checked["commercial"] and not checked["refused"] and checked["posts_in_period"] == 10
    added = gx.json("marketing", "content", "add", COMMERCIAL, "--account", ACCOUNT,
                    "--at", "2026-05-20T10:00", "--published")
    assert added["status"] == "published" and added["planned_at"] == "2026-05-20T02:00:00+00:00"
    # The second commercial post of eleven breaks the 10% limit.
    over = gx("marketing", "content", "check", COMMERCIAL, "--account", ACCOUNT,
              "--at", "2026-05-21T10:00", ok=False)
    assert over.exit_code == 1 and "violation: commercial_share: 2 of 11" in over.stdout
    error = gx.fails("marketing", "content", "add", COMMERCIAL, "--account", ACCOUNT,
                     "--at", "2026-05-21T10:00")
    assert "commercial" in error and "use force" in error
    assert "forced past the policy" in gx(
        "marketing", "content", "add", COMMERCIAL, "--account", ACCOUNT,
        "--at", "2026-05-21T10:00", "--force", "--reason", "店庆",
    ).stdout
    listed = gx.json("marketing", "content", "list", "--account", ACCOUNT)
    assert [p["forced"] for p in listed] == [False] * 10 + [True]
    [row] = gx.json("marketing", "content", "report", "--on", "2026-05-31")
    assert (row["posts"], row["commercial"], row["status"]) == (11, 2, "over limit")
    assert "not a date" in gx.fails("marketing", "content", "report", "--on", "31/5")
    assert "not a date-time" in gx.fails("marketing", "content", "add", PLAIN, "--account",
                                         ACCOUNT, "--at", "tomorrow")
    assert len(gx.json("marketing", "content", "list")) == 11  # nothing stored by the errors

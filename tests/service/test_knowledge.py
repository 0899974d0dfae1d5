"""Knowledge base: categories, articles, versions and reverts, publishing rights, views and
feedback, bad input (service plugin, knowledge area).

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from sqlalchemy import select

from guanxi.app import App
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi_service.knowledge.models import KbFeedback, KbPosting
from guanxi_service.knowledge.service import (
    archive_article,
    article_detail,
    category_tree,
    create_article,
    create_category,
    edit_article,
    edit_category,
    get_category,
    get_revision,
    give_feedback,
    list_articles,
    publish_article,
    record_view,
    revert_article,
    revisions,
    set_status,
)
from tests.service.knowledge_support import T0, count, counts, make_world


@pytest.fixture
def world(service_app: App) -> dict[str, int]:
    return make_world(service_app)


def test_categories_form_a_tree_with_names_unique_per_parent(
    service_app: App, world: dict
) -> None:
    with service_app.transaction(now=T0) as uow:
        pumps = create_category(uow, name=" 主泵 ", parent="工程机械/液压系统", position=2)
        create_category(uow, name="液压系统", parent="银行卡")  # same name, other parent
        with pytest.raises(ValidationError) as caught:
            create_category(uow, name="液压系统", parent="工程机械")
        assert caught.value.field == "name"
        with pytest.raises(ValidationError) as caught:
            create_category(uow, name="银行卡")  # a second top-level 银行卡
        assert caught.value.field == "name"
        with pytest.raises(ValidationError) as caught:
            get_category(uow, "液压系统")  # two of them now: ambiguous
        assert caught.value.field == "category"
        assert get_category(uow, "工程机械/液压系统/主泵").id == pumps.id
        with pytest.raises(ValidationError) as caught:
            create_category(uow, name="医院", position="first")
        assert caught.value.field == "position"
        with pytest.raises(ValidationError) as caught:
            create_category(uow, name="医院", parent="没有")
        assert caught.value.field == "parent"
        with pytest.raises(ValidationError) as caught:
            create_category(uow, name="a/b")
        assert caught.value.field == "name"
        with pytest.raises(ValidationError, match="below itself"):
            edit_category(uow, "工程机械", parent=pumps.id)
        edit_category(uow, "银行卡/液压系统", name="信用卡")
        tree = [(row.path, row.depth) for row in category_tree(uow)]
    assert tree == [("工程机械", 0), ("工程机械/液压系统", 1), ("工程机械/液压系统/主泵", 2),
                    ("银行卡", 0), ("银行卡/信用卡", 1)]
    assert pumps.name == "主泵"


@pytest.mark.parametrize(("fields", "field"), [
    ({"title": "  "}, "title"), ({"title": "x" * 201}, "title"),
    ({"category": "没有这个分类"}, "category"), ({"category": 999}, "category"),
    ({"audience": "everyone"}, "audience"), ({"tags": ["x" * 51]}, "tags"),
    ({"summary": "s" * 501}, "summary"), ({"publish": True, "body": ""}, "body"),
])
def test_bad_article_input_names_the_field_and_stores_nothing(
    service_app: App, world: dict, fields: dict, field: str
) -> None:
    before = counts(service_app)
    values = {"title": "液压系统漏油的排查", "category": "液压系统", "body": "正文", **fields}
    with pytest.raises(ValidationError) as caught, service_app.transaction() as uow:
        create_article(uow, **values)
    assert caught.value.field == field
    assert counts(service_app) == before


def test_an_article_is_written_as_a_draft_and_published_by_a_manager(
    service_app: App, world: dict
) -> None:
    with service_app.transaction(now=T0, as_user="wang") as uow:
        article = create_article(
            uow, title=" 液压系统漏油的排查 ", category="工程机械/液压系统",
            body="## 步骤\n\n检查油缸密封。\n", summary="按顺序找漏点", tags="液压, 漏油,液压",
            audience="public")
        with pytest.raises(AccessDenied):
            publish_article(uow, article.id)
    with service_app.transaction(now=T0) as uow:
        row = list_articles(uow)[0]
        assert list_articles(uow, status="published") == []
    assert (row.title, row.category, row.status, row.audience, row.tags, row.author,
            row.version) == ("液压系统漏油的排查", "工程机械/液压系统", "draft", "public",
                             ["液压", "漏油"], "wang", 1)
    later = T0 + dt.timedelta(hours=1)
    with service_app.transaction(now=later, as_user="boss") as uow:
        published = publish_article(uow, article.id)
        assert (published.status, published.published_at) == ("published", later)
        with pytest.raises(ValidationError, match="published already"):
            publish_article(uow, article.id)
    with service_app.transaction(as_user="zhao") as uow:  # a viewer reads
        assert [r.id for r in list_articles(uow, category="工程机械")] == [article.id]
        assert list_articles(uow, category="银行卡") == []
        assert [r.id for r in list_articles(uow, tag="漏油")] == [article.id]
        with pytest.raises(AccessDenied):
            create_article(uow, title="x", category="银行卡")
    with service_app.transaction(as_user="wang") as uow:  # published: publishers edit it
        with pytest.raises(AccessDenied):
            edit_article(uow, article.id, body="改写")
        with pytest.raises(AccessDenied):
            create_category(uow, name="医院")
        with pytest.raises(AccessDenied):
            archive_article(uow, article.id)
    with service_app.transaction(as_user="boss") as uow:
        assert archive_article(uow, article.id).status == "archived"
        assert set_status(uow, article.id, "draft").status == "draft"
    with service_app.transaction(as_user="wang") as uow:  # a draft again: the agent edits
        assert edit_article(uow, article.id, body="改写").version == 2


def test_every_edit_keeps_the_previous_version_and_a_revert_brings_it_back(
    service_app: App, world: dict
) -> None:
    t1, t2, t3 = (T0 + dt.timedelta(hours=h) for h in (1, 2, 3))
    with service_app.transaction(now=T0, as_user="wang") as uow:
        article = create_article(uow, title="挂失", category="银行卡", body="拨打热线。",
                                 tags=["银行卡"])
    with service_app.transaction(now=t1, as_user="li") as uow:
        edit_article(uow, article.id, title="银行卡丢失如何挂失", body="拨打热线 95xxx。",
                     tags="银行卡,挂失")
        assert edit_article(uow, article.id, title="银行卡丢失如何挂失").version == 2  # no-op
    with service_app.transaction(now=t2, as_user="boss") as uow:
        publish_article(uow, article.id)
        edit_article(uow, article.id, body="请到网点办理。", category="工程机械")
    with service_app.transaction(now=t3, as_user="boss") as uow:
        reverted = revert_article(uow, article.id, 1)
        with pytest.raises(ValidationError) as caught:
            revert_article(uow, article.id, 9)
        assert caught.value.field == "version"
    with service_app.transaction() as uow:
        history = revisions(uow, article.id)
        second = get_revision(uow, article.id, 2)
        detail = article_detail(uow, article.id)
    assert [(r.version, r.title, r.edited_by, r.edited_at, r.current) for r in history] == [
        (4, "挂失", "boss", t3, True), (3, "银行卡丢失如何挂失", "boss", t2, False),
        (2, "银行卡丢失如何挂失", "li", t1, False), (1, "挂失", "wang", T0, False)]
    assert (second.body, second.tags) == ("拨打热线 95xxx。", ["挂失", "银行卡"])
    assert (reverted.version, detail.body, detail.article.tags, detail.article.category,
            detail.article.status) == (4, "拨打热线。", ["银行卡"], "银行卡", "published")
    # The index follows the text: the reverted article no longer holds the words of v3.
    with service_app.engine.connect() as connection:
        terms = set(connection.execute(select(KbPosting.term).where(
            KbPosting.article_id == article.id)).scalars())
    assert {"热线", "银行", "挂失"} <= terms and "网点" not in terms


def test_views_and_votes_are_counted_once_per_voter(service_app: App, world: dict) -> None:
    zs, ww = world["张三"], world["王五"]
    with service_app.transaction(now=T0) as uow:
        public = create_article(uow, title="信用卡临时额度", category="银行卡", body="手机银行申请",
                                audience="public", publish=True).id
        internal = create_article(uow, title="内部流程", category="银行卡", body="仅员工",
                                  publish=True).id
        draft = create_article(uow, title="草稿", category="银行卡", body="未完成").id
    with service_app.transaction(now=T0, as_user="wang") as uow:
        record_view(uow, public)
        record_view(uow, public, customer_id=zs)
        give_feedback(uow, public, True)
        give_feedback(uow, public, False)  # changed his mind: still one vote
        give_feedback(uow, public, True, customer_id=zs, comment="很有用")
        for args, kwargs, field in (
                ((internal, True), {"customer_id": zs}, "article"),  # customers: public only
                ((draft, True), {}, "article"), ((public, True), {"customer_id": ww}, "customer"),
                ((public, "yes"), {}, "helpful"), ((public, True), {"comment": "x" * 2001},
                                                    "comment")):
            with pytest.raises(ValidationError) as caught:
                give_feedback(uow, *args, **kwargs)
            assert caught.value.field == field
        with pytest.raises(ValidationError):
            record_view(uow, draft)
        with pytest.raises(NotFoundError):
            give_feedback(uow, 999, True)
    with service_app.transaction(as_user="li") as uow:
        give_feedback(uow, public, False)
        row = list_articles(uow, status="published", audience="public")[0]
        # li sees his own vote only: 张三 is wang's customer, wang's vote is wang's.
        seen = uow.session.exec(select(KbFeedback.staff_id, KbFeedback.customer_id)).all()
    assert (row.views, row.helpful, row.not_helpful) == (2, 1, 2)  # 张三 yes; wang, li no
    assert len(seen) == 1 and seen[0][1] is None
    assert count(service_app, "service_kb_feedback") == 3


def test_the_publisher_roles_come_from_the_settings(make_service_app: Callable[..., App]) -> None:
    app = make_service_app(settings={"service": {"knowledge": {"publisher_roles": ["agent"]}}})
    ids = make_world(app)
    with app.transaction(now=T0, as_user="wang") as uow:  # an agent publishes here
        article = create_article(uow, title="挂失", category=ids["银行卡"], body="拨打热线",
                                 publish=True)
        with pytest.raises(AccessDenied):  # the categories also need their grants
            create_category(uow, name="医院预约")
    with pytest.raises(AccessDenied, match="roles: agent"), app.transaction(
            as_user="boss") as uow:
        archive_article(uow, article.id)  # …and a manager does not
    with app.transaction() as uow:
        assert list_articles(uow)[0].status == "published"

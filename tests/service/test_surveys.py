"""Surveys: the trigger after a closed ticket or a return visit, sending, the invitation,
expiry, answering (with bad input storing nothing), poor answers following up, access and
personal data (service plugin, surveys area).

Every test runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL too.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from guanxi.app import App
from guanxi.errors import AccessDenied, NotFoundError, ValidationError
from guanxi.privacy import erase_customer, export_personal_data
from guanxi_service.surveys.answers import answer
from guanxi_service.surveys.models import Survey
from guanxi_service.surveys.service import (
    expire_due,
    get_survey,
    list_surveys,
    render_invitations,
    request_survey,
    send_due,
)
from guanxi_service.tickets.models import Ticket, TicketEvent
from tests.service.surveys_support import T0, build_world, close_ticket, count, log_visit, logged

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def world(service_app: App) -> dict[str, int]:
    return build_world(service_app)


def surveys(app: App) -> list[Survey]:
    with app.transaction() as uow:
        rows = uow.session.exec(select(Survey).order_by(Survey.id)).scalars().all()
        uow.session.expunge_all()
    return list(rows)


def sent_survey(app: App, world: dict, customer: str = "zhang", **ticket: object) -> int:
    """A ticket closed at T0 whose survey went out at T0 + 1 day; the survey id."""
    with app.transaction(now=T0) as uow:
        close_ticket(uow, world[customer], team_id=world["team"], **ticket)  # type: ignore[arg-type]
    with app.transaction(now=T0 + DAY) as uow:
        send_due(uow, uow.now)
    return surveys(app)[-1].id  # type: ignore[return-value]


def test_a_closed_ticket_schedules_one_survey_after_the_delay(
    service_app: App, world: dict
) -> None:
    with service_app.transaction(now=T0, as_user="wang") as uow:
        ticket_id = close_ticket(uow, world["zhang"], team_id=world["team"])
    [survey] = surveys(service_app)
    assert (survey.source, survey.ticket_id, survey.customer_id, survey.team_id) == (
        "ticket", ticket_id, world["zhang"], world["team"])
    assert (survey.status, survey.channel, survey.language) == ("scheduled", "email", "zh")
    assert survey.send_at == T0 + 24 * HOUR and survey.sent_at is None
    assert len(survey.token) >= 32 and survey.token.replace("-", "").replace("_", "").isalnum()
    # Reopened and closed again: still the one survey.
    from guanxi_service.tickets.service import change_status, reopen_ticket

    with service_app.transaction(now=T0 + HOUR, as_user="wang") as uow:
        reopen_ticket(uow, ticket_id, reason="客户来电说又坏了")
        change_status(uow, ticket_id, "closed", resolution="再次维修")
    assert len(surveys(service_app)) == 1


def test_the_trigger_is_batched_and_idempotent(service_app: App, world: dict) -> None:
    from guanxi.services.interactions import log_interactions

    with service_app.transaction(now=T0, as_user="wang") as uow:
        ticket_id = close_ticket(uow, world["zhang"])
    closed = {"customer_id": world["zhang"], "kind": "service.ticket_closed",
              "payload": {"ticket_id": ticket_id, "number": "SR-1", "type": "repair",
                          "priority": "normal", "status": "closed"}}
    with service_app.transaction(now=T0 + HOUR) as uow:
        # The same closing twice in one batch, and again: no second survey.
        log_interactions(uow, [closed, closed])
        log_visit(uow, world["li_si"], 41)
        log_visit(uow, world["li_si"], 41)
        log_visit(uow, world["wang_wu"], 42, outcome="not_reached")  # nobody answered
    made = surveys(service_app)
    assert [(s.source, s.source_id) for s in made] == [("ticket", ticket_id), ("visit", 41)]
    assert made[1].language == "en"


def test_a_visit_survey_names_the_ticket_it_followed(service_app: App, world: dict) -> None:
    with service_app.transaction(now=T0, as_user="wang") as uow:
        ticket_id = close_ticket(uow, world["zhang"])
        log_visit(uow, world["zhang"], 7, ticket_id=ticket_id)
    visit = surveys(service_app)[-1]
    assert (visit.source, visit.visit_id, visit.ticket_id) == ("visit", 7, ticket_id)


def test_ticket_types_and_triggers_can_be_left_out(make_service_app) -> None:
    app = make_service_app(settings={"service": {"surveys": {
        "send_after": ["service.return_visit"]}}})
    world = build_world(app)
    with app.transaction(now=T0, as_user="wang") as uow:
        close_ticket(uow, world["zhang"])
        log_visit(uow, world["zhang"], 3)
    assert [s.source for s in surveys(app)] == ["visit"]


def test_due_surveys_are_sent_once_with_the_invitation(service_app: App, world: dict) -> None:
    with service_app.transaction(now=T0, as_user="wang") as uow:
        ticket_id = close_ticket(uow, world["zhang"], "洗衣机漏水")
        close_ticket(uow, world["li_si"], "Fridge noise")
    with service_app.transaction(now=T0 + 23 * HOUR) as uow:
        assert send_due(uow, uow.now) == 0
    with service_app.transaction(now=T0 + 25 * HOUR) as uow:
        assert send_due(uow, uow.now) == 2
    with service_app.transaction(now=T0 + 26 * HOUR) as uow:
        assert send_due(uow, uow.now) == 0  # idempotent
    made = surveys(service_app)
    assert [s.status for s in made] == ["sent", "sent"]
    assert made[0].sent_at == T0 + 25 * HOUR
    assert made[0].expires_at == T0 + 25 * HOUR + 14 * DAY
    sent = logged(service_app, "service.survey_sent")
    assert len(sent) == 2
    number = f"SR-{ticket_id:06d}"
    assert sent[0][:2] == (world["zhang"], "outbound") and number in sent[0][2]
    assert sent[0][3] == {"survey_id": made[0].id, "ticket_id": ticket_id, "visit_id": None}
    with service_app.transaction(now=T0 + 26 * HOUR) as uow:
        zh, en = render_invitations(uow, [get_survey(uow, made[0].id),
                                          get_survey(uow, made[1].id)])
    # The cover letter: why we ask, what we ask, inviting expectations, where to answer.
    assert "尊敬的张三" in zh.text and "洗衣机漏水" in zh.text and number in zh.subject
    assert "为什么请您填写" in zh.text and "期望" in zh.text and "服务态度（1–5 分）" in zh.text
    assert f"https://survey.example.cn/s/{made[0].token}" in zh.text
    assert "2026-03-17" in zh.text  # sent 03-03 10:00 local, open for 14 days
    assert "Dear 李四" in en.text and "Why we ask" in en.text and "expect" in en.text


def test_the_letter_comes_from_the_named_templates_and_a_missing_one_sends_nothing(
    make_service_app, tmp_path
) -> None:
    app = make_service_app(settings={"service": {"surveys": {"template": "care/survey"}}})
    world = build_world(app)
    with app.transaction(now=T0, as_user="wang") as uow:
        close_ticket(uow, world["zhang"])
        close_ticket(uow, world["li_si"])
    with pytest.raises(ValidationError) as caught, app.transaction(now=T0 + DAY) as uow:
        send_due(uow, uow.now)
    assert caught.value.field == "template" and "care/survey.zh" in str(caught.value)
    assert [s.status for s in surveys(app)] == ["scheduled", "scheduled"]  # nothing sent
    assert logged(app, "service.survey_sent") == []
    # An edition's folder comes first; only Chinese here, so 李四 (English) gets it too.
    folder = tmp_path / "edition-templates" / "care"
    folder.mkdir(parents=True)
    (folder / "survey.zh.subject.txt").write_text("护理满意度调查", encoding="utf-8")
    (folder / "survey.zh.txt").write_text("{{ customer_name }}，请评价：{{ form_url }}",
                                          encoding="utf-8")
    app.registry.template_dirs.insert(0, tmp_path / "edition-templates")
    del app.__dict__["templates"]  # the environment is cached: built again with the folder
    with app.transaction(now=T0 + DAY) as uow:
        assert send_due(uow, uow.now) == 2
    made = surveys(app)
    assert [s[2] for s in logged(app, "service.survey_sent")] == ["护理满意度调查"] * 2
    with app.transaction() as uow:
        letter = render_invitations(uow, [get_survey(uow, made[1].id)])[0]
    assert letter.text == f"李四，请评价：https://survey.example.cn/s/{made[1].token}"


def test_unanswered_surveys_expire_once(service_app: App, world: dict) -> None:
    survey_id = sent_survey(service_app, world)
    with service_app.transaction(now=T0 + 14 * DAY) as uow:
        assert expire_due(uow, uow.now) == 0
    with service_app.transaction(now=T0 + 16 * DAY) as uow:
        assert expire_due(uow, uow.now) == 1
    with service_app.transaction(now=T0 + 17 * DAY) as uow:
        assert expire_due(uow, uow.now) == 0
    [survey] = surveys(service_app)
    assert (survey.status, survey.expired_at) == ("expired", T0 + 16 * DAY)
    with pytest.raises(ValidationError, match="expired") as caught, \
            service_app.transaction(now=T0 + 17 * DAY) as uow:
        answer(uow, survey_id, csat=5)
    assert caught.value.field == "survey"


def test_an_answer_is_stored_logged_and_noted_on_the_ticket(
    service_app: App, world: dict
) -> None:
    survey_id = sent_survey(service_app, world)
    token = surveys(service_app)[0].token
    with service_app.transaction(now=T0 + 2 * DAY, as_user="wang") as uow:
        answer(uow, token, csat="5", nps=9, factors={"speed": 4, "attitude": "5"},
               comment="  师傅很专业，谢谢！ ")
    [survey] = surveys(service_app)
    assert (survey.status, survey.csat, survey.nps, survey.factors, survey.comment) == (
        "answered", 5, 9, {"speed": 4, "attitude": 5}, "师傅很专业，谢谢！")
    assert survey.answered_at == T0 + 2 * DAY and not survey.poor and survey.follow_up is None
    [(customer, direction, subject, payload)] = logged(service_app, "service.survey_answered")
    assert (customer, direction, subject) == (world["zhang"], "inbound", "CSAT 5/5, NPS 9")
    assert payload == {"survey_id": survey_id, "csat": 5, "nps": 9,
                       "ticket_id": survey.ticket_id, "visit_id": None, "poor": False}
    with service_app.transaction() as uow:
        event = uow.session.exec(select(TicketEvent).where(TicketEvent.kind == "survey")
                                 ).scalars().one()
        assert "服务态度 5/5" in event.body and not event.public
    with pytest.raises(ValidationError, match="already answered") as caught, \
            service_app.transaction(now=T0 + 3 * DAY) as uow:
        answer(uow, survey_id, csat=1)
    assert caught.value.field == "survey"
    assert surveys(service_app)[0].csat == 5


@pytest.mark.parametrize(("values", "field"), [
    ({"csat": 0}, "csat"), ({"csat": 6}, "csat"), ({"csat": "很好"}, "csat"),
    ({"csat": None}, "csat"), ({"csat": True}, "csat"), ({"csat": 4, "nps": 11}, "nps"),
    ({"csat": 4, "nps": -1}, "nps"), ({"csat": 4, "factors": {"taste": 3}}, "factors.taste"),
    ({"csat": 4, "factors": {"speed": 0}}, "factors.speed"),
    ({"csat": 4, "factors": {"speed": "快"}}, "factors.speed"),
    ({"csat": 4, "factors": [1, 2]}, "factors"), ({"csat": 4, "comment": "差" * 4001}, "comment"),
    ({"csat": 4, "answered_at": T0 + 30 * DAY}, "answered_at"),
    ({"csat": 4, "answered_at": T0 + HOUR}, "answered_at"),  # before it was sent
])
def test_bad_answers_name_the_field_and_store_nothing(
    service_app: App, world: dict, values: dict, field: str
) -> None:
    survey_id = sent_survey(service_app, world)
    interactions = count(service_app, "interaction")
    with pytest.raises(ValidationError) as caught, \
            service_app.transaction(now=T0 + 2 * DAY) as uow:
        answer(uow, survey_id, **values)
    assert caught.value.field == field
    assert "\n" not in str(caught.value)
    [survey] = surveys(service_app)
    assert (survey.status, survey.csat, survey.factors, survey.comment) == ("sent", None, {}, None)
    assert count(service_app, "interaction") == interactions
    assert count(service_app, "service_ticket") == 1


def test_the_nps_question_can_be_switched_off(make_service_app) -> None:
    app = make_service_app(settings={"service": {"surveys": {"ask_nps": False}}})
    world = build_world(app)
    survey_id = sent_survey(app, world)
    with pytest.raises(ValidationError) as caught, app.transaction(now=T0 + 2 * DAY) as uow:
        answer(uow, survey_id, csat=4, nps=9)
    assert caught.value.field == "nps"


def test_a_poor_answer_soon_after_closing_reopens_the_ticket(
    service_app: App, world: dict
) -> None:
    survey_id = sent_survey(service_app, world)
    with service_app.transaction(now=T0 + 3 * DAY, as_user="wang") as uow:
        survey = answer(uow, survey_id, csat=2, nps=8, comment="修完第二天又坏了")
        assert (survey.poor, survey.follow_up, survey.follow_up_ticket_id) == (
            True, "reopened", survey.ticket_id)
    with service_app.transaction() as uow:
        [ticket] = uow.session.exec(select(Ticket)).scalars().all()
        assert (ticket.status, ticket.reopened_count) == ("open", 1)
        reopened = uow.session.exec(select(TicketEvent).where(
            TicketEvent.kind == "reopened")).scalars().one()
        assert "修完第二天又坏了" in reopened.body and "CSAT 2/5" in reopened.body


def test_a_poor_answer_long_after_closing_opens_a_complaint(
    service_app: App, world: dict
) -> None:
    survey_id = sent_survey(service_app, world)
    with service_app.transaction(now=T0 + 9 * DAY, as_user="wang") as uow:
        # CSAT is fine, but 5 out of 10 makes a detractor: poor.
        survey = answer(uow, survey_id, csat=4, nps=5)
        ticket_id, complaint_id = survey.ticket_id, survey.follow_up_ticket_id
        assert (survey.poor, survey.follow_up) == (True, "complaint")
    with service_app.transaction() as uow:
        complaint = uow.session.get(Ticket, complaint_id)
        original = uow.session.get(Ticket, ticket_id)
        assert (complaint.type, complaint.parent_id, complaint.team_id, complaint.priority) == (
            "complaint", ticket_id, world["team"], "high")
        assert complaint.customer_id == world["zhang"] and "空调不制冷" in complaint.subject
        assert original.status == "closed"


def test_a_poor_visit_answer_without_a_ticket_opens_a_complaint(
    service_app: App, world: dict
) -> None:
    with service_app.transaction(now=T0, as_user="wang") as uow:
        log_visit(uow, world["zhang"], 5)
    survey_id = surveys(service_app)[0].id
    with service_app.transaction(now=T0 + HOUR, as_user="wang") as uow:
        # Answered on the phone during the visit, before the invitation went out.
        survey = answer(uow, survey_id, csat=1, comment="护士态度冷淡")
        assert survey.sent_at == T0 + HOUR and survey.follow_up == "complaint"
        complaint = uow.session.get(Ticket, survey.follow_up_ticket_id)
        assert (complaint.parent_id, complaint.type) == (None, "complaint")
        assert "护士态度冷淡" in complaint.description


def test_an_agent_surveys_a_ticket_on_request_once(service_app: App, world: dict) -> None:
    from guanxi_service.tickets.service import open_ticket

    with service_app.transaction(now=T0, as_user="wang") as uow:
        resolved = close_ticket(uow, world["zhang"], status="resolved")
        still_open = open_ticket(uow, customer_id=world["zhang"], type="inquiry",
                                 channel="web", subject="咨询保修").id
    with service_app.transaction(now=T0 + HOUR, as_user="wang") as uow:
        survey = request_survey(uow, ticket=resolved, channel="sms")
        assert (survey.status, survey.channel, survey.sent_at) == ("sent", "sms", T0 + HOUR)
    for ticket, field, message in ((resolved, "ticket", "already has"),
                                   (still_open, "ticket", "resolved or closed"),
                                   (99999, "ticket", "no ticket")):
        with pytest.raises(ValidationError, match=message) as caught, \
                service_app.transaction(now=T0 + HOUR, as_user="wang") as uow:
            request_survey(uow, ticket=ticket)
        assert caught.value.field == field
    with pytest.raises(ValidationError) as caught, service_app.transaction() as uow:
        request_survey(uow, ticket=resolved, channel="pigeon")
    assert caught.value.field == "channel"
    with pytest.raises(ValidationError) as caught, service_app.transaction() as uow:
        request_survey(uow, visit=3)
    assert caught.value.field == "customer"
    assert count(service_app, "service_survey") == 1


def test_surveys_are_seen_only_with_their_customer(service_app: App, world: dict) -> None:
    mine = sent_survey(service_app, world, "zhang")
    theirs = sent_survey(service_app, world, "wang_wu")
    token = surveys(service_app)[0].token
    with service_app.transaction(as_user="li") as uow:
        assert [s.id for s in list_surveys(uow)] == [theirs]
        with pytest.raises(NotFoundError):
            get_survey(uow, mine)
        with pytest.raises(NotFoundError):
            get_survey(uow, token)
    with pytest.raises(NotFoundError), service_app.transaction(as_user="li") as uow:
        answer(uow, mine, csat=5)
    with service_app.transaction(as_user="wang") as uow:
        assert [s.id for s in list_surveys(uow)] == [mine]
    with pytest.raises(AccessDenied), service_app.transaction(as_user="zhao") as uow:
        answer(uow, theirs, csat=5)
    assert count(service_app, "service_survey", "status = 'answered'") == 0


def test_listing_filters_and_bad_filters(service_app: App, world: dict) -> None:
    first = sent_survey(service_app, world, "zhang")
    second = sent_survey(service_app, world, "li_si")
    with service_app.transaction(now=T0 + 2 * DAY) as uow:
        answer(uow, first, csat=1)
        assert [s.id for s in list_surveys(uow, poor=True)] == [first]
        assert [s.id for s in list_surveys(uow, status="sent")] == [second]
        assert [s.id for s in list_surveys(uow, after_id=second)] == [first]
        assert [s.id for s in list_surveys(uow, customer_id=world["li_si"])] == [second]
        for bad, field in (({"status": "open"}, "status"), ({"source": "x"}, "source"),
                           ({"limit": 0}, "limit")):
            with pytest.raises(ValidationError) as caught:
                list_surveys(uow, **bad)
            assert caught.value.field == field


def test_personal_data_and_erasure_keep_the_scores(service_app: App, world: dict) -> None:
    survey_id = sent_survey(service_app, world)
    with service_app.transaction(now=T0 + 2 * DAY) as uow:
        answer(uow, survey_id, csat=4, nps=9, factors={"result": 4}, comment="电话是 13800138000")
    token = surveys(service_app)[0].token
    with service_app.transaction() as uow:
        exported = export_personal_data(uow, world["zhang"])
    text = str(exported)
    assert "13800138000" in text and token not in text
    with service_app.transaction() as uow:
        erase_customer(uow, world["zhang"], reason="客户要求删除")
    [survey] = surveys(service_app)
    assert survey.comment is None and survey.token != token
    assert (survey.csat, survey.nps, survey.factors, survey.status) == (
        4, 9, {"result": 4}, "answered")
    with pytest.raises(NotFoundError), service_app.transaction() as uow:
        get_survey(uow, token)


def test_the_registered_jobs_send_and_expire_once(service_app: App, world: dict) -> None:
    jobs = service_app.registry.jobs
    assert jobs["service.surveys_send"].every == 15 * dt.timedelta(minutes=1)
    with service_app.transaction(now=T0, as_user="wang") as uow:
        close_ticket(uow, world["zhang"])
    for _ in range(2):
        with service_app.transaction(now=T0 + 2 * DAY) as uow:
            jobs["service.surveys_send"].func(uow, uow.now)
    assert len(logged(service_app, "service.survey_sent")) == 1
    for _ in range(2):
        with service_app.transaction(now=T0 + 20 * DAY) as uow:
            jobs["service.surveys_expire"].func(uow, uow.now)
    [survey] = surveys(service_app)
    assert (survey.status, survey.expired_at) == ("expired", T0 + 20 * DAY)


def test_a_hospital_asks_its_own_factors(make_service_app) -> None:
    app = make_service_app(settings={"service": {"surveys": {
        "factors": {"nursing_skill": "护理技术", "health_education": "健康教育"},
        "csat_question": "您对住院期间的护理服务总体满意吗？"}}})
    world = build_world(app)
    survey_id = sent_survey(app, world)
    with app.transaction(now=T0 + 2 * DAY) as uow:
        letter = render_invitations(uow, [get_survey(uow, survey_id)])[0].text
        assert "护理技术（1–5 分）" in letter and "服务态度" not in letter
        assert "您对住院期间的护理服务总体满意吗？" in letter
    with pytest.raises(ValidationError) as caught, app.transaction(now=T0 + 2 * DAY) as uow:
        answer(uow, survey_id, csat=5, factors={"speed": 5})
    assert caught.value.field == "factors.speed"
    with app.transaction(now=T0 + 2 * DAY) as uow:
        answer(uow, survey_id, csat=5, factors={"nursing_skill": 5, "health_education": 4})
    assert surveys(app)[0].factors == {"nursing_skill": 5, "health_education": 4}


@pytest.mark.parametrize(("surveys_settings", "message"), [
    ({"send_after": ["service.ticket_opened"]}, "not one of"),
    ({"form_url": "https://example.cn/survey"}, "{token}"),
    ({"factors": {"解决 效果": "x"}}, "identifier"),
    ({"poor_csat_at_most": 6}, "less than or equal to 5"),
])
def test_bad_settings_are_refused(make_service_app, surveys_settings: dict, message: str
                                  ) -> None:
    with pytest.raises(Exception, match=message):
        make_service_app(settings={"service": {"surveys": surveys_settings}})

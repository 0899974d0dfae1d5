"""Tests of guanxi_nps.

They use the fixtures of guanxi's pytest plugin guanxi.testing, enabled in pyproject.toml
(`-p guanxi.testing`, and `guanxi_plugins = ["nps"]` for the plugins every test
application enables): `guanxi_app` is an application on an empty, migrated database,
`guanxi_cli` runs `guanxi` commands against it, `guanxi_customers` and
`guanxi_interactions` create records.
"""

from __future__ import annotations

import datetime as dt

from guanxi.db.migrate import current
from guanxi.models import Interaction
from guanxi.services.customer360 import customer_360
from sqlalchemy import select

from guanxi_nps.plugin import net_promoter_score, send_surveys


def test_settings_have_defaults(guanxi_app):
    settings = guanxi_app.settings_for("nps")
    assert (settings.channel, settings.after_kind, settings.after_days) == (
        "sms", "core.purchase", 7
    )


def test_settings_are_validated(guanxi_make_app):
    app = guanxi_make_app(settings={"nps": {"after_days": 3}})
    assert app.settings_for("nps").after_days == 3


def test_opt_out_field_is_validated(guanxi_cli):
    guanxi_cli("customer", "add", "Li Lei", "--field", "nps_opt_out=true")
    error = guanxi_cli.fails("customer", "add", "Han Meimei", "--field", "nps_opt_out=maybe")
    assert "nps_opt_out" in error


# [tutorial: test-answer]
def test_an_answer_out_of_range_is_refused(guanxi_cli, guanxi_customers):
    customer_id = guanxi_customers.create()
    error = guanxi_cli.fails("nps", "answer", str(customer_id), "11")
    assert error.startswith("error: field 'payload.score': ")
# [/tutorial: test-answer]


# [tutorial: test-score]
def test_score_counts_promoters_and_detractors(guanxi_cli, guanxi_customers):
    assert guanxi_cli("nps", "score").stdout.strip() == "no answers in the last 90 days"
    for score in (10, 9, 8, 7, 3):
        guanxi_cli("nps", "answer", str(guanxi_customers.create()), str(score))
    # 2 promoters (10, 9) and 1 detractor (3) of 5 answers: (2 - 1) / 5 = +20.
    assert guanxi_cli("nps", "score").stdout.strip() == (
        "NPS +20 from 5 answers: 2 promoters, 2 passives, 1 detractors"
    )


def test_net_promoter_score_by_hand():
    assert net_promoter_score([10] * 3) == 100
    assert net_promoter_score([0, 6, 7, 8]) == -50
    assert net_promoter_score([9, 0, 7]) == 0
# [/tutorial: test-score]


# [tutorial: test-job]
def test_surveys_go_to_last_weeks_buyers(guanxi_app, guanxi_customers, guanxi_interactions):
    due = dt.datetime(2026, 5, 20, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
    buyer, recent = guanxi_customers.create_many(2)
    opted_out = guanxi_customers.create(custom={"nps_opt_out": True})
    for customer_id, days_ago in ((buyer, 7.5), (recent, 2), (opted_out, 7.5)):
        guanxi_interactions.log(customer_id, kind="core.purchase", revenue="99",
                                occurred_at=due - dt.timedelta(days=days_ago))
    with guanxi_app.transaction() as uow:
        assert send_surveys(uow, due) == "sent 1 surveys"
    with guanxi_app.transaction() as uow:
        assert send_surveys(uow, due) == "sent 0 surveys"  # never twice
        [sent] = uow.session.scalars(select(Interaction).where(Interaction.kind == "nps.sent"))
    assert (sent.customer_id, sent.channel, sent.direction) == (buyer, "sms", "outbound")
    assert "How likely are you to recommend us" in sent.subject
# [/tutorial: test-job]


def test_migration_up_and_down(guanxi_app, guanxi_cli):
    assert "nps_0001" in current(guanxi_app)
    guanxi_cli("db", "downgrade", "nps@base")
    assert "nps_0001" not in current(guanxi_app)
    guanxi_cli("db", "upgrade")
    assert "nps_0001" in current(guanxi_app)


def test_customer_360_shows_the_last_answer(guanxi_app, guanxi_cli, guanxi_customers):
    customer_id = guanxi_customers.create()
    guanxi_cli("nps", "answer", str(customer_id), "6")
    guanxi_cli("nps", "answer", str(customer_id), "9", "--comment", "better now")
    with guanxi_app.transaction() as uow:
        [section] = [s for s in customer_360(uow, customer_id).sections if s.title == "NPS"]
    assert section.rows == [("last score", 9), ("answers", 2)]

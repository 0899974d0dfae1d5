"""What the surveys modules share: the entity name, the settings and the survey lookup.

Lookups read through ORM queries on ``uow.session``, so the record policies of the acting
principal decide what is found (a survey of a customer one may not see is "not found").
"""

from __future__ import annotations

from sqlalchemy import select

from guanxi.access.enforce import require
from guanxi.app import App, UnitOfWork
from guanxi.errors import NotFoundError
from guanxi_service.surveys.models import Survey
from guanxi_service.surveys.settings import SurveySettings

SURVEY = "service.survey"


def survey_settings(app: App) -> SurveySettings:
    """The resolved ``[service.surveys]`` settings."""
    return app.settings_for("service").surveys


def get_survey(uow: UnitOfWork, ref: int | str) -> Survey:
    """A survey by id or by token that the principal may see; NotFoundError otherwise."""
    require(uow, SURVEY, "read")
    text = str(ref).strip()
    if text.isdigit():
        query = select(Survey).where(Survey.id == int(text))
    else:
        query = select(Survey).where(Survey.token == text)
    survey = uow.session.exec(query).scalars().first()
    if survey is None:
        # A token is not echoed back: it is a secret of the customer's.
        raise NotFoundError(
            f"no survey {text!r}" if text.isdigit() else "no survey with that token")
    return survey

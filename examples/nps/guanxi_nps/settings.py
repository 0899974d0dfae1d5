"""The pydantic models of guanxi_nps: settings, custom fields, interaction payloads.

Every model here is declared to guanxi by a registration hook in plugin.py; see
docs/plugin-hooks.md (register_settings, register_custom_fields,
register_interaction_kinds) in the guanxi repository.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


# [tutorial: settings]
class NpsSettings(BaseModel):
    """The `[nps]` table of guanxi.toml (or GUANXI_NPS__FIELD variables)."""

    # Every field needs a default and a description: `guanxi config show` lists them.
    channel: str = Field("sms", description="Channel the survey is sent on")
    after_kind: str = Field("core.purchase", description="Interaction kind that earns a survey")
    after_days: int = Field(7, ge=1, le=365, description="Days after it that the survey goes out")
# [/tutorial: settings]


# [tutorial: fields]
class NpsFields(BaseModel):
    """Custom fields on the customer record, validated on every write and import."""

    # Prefix the names with the plugin's: custom fields share one namespace.
    nps_opt_out: bool | None = Field(None, description="Never send this customer a survey")
# [/tutorial: fields]


# [tutorial: payloads]
class NpsSentPayload(BaseModel):
    """The payload of an `nps.sent` interaction: which interaction it asks about."""

    model_config = ConfigDict(extra="forbid")
    about_id: int


class NpsAnswerPayload(BaseModel):
    """The payload of an `nps.answer` interaction: the 0-10 score and a comment."""

    model_config = ConfigDict(extra="forbid")
    score: int = Field(ge=0, le=10)
    comment: str | None = Field(None, max_length=500)
# [/tutorial: payloads]

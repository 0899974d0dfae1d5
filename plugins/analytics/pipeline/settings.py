"""Settings of the pipeline area (``[analytics.pipeline]``).

The area reads what the sales plugin logs; the kind and payload field names are the
sales plugin's by default and can name another plugin's kinds (an edition with its own
opportunity tracking) instead.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PipelineSettings(BaseModel):
    """How the pipeline area computes (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
    created_kind: str = Field("sales.opportunity_created",
                              description="kind logged when an opportunity is opened")
    stage_changed_kind: str = Field("sales.stage_changed",
                                    description="kind logged when an opportunity changes stage")
    won_kind: str = Field("sales.opportunity_won", description="kind logged when one is won")
    lost_kind: str = Field("sales.opportunity_lost", description="kind logged when one is lost")
    opportunity_field: str = Field("opportunity_id", description="payload field: opportunity id")
    pipeline_field: str = Field("pipeline", description="payload field: the pipeline's name")
    stage_field: str = Field("stage", description="payload field: stage (created/won/lost)")
    to_stage_field: str = Field("to_stage", description="payload field: the new stage")
    owner_field: str = Field("owner", description="payload field: the owner's user name")
    source_field: str = Field("source", description="payload field: where it came from")
    reason_field: str = Field("reason", description="payload field: why it was lost")
    amount_field: str = Field("amount", description="payload field: the amount (decimal text)")
    stage_order: dict[str, list[str]] = Field(
        default_factory=dict,
        description="open stages in funnel order, by pipeline; stages not listed (and "
        "pipelines not listed) are ordered by when opportunities usually enter them",
    )

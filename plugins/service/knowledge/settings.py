"""Settings of the knowledge base (``[service.knowledge]``) area."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class KnowledgeSettings(BaseModel):
    """What an edition may configure in the knowledge area."""

    model_config = ConfigDict(extra="forbid")
    publisher_roles: list[str] = Field(
        default_factory=lambda: ["manager", "admin"],
        description="Roles that may publish, archive and revert articles, edit published "
                    "ones and keep the categories (agents write and edit drafts)")
    title_weight: float = Field(
        default=3.0, gt=0, le=20,
        description="How much a term in the title counts against one in the body (BM25)")
    bm25_k1: float = Field(default=1.2, ge=0, le=5, description="BM25 term-frequency saturation")
    bm25_b: float = Field(default=0.75, ge=0, le=1, description="BM25 length normalisation")
    log_searches: bool = Field(
        default=True, description="Keep each search's query and hit count (no user) for the "
                                  "knowledge-gap report")
    search_log_days: int = Field(
        default=365, ge=1, description="Days a logged search is kept (a daily job prunes)")
    suggest_limit: int = Field(
        default=5, ge=1, le=50, description="Articles suggested for a ticket")

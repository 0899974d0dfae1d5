"""Settings of the knowledge base (``[service.knowledge]``) area."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class KnowledgeSettings(BaseModel):
    """What an edition may configure in the knowledge area."""

    model_config = ConfigDict(extra="forbid")

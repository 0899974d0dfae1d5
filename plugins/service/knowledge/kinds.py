"""The interaction kinds the knowledge area logs, with their payload models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ArticleSentPayload(BaseModel):
    """``service.kb_article_sent``: an article went to a customer as a ticket reply."""

    model_config = ConfigDict(extra="forbid")
    article_id: int
    ticket_id: int
    title: str
    version: int


# kind → (payload model, default channel, description); a sent article carries the
# ticket's channel.
KINDS: dict[str, tuple[type[BaseModel], str | None, str]] = {
    "service.kb_article_sent": (
        ArticleSentPayload, "email", "a knowledge article was sent to the customer on a ticket"),
}

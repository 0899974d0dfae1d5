"""``GET /api/me``: who the token belongs to and what he may do."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from guanxi.web.context import ApiContext

router = APIRouter(tags=["me"])


class Me(BaseModel):
    """The authenticated staff user."""

    username: str
    display_name: str
    roles: list[str]
    permissions: list[str]
    record_policies: list[str]
    read_only: bool = Field(description="A read-only token: read permissions only, no writes")


@router.get("/me", response_model=Me, summary="The authenticated user")
def me(ctx: ApiContext) -> Me:
    """The staff user the token belongs to, his roles, grants and record policies."""
    principal = ctx.principal
    return Me(
        username=principal.username,
        display_name=ctx.display_name,
        roles=list(principal.roles),
        permissions=sorted(principal.grants),
        record_policies=sorted(principal.policies),
        read_only=ctx.read_only_token,
    )

"""The admin pages: the edition and its plugins, jobs, settings, staff and API tokens.

Only for users who may take roles away (``staff_role:delete``: the admin role; a
manager's ``*:create`` / ``*:update`` do not reach it). Anybody else gets the 404 page,
as for a record he may not see: the pages' existence is not advertised.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from guanxi.app import App
from guanxi.db.engine import mask_url
from guanxi.errors import NotFoundError, ValidationError
from guanxi.models import StaffRole, Team, TeamMember
from guanxi.plugin_listing import plugin_rows  # the same rows as ``guanxi plugins``
from guanxi.services.credentials import issue_token, list_tokens, revoke_token
from guanxi.services.jobs import job_states
from guanxi.services.staff import list_staff, usernames
from guanxi.web.console import render
from guanxi.web.context import ConsoleContext, RequestContext
from guanxi.web.pages.forms import FormError, see_other
from guanxi.web.registry import NavItem

ADMIN_PERMISSION = "staff_role:delete"
router = APIRouter(include_in_schema=False)
NAV = (NavItem("nav.admin", "/admin", permission=ADMIN_PERMISSION, order=90),)
SECRET_NAME = re.compile(r"secret|password|passwd|token|api_?key|private|credential", re.I)
MASK = "••••••"


def require_admin(ctx: RequestContext) -> None:
    """404 for anybody who does not administer the console."""
    if not ctx.can(ADMIN_PERMISSION):
        raise NotFoundError("no such page")


def masked(name: str, value: Any) -> Any:
    """``value`` with anything secret-looking hidden: a field named like a secret, a
    password inside a URL, at any depth."""
    if SECRET_NAME.search(name) and value not in (None, "", [], {}):
        return MASK
    if isinstance(value, dict):
        return {key: masked(str(key), item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(name, item) for item in value]
    if isinstance(value, str) and "://" in value:
        return mask_url(value)
    return value


def shown(value: Any) -> str:
    """A setting's value as text (lists and tables as compact JSON)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def settings_rows(app: App) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Per section: (field, value shown, source) rows."""
    sections = []
    for section, resolved in sorted(app.setting_sources().items()):
        values = resolved.model.model_dump(mode="json")
        rows = [(name, shown(masked(name, value)), resolved.sources.get(name, ""))
                for name, value in values.items()]
        sections.append((section, rows))
    return sections


@router.get("/admin", response_class=HTMLResponse)
def admin_page(ctx: ConsoleContext) -> Response:
    """The edition, its plugins (as ``guanxi plugins`` lists them) and the jobs."""
    require_admin(ctx)
    app = ctx.app
    jobs = [
        {"name": job.name, "plugin": job.plugin, "description": job.description,
         "every": str(job.every) if job.every else (
             f"{job.daily_at:%H:%M}" if job.daily_at else ""),
         "last": state.last_finished_at if state else None,
         "status": state.last_status if state else None,
         "error": state.last_error if state else None,
         "next": state.next_due_at if state else None,
         "runs": state.run_count if state else 0}
        for job, state in job_states(app)
    ]
    return render(ctx, "console/admin/index.html", plugins=plugin_rows(app), jobs=jobs,
                  section="index")


@router.get("/admin/settings", response_class=HTMLResponse)
def admin_settings(ctx: ConsoleContext) -> Response:
    """Every setting with its value and where it came from; secrets masked."""
    require_admin(ctx)
    return render(ctx, "console/admin/settings.html", sections=settings_rows(ctx.app),
                  section="settings")


def show_staff(ctx: RequestContext, *, status: int = 200, issued: Any = None,
               error: FormError | None = None) -> Response:
    """The staff page: users with roles and teams, API tokens, the new-token form."""
    with ctx.transaction() as uow:
        staff = list_staff(uow)
        roles: dict[int, list[str]] = {}
        for role in uow.session.exec(select(StaffRole).order_by(col(StaffRole.role))):
            roles.setdefault(role.staff_id, []).append(role.role)
        teams: dict[int, list[str]] = {}
        query = select(TeamMember.staff_id, Team.name, TeamMember.is_lead).join(
            Team, col(Team.id) == col(TeamMember.team_id))
        for staff_id, team, lead in uow.session.exec(query):
            teams.setdefault(staff_id, []).append(f"{team} ★" if lead else team)
        tokens = list_tokens(uow)
        owners = usernames(uow, [token.staff_id for token in tokens])
    return render(ctx, "console/admin/staff.html", status=status, staff=staff, roles=roles,
                  teams=teams, tokens=tokens, owners=owners, issued=issued, error=error,
                  now=ctx.app.now(), section="staff")


@router.get("/admin/staff", response_class=HTMLResponse)
def admin_staff(ctx: ConsoleContext) -> Response:
    """Staff users with their roles and teams, and the API tokens."""
    require_admin(ctx)
    return show_staff(ctx)


@router.post("/admin/tokens", response_class=HTMLResponse)
def create_token(
    ctx: ConsoleContext,
    staff: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
    read_only: Annotated[str, Form()] = "",
) -> Response:
    """Make an API token (read-only when the box is ticked); the page shows its secret
    this once (it is not stored)."""
    require_admin(ctx)
    try:
        if not days.strip().isdigit() and days.strip():
            raise ValidationError("days", "must be a whole number of days")
        lifetime = dt.timedelta(days=int(days)) if days.strip() else None
        if not staff.strip():
            raise ValidationError("staff", "is required")
        with ctx.transaction() as uow:
            try:
                made = issue_token(uow, staff.strip(), name=name.strip()[:80], lifetime=lifetime,
                                   read_only=bool(read_only))
            except NotFoundError as exc:
                raise ValidationError("staff", str(exc)) from None
            issued = {"secret": made.secret, "staff": staff.strip(), "name": made.token.name}
    except ValidationError as exc:
        return show_staff(ctx, status=422, error=FormError.of("token", exc))
    return show_staff(ctx, issued=issued)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke(ctx: ConsoleContext, token_id: int) -> Response:
    """Revoke an API token (it stops working within ``web.auth_cache_seconds``)."""
    require_admin(ctx)
    with ctx.transaction() as uow:
        revoke_token(uow, token_id)
    return see_other("/admin/staff", "/admin/staff")

"""Tasks in the console: the user's open tasks, his team's for leads and managers, and
the done / cancel buttons (also on the 360 page and the home page)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from guanxi.access.principal import Principal
from guanxi.app import UnitOfWork
from guanxi.models import Task, TeamMember
from guanxi.services.lookup import customer_names
from guanxi.services.staff import usernames
from guanxi.services.tasks import cancel_task, complete_task, list_tasks
from guanxi.web.console import render
from guanxi.web.context import ConsoleContext
from guanxi.web.pages.forms import see_other
from guanxi.web.registry import NavItem

router = APIRouter(include_in_schema=False)
NAV = (NavItem("nav.tasks", "/tasks", permission="task:read", order=30),)
LIMIT = 100


def overseen_teams(principal: Principal) -> frozenset[int]:
    """The teams whose work the user oversees: those he leads (and below them), and for
    a manager (the ``department`` policy) his whole department."""
    teams = set(principal.led_department_team_ids)
    if "department" in principal.policies:
        teams |= principal.department_team_ids
    return frozenset(teams)


def team_tasks(uow: UnitOfWork, teams: frozenset[int], limit: int = LIMIT) -> list[Task]:
    """Open tasks of the other members of ``teams``, nearest due first (record policies
    apply: the query runs in the user's unit of work)."""
    members = select(col(TeamMember.staff_id)).where(col(TeamMember.team_id).in_(teams))
    query = (
        select(Task)
        .where(Task.status == "open", col(Task.assignee_id).in_(members),
               Task.assignee_id != uow.principal.staff_id)
        .order_by(col(Task.due_at), col(Task.id))
        .limit(limit)
    )
    return list(uow.session.exec(query))


@router.get("/tasks", response_class=HTMLResponse)
def tasks_page(ctx: ConsoleContext) -> Response:
    """My open tasks, then (for leads and managers) the team's."""
    teams = overseen_teams(ctx.principal)
    with ctx.transaction() as uow:
        mine = list_tasks(uow, assignee=ctx.principal.staff_id, limit=LIMIT) if (
            ctx.principal.staff_id is not None) else []
        team = team_tasks(uow, teams) if teams else []
        every = mine + team
        customers = customer_names(uow, [task.customer_id for task in every])
        assignees = usernames(uow, [task.assignee_id for task in every])
    return render(ctx, "console/tasks.html", mine=mine, team=team, oversees=bool(teams),
                  customers=customers, assignees=assignees, now=ctx.app.now())


@router.post("/tasks/{task_id}/done")
def task_done(
    ctx: ConsoleContext, task_id: int, next: Annotated[str, Form()] = "/tasks"
) -> Response:
    """Mark an open task done (logged on the customer's timeline); back to the page."""
    with ctx.transaction() as uow:
        complete_task(uow, task_id)
    return see_other(next, "/tasks")


@router.post("/tasks/{task_id}/cancel")
def task_cancel(
    ctx: ConsoleContext, task_id: int, next: Annotated[str, Form()] = "/tasks"
) -> Response:
    """Cancel an open task; back to the page."""
    with ctx.transaction() as uow:
        cancel_task(uow, task_id)
    return see_other(next, "/tasks")

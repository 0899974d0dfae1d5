"""``guanxi service kb …``: the knowledge base on the command line."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, local, print_json
from guanxi.errors import NotFoundError, ValidationError
from guanxi_service.knowledge.models import ARTICLE_STATUSES, AUDIENCES


@click.group("kb")
def kb() -> None:
    """Knowledge base (知识库): categories, articles, search, links to tickets."""


def _body(body: str | None, body_file: IO[str] | None) -> str | None:
    if body is not None and body_file is not None:
        raise ValidationError("body", "give --body or --body-file, not both")
    return body_file.read() if body_file is not None else body


def _customer_id(uow: Any, reference: str | None) -> int | None:
    if reference is None:
        return None
    from guanxi.services.lookup import resolve_customer

    try:
        return resolve_customer(uow, reference)
    except NotFoundError as exc:
        raise ValidationError("customer", str(exc)) from None


def _article_columns(tz: Any, *, score: bool = False) -> list:
    columns = [("id", lambda a: a.id), ("title", lambda a: a.title),
               ("category", lambda a: a.category), ("status", lambda a: a.status),
               ("audience", lambda a: a.audience), ("tags", lambda a: ", ".join(a.tags)),
               ("version", lambda a: a.version), ("author", lambda a: a.author),
               ("updated", lambda a: local(a.updated_at, tz)), ("views", lambda a: a.views),
               ("helpful", lambda a: a.helpful), ("not_helpful", lambda a: a.not_helpful)]
    if score:
        columns.insert(1, ("score", lambda a: a.score))
    return columns


def _article_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "title": row.title, "summary": row.summary,
            "category": row.category, "status": row.status, "audience": row.audience,
            "tags": row.tags, "version": row.version, "author": row.author,
            "updated_at": row.updated_at, "published_at": row.published_at,
            "views": row.views, "helpful": row.helpful, "not_helpful": row.not_helpful,
            **({"score": row.score} if row.score is not None else {})}


def _echo_article(state: CliState, article_id: int, verb: str, as_json: bool) -> None:
    from guanxi_service.knowledge.browse import article_detail

    with state.transaction() as uow:
        detail = article_detail(uow, article_id)
    row = detail.article
    if as_json:
        print_json(_article_json(row))
        return
    click.echo(f"{verb} article {row.id}: {row.title} ({row.status}, {row.audience}, "
               f"version {row.version}, {row.category})")


# ------------------------------------------------------------------------- categories


@kb.command("categories")
@json_option
@pass_state
def categories(state: CliState, as_json: bool) -> None:
    """The category tree, with how many articles each holds."""
    from guanxi_service.knowledge.categories import category_tree

    with state.transaction() as uow:
        rows = category_tree(uow)
    emit(rows, [("id", lambda c: c.id),
                ("category", lambda c: c.path if as_json else "  " * c.depth + c.name),
                ("parent_id", lambda c: c.parent_id), ("published", lambda c: c.published),
                ("drafts", lambda c: c.drafts), ("archived", lambda c: c.archived),
                ("description", lambda c: c.description)], as_json=as_json,
         title="knowledge categories")


@kb.command("category-add")
@click.argument("name")
@click.option("--parent", default=None, help="Parent category (id, name or path a/b).")
@click.option("--position", type=int, default=0, show_default=True,
              help="Order among its siblings.")
@click.option("--description", default=None)
@json_option
@pass_state
def category_add(state: CliState, name: str, parent: str | None, position: int,
                 description: str | None, as_json: bool) -> None:
    """Add the category NAME (publishers)."""
    from guanxi_service.knowledge.categories import create_category

    with state.transaction() as uow:
        found = create_category(uow, name=name, parent=parent, position=position,
                                description=description)
        data = {"id": found.id, "name": found.name, "parent_id": found.parent_id}
    if as_json:
        print_json(data)
    else:
        click.echo(f"added category {data['id']}: {data['name']}")


@kb.command("category-edit")
@click.argument("category")
@click.option("--name", default=None, help="New name.")
@click.option("--parent", default=None, help="Move below this category.")
@click.option("--top-level", is_flag=True, help="Move to the top level.")
@click.option("--position", type=int, default=None)
@click.option("--description", default=None)
@json_option
@pass_state
def category_edit(state: CliState, category: str, name: str | None, parent: str | None,
                  top_level: bool, position: int | None, description: str | None,
                  as_json: bool) -> None:
    """Rename, move or reorder CATEGORY (publishers)."""
    from guanxi_service.knowledge.categories import edit_category

    with state.transaction() as uow:
        found = edit_category(uow, category, name=name, parent=parent, top_level=top_level,
                              position=position, description=description)
        data = {"id": found.id, "name": found.name, "parent_id": found.parent_id}
    if as_json:
        print_json(data)
    else:
        click.echo(f"changed category {data['id']}: {data['name']}")


# -------------------------------------------------------------------------- articles

_body_options = [
    click.option("--body", default=None, help="The body (Markdown)."),
    click.option("--body-file", type=click.File("r", encoding="utf-8"), default=None,
                 help="Read the body (Markdown, UTF-8) from this file ('-': stdin)."),
    click.option("--summary", default=None, help="One or two sentences shown in results."),
    click.option("--tags", default=None, help="Comma-separated tags."),
]


def _with_body(command: Any) -> Any:
    for option in reversed(_body_options):
        command = option(command)
    return command


@kb.command("add")
@click.argument("title")
@click.option("--category", required=True, help="Category (id, name or path a/b).")
@_with_body
@click.option("--audience", type=click.Choice(AUDIENCES), default="internal",
              show_default=True, help="public articles may be sent to customers.")
@click.option("--publish", is_flag=True, help="Publish at once (publishers).")
@json_option
@pass_state
def add(state: CliState, title: str, category: str, body: str | None,
        body_file: IO[str] | None, summary: str | None, tags: str | None, audience: str,
        publish: bool, as_json: bool) -> None:
    """Write the article TITLE (a draft unless --publish)."""
    from guanxi_service.knowledge.articles import create_article

    with state.transaction() as uow:
        article = create_article(uow, title=title, category=category,
                                 body=_body(body, body_file), summary=summary, tags=tags,
                                 audience=audience, publish=publish)
    _echo_article(state, article.id, "added", as_json)


@kb.command("edit")
@click.argument("article", type=int)
@click.option("--title", default=None)
@click.option("--category", default=None, help="Move to this category.")
@_with_body
@click.option("--audience", type=click.Choice(AUDIENCES), default=None)
@json_option
@pass_state
def edit(state: CliState, article: int, title: str | None, category: str | None,
         body: str | None, body_file: IO[str] | None, summary: str | None,
         tags: str | None, audience: str | None, as_json: bool) -> None:
    """Change ARTICLE: a new version (the old one is kept and can be reverted to)."""
    from guanxi_service.knowledge.articles import edit_article

    with state.transaction() as uow:
        found = edit_article(uow, article, title=title, category=category,
                             body=_body(body, body_file), summary=summary, tags=tags,
                             audience=audience)
    _echo_article(state, found.id, "edited", as_json)


@kb.command("show")
@click.argument("article", type=int)
@click.option("--history", is_flag=True, help="List the versions instead of the text.")
@click.option("--version", type=int, default=None, help="Show this earlier version.")
@click.option("--no-view", is_flag=True, help="Do not count this as a view.")
@json_option
@pass_state
def show(state: CliState, article: int, history: bool, version: int | None, no_view: bool,
         as_json: bool) -> None:
    """ARTICLE in full (Markdown body), its versions, or an earlier version."""
    from guanxi_service.knowledge.articles import get_revision, revisions
    from guanxi_service.knowledge.browse import article_detail, record_view

    tz = state.app.tz
    with state.transaction() as uow:
        if history:
            rows = revisions(uow, article)
            emit(rows, [("version", lambda r: r.version), ("title", lambda r: r.title),
                        ("edited_by", lambda r: r.edited_by),
                        ("edited_at", lambda r: r.edited_at if as_json
                         else local(r.edited_at, tz)),
                        ("current", lambda r: r.current)], as_json=as_json,
                 title=f"versions of article {article}")
            return
        if version is not None:
            old = get_revision(uow, article, version)
            data = {"article_id": old.article_id, "version": old.version, "title": old.title,
                    "summary": old.summary, "tags": old.tags, "body": old.body,
                    "edited_at": old.edited_at}
        else:
            detail = article_detail(uow, article)
            if not no_view and detail.article.status == "published":
                record_view(uow, article)
                detail = article_detail(uow, article)
            data = {**_article_json(detail.article), "body": detail.body,
                    "created_at": detail.created_at, "updated_by": detail.updated_by,
                    "tickets": detail.ticket_ids}
    if as_json:
        print_json(data)
        return
    click.echo(f"# {data['title']}")
    skip = {"title", "body", "summary"}
    for key, value in data.items():
        if key not in skip and value not in (None, [], ""):
            if isinstance(value, list):
                value = ", ".join(map(str, value))
            elif isinstance(value, dt.datetime):
                value = local(value, tz)
            click.echo(f"{key}: {value}")
    if data.get("summary"):
        click.echo(f"\n{data['summary']}")
    click.echo(f"\n{data['body']}")


@kb.command("list")
@click.option("--status", type=click.Choice(ARTICLE_STATUSES), default=None)
@click.option("--audience", type=click.Choice(AUDIENCES), default=None)
@click.option("--category", default=None, help="This category and those below it.")
@click.option("--tag", default=None)
@click.option("--after", "after_id", type=int, default=None, help="Page on after this id.")
@click.option("--limit", type=int, default=100, show_default=True)
@json_option
@pass_state
def list_(state: CliState, status: str | None, audience: str | None, category: str | None,
          tag: str | None, after_id: int | None, limit: int, as_json: bool) -> None:
    """List articles in id order."""
    from guanxi_service.knowledge.browse import list_articles

    with state.transaction() as uow:
        rows = list_articles(uow, status=status, audience=audience, category=category,
                             tag=tag, after_id=after_id, limit=limit)
    if as_json:
        print_json([_article_json(r) for r in rows])
    else:
        emit(rows, _article_columns(state.app.tz), as_json=False, title="knowledge articles")


@kb.command("search")
@click.argument("query")
@click.option("--status", type=click.Choice((*ARTICLE_STATUSES, "any")), default="published",
              show_default=True)
@click.option("--audience", type=click.Choice(AUDIENCES), default=None)
@click.option("--category", default=None, help="This category and those below it.")
@click.option("--tag", default=None)
@click.option("--limit", type=int, default=20, show_default=True)
@json_option
@pass_state
def search(state: CliState, query: str, status: str, audience: str | None,
           category: str | None, tag: str | None, limit: int, as_json: bool) -> None:
    """Search articles (Chinese or English), best match first."""
    from guanxi_service.knowledge.browse import search_articles

    with state.transaction() as uow:
        rows = search_articles(uow, query, status=status, audience=audience,
                               category=category, tag=tag, limit=limit)
    if as_json:
        print_json([_article_json(r) for r in rows])
    elif not rows:
        click.echo("no articles found")
    else:
        emit(rows, _article_columns(state.app.tz, score=True)[:7], as_json=False,
             title=f"articles for {query!r}")


def _status_command(name: str, status: str, doc: str) -> click.Command:
    @click.command(name, help=doc)
    @click.argument("article", type=int)
    @json_option
    @pass_state
    def command(state: CliState, article: int, as_json: bool) -> None:
        from guanxi_service.knowledge.articles import set_status

        with state.transaction() as uow:
            found = set_status(uow, article, status)
        _echo_article(state, found.id, name.rstrip("e") + "ed", as_json)

    return command


kb.add_command(_status_command("publish", "published",
                               "Publish ARTICLE (publishers): search and links find it."))
kb.add_command(_status_command("archive", "archived",
                               "Archive ARTICLE (publishers): kept, no longer found by default."))


@kb.command("revert")
@click.argument("article", type=int)
@click.argument("version", type=int)
@json_option
@pass_state
def revert(state: CliState, article: int, version: int, as_json: bool) -> None:
    """Make VERSION of ARTICLE the current text again (as a new version)."""
    from guanxi_service.knowledge.articles import revert_article

    with state.transaction() as uow:
        found = revert_article(uow, article, version)
    _echo_article(state, found.id, f"reverted to version {version}:", as_json)


# --------------------------------------------------------------------------- tickets


@kb.command("link")
@click.argument("article", type=int)
@click.argument("ticket")
@click.option("--send", is_flag=True, help="Also send it to the customer as a public reply.")
@json_option
@pass_state
def link(state: CliState, article: int, ticket: str, send: bool, as_json: bool) -> None:
    """Link ARTICLE to TICKET (id or number); --send replies with it to the customer."""
    from guanxi_service.knowledge.links import link_article, send_article

    with state.transaction() as uow:
        action = send_article if send else link_article
        found = action(uow, article, ticket)
        data = {"id": found.id, "article_id": found.article_id, "ticket_id": found.ticket_id,
                "version": found.article_version, "linked_at": found.linked_at,
                "sent_at": found.sent_at}
    if as_json:
        print_json(data)
    else:
        click.echo(f"article {article} {'sent on' if send else 'linked to'} ticket "
                   f"{data['ticket_id']}")


@kb.command("suggest")
@click.argument("ticket")
@click.option("--limit", type=int, default=None, help="How many (default: the settings').")
@click.option("--public", is_flag=True, help="Only articles that may go to the customer.")
@json_option
@pass_state
def suggest_(state: CliState, ticket: str, limit: int | None, public: bool,
             as_json: bool) -> None:
    """Articles for TICKET, ranked for its subject and description."""
    from guanxi_service.knowledge.links import suggest

    with state.transaction() as uow:
        rows = suggest(uow, ticket, limit=limit, audience="public" if public else None)
    if as_json:
        print_json([_article_json(r) for r in rows])
    elif not rows:
        click.echo("no articles to suggest")
    else:
        emit(rows, _article_columns(state.app.tz, score=True)[:7], as_json=False,
             title=f"articles for ticket {ticket}")


@kb.command("feedback")
@click.argument("article", type=int)
@click.option("--helpful/--not-helpful", default=None, required=True)
@click.option("--customer", default=None, help="Record the vote for this customer.")
@click.option("--comment", default=None)
@json_option
@pass_state
def feedback(state: CliState, article: int, helpful: bool, customer: str | None,
             comment: str | None, as_json: bool) -> None:
    """Vote on ARTICLE: helpful or not (yours, or a customer's with --customer)."""
    from guanxi_service.knowledge.browse import give_feedback
    from guanxi_service.knowledge.common import get_article

    with state.transaction() as uow:
        vote = give_feedback(uow, article, helpful, customer_id=_customer_id(uow, customer),
                             comment=comment)
        found = get_article(uow, article)
        data = {"article_id": article, "helpful": vote.helpful,
                "customer_id": vote.customer_id, "helpful_count": found.helpful_count,
                "not_helpful_count": found.not_helpful_count}
    if as_json:
        print_json(data)
    else:
        click.echo(f"article {article}: {data['helpful_count']} helpful, "
                   f"{data['not_helpful_count']} not helpful")


@kb.command("usage")
@click.option("--since", default=None, help="First day counted (YYYY-MM-DD).")
@click.option("--days", type=int, default=None, help="Or the last DAYS days (default 90).")
@click.option("--limit", type=int, default=10, show_default=True)
@json_option
@pass_state
def usage(state: CliState, since: str | None, days: int | None, limit: int,
          as_json: bool) -> None:
    """Most linked, viewed and helpful articles; searches that found nothing."""
    from guanxi_service.knowledge.reports import kb_usage

    with state.transaction() as uow:
        report = kb_usage(uow, since=since, days=days, limit=limit)
    if as_json:
        print_json(report)
        return
    for key, title, extra in (
            ("most_linked", "most linked", [("links", "links"), ("sent", "sent")]),
            ("most_viewed", "most viewed", [("views", "views")]),
            ("most_helpful", "most helpful", [("helpful", "helpful"),
                                              ("not_helpful", "not_helpful")]),
            ("needs_work", "not helpful", [("not_helpful", "not_helpful"),
                                           ("helpful", "helpful")])):
        columns = [("id", lambda r: r["id"]), ("title", lambda r: r["title"]),
                   ("category", lambda r: r["category"])]
        columns += [(header, lambda r, k=k: r[k]) for header, k in extra]
        emit(report[key], columns, as_json=False, title=f"{title} since {report['since']}"
             if key == "most_linked" else title)
    emit(report["knowledge_gaps"], [("query", lambda r: r["query"]),
                                    ("searches", lambda r: r["searches"]),
                                    ("last", lambda r: local(r["last_at"], state.app.tz))],
         as_json=False, title="searches without results")
    click.echo(f"{report['searches']} searches, {report['searches_without_results']} "
               "without results")

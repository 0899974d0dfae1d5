"""``guanxi plugin new``: start a plugin project from the scaffold's templates.

The group is ``plugin`` (singular), apart from ``guanxi plugins``, which lists the
plugins of a project. Like ``guanxi init`` it never builds the application: it works in
an empty folder, and a broken project cannot stop someone from starting a plugin.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def plugin() -> None:
    """Write plugins: start a new plugin project."""


@plugin.command("new")
@click.argument("name")
@click.option(
    "--dir",
    "folder",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder of the new project (default: ./guanxi-NAME); must be new or empty.",
)
@click.option("--description", default=None, help="One line describing the plugin.")
@click.option("--author", default=None, help="Author's name for pyproject.toml.")
@click.pass_context
def plugin_new(
    ctx: click.Context, name: str, folder: Path | None, description: str | None,
    author: str | None,
) -> None:
    """Create a plugin project for NAME (a lower-case identifier, e.g. nps).

    The project is the distribution guanxi-NAME with the import package guanxi_NAME:
    settings, a table with its migration, a custom field, an interaction kind, a command
    group, a job, a template, an event and a query hook, and a passing test suite.
    """
    from guanxi.scaffold import render_plugin

    # A plugin's command group named like a built-in command would never run.
    root = ctx.find_root().command
    reserved = set(root.commands) if isinstance(root, click.Group) else set()
    project = render_plugin(
        name, folder, description=description, author=author, reserved=reserved
    )
    click.echo(f"created the plugin project {project.folder} ({len(project.files)} files):")
    for relative in project.files:
        click.echo(f"  {relative.as_posix()}")
    click.echo("next steps:")
    click.echo(f"  pip install -e '{project.folder}[test]'")
    click.echo(f"  pytest {project.folder / 'tests'}")
    click.echo(f"  GUANXI_PLUGINS={name} guanxi plugins   # in a guanxi project folder")


def register(cli: click.Group) -> None:
    """Add the ``plugin`` group to the root command."""
    cli.add_command(plugin)

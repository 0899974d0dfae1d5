"""``guanxi plugins``: what is installed and enabled, who implements a hook, what needs what."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import emit, json_option, print_json
from guanxi.plugin_listing import dependency_graph, hook_rows, plugin_rows


def _print_graph(graph: dict[str, Any]) -> None:
    """Each plugin nobody requires as a root, with what it requires beneath it."""
    requires: dict[str, list[dict[str, Any]]] = {}
    for edge in graph["edges"]:
        requires.setdefault(edge["from"], []).append(edge)
    required = {edge["to"] for edge in graph["edges"]}
    nodes = {node["name"]: node for node in graph["nodes"]}

    def label(name: str, spec: str = "") -> str:
        node = nodes.get(name, {"version": "?", "bridge": False, "status": "enabled"})
        parts = [name, node["version"] or ""]
        if spec:
            parts.append(f"(wants {spec})")
        if node["bridge"]:
            parts.append("[bridge]")
        if node["status"] != "enabled":
            parts.append(node["status"])
        return escape(" ".join(part for part in parts if part))

    def grow(branch: Tree, name: str, seen: frozenset[str]) -> None:
        for edge in requires.get(name, []):
            child = branch.add(label(edge["to"], edge["range"]))
            if edge["to"] not in seen:  # requires cannot be circular, but stay safe
                grow(child, edge["to"], seen | {edge["to"]})

    root = Tree("core (every plugin requires it)")
    for name in nodes:
        if name not in required:
            grow(root.add(label(name)), name, frozenset({name}))
    Console(soft_wrap=True).print(root)


@click.command("plugins")
@click.option("--hook", "hook_name", default=None, metavar="NAME",
              help="Show which plugins implement this hook, in call order.")
@click.option("--graph", is_flag=True, help="Show what each enabled plugin requires.")
@json_option
@pass_state
def plugins(state: CliState, hook_name: str | None, graph: bool, as_json: bool) -> None:
    """List plugins: version, where they come from, hooks they implement, enabled or not."""
    if hook_name and graph:
        raise click.UsageError("--hook and --graph do not go together")
    app = state.app
    if hook_name:
        emit(
            hook_rows(app, hook_name),
            [
                ("order", lambda r: r["order"]),
                ("plugin", lambda r: r["plugin"]),
                ("function", lambda r: r["function"]),
                ("options", lambda r: ", ".join(r["options"])),
            ],
            as_json=as_json,
            title=f"{hook_name}: implementations in call order",
        )
        return
    if graph:
        shape = dependency_graph(app)
        if as_json:
            print_json(shape)
        else:
            _print_graph(shape)
        return
    rows = plugin_rows(app)
    if as_json:
        print_json(rows)
        return
    emit(
        rows,
        [
            ("name", lambda r: r["name"]),
            ("version", lambda r: r["version"]),
            ("status", lambda r: f"{r['status']} ({r['reason']})" if r["reason"] else r["status"]),
            ("source", lambda r: r["source"]),
            ("hooks", lambda r: ", ".join(r["hooks"])),
        ],
        as_json=False,
    )

"""The documentation keeps up with the code (datasette's ``tests/test_docs.py`` is the model).

* docs/plugin-hooks.md documents every hook of ``guanxi.hookspecs``, under its family,
  with its exact signature, each argument, its return contract and an example; it names
  no hook that does not exist; and its Python examples run, as one plugin, against a
  real database.
* Every hook spec has a docstring saying when it fires and what it returns.
* Every public function (and public method) of the ``guanxi`` package has a docstring.
* Every CLI command has help text and a section in docs/cli.md that names its options.
* docs/configuration.md lists every core setting; docs/editions.md every edition key.
* Relative links between the Markdown files point at files that exist.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import importlib
import importlib.util
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import click
import pytest
from click.testing import CliRunner

import guanxi
from guanxi import hookspecs
from guanxi.app import App
from guanxi.cli import CliState
from guanxi.cli import cli as root_command
from guanxi.editions import FIELD_TYPES, DemoSpec, DemoVocabulary, Edition
from guanxi.errors import ConfigError
from guanxi.plugins import make_plugin_manager
from guanxi.settings import CoreSettings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
HOOKS_DOC = DOCS / "plugin-hooks.md"
CLI_DOC = DOCS / "cli.md"

FAMILY_HEADINGS = {
    "registration": "Registration hooks",
    "event": "Event hooks",
    "query": "Query hooks",
}
RETURNS_LINE = re.compile(r"^\*\*Returns:\*\* (nothing|list of results|first result)\b")
SKIPPED_MODULES = ("guanxi.migrations.versions",)  # Alembic revisions: generated scripts


# --------------------------------------------------------------------------- Markdown


@dataclass
class Section:
    """A heading of a Markdown file and the lines up to the next heading."""

    level: int
    title: str
    parent: str | None  # the title of the closest enclosing heading of a lower level
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def sections(text: str) -> list[Section]:
    """The headings of a Markdown text; ``#`` lines inside fenced code are not headings."""
    found: list[Section] = []
    stack: list[Section] = []
    in_fence = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        match = None if in_fence else re.match(r"^(#{1,6}) +(.+?) *$", line)
        if match is None:
            if found:
                found[-1].lines.append(line)
            continue
        level = len(match.group(1))
        while stack and stack[-1].level >= level:
            stack.pop()
        section = Section(level, match.group(2).strip(), stack[-1].title if stack else None, [])
        found.append(section)
        stack.append(section)
    return found


def code_blocks(text: str, language: str = "python") -> list[str]:
    """The fenced code blocks of ``language`` in ``text``, in order."""
    pattern = re.compile(rf"^```{language}\n(.*?)^```$", re.MULTILINE | re.DOTALL)
    return [match.group(1) for match in pattern.finditer(text)]


def heading_text(title: str) -> str:
    """A heading's words without Markdown code quotes."""
    return title.replace("`", "").strip()


# --------------------------------------------------------------------------- hook specs

PM = make_plugin_manager()
HOOK_NAMES = sorted(name for name in vars(PM.hook) if not name.startswith("_"))
FAMILY_OF = {name: family for family, names in hookspecs.HOOK_FAMILIES.items() for name in names}


@pytest.fixture(scope="module")
def hook_sections() -> dict[str, Section]:
    """The third-level sections of docs/plugin-hooks.md, by title."""
    found = [s for s in sections(HOOKS_DOC.read_text(encoding="utf-8")) if s.level == 3]
    titles = [s.title for s in found]
    duplicates = sorted({t for t in titles if titles.count(t) > 1})
    assert not duplicates, f"hooks documented twice: {duplicates}"
    return {s.title: s for s in found}


def test_hook_families_cover_every_spec() -> None:
    listed = [name for names in hookspecs.HOOK_FAMILIES.values() for name in names]
    assert sorted(listed) == HOOK_NAMES, "HOOK_FAMILIES and the hook specs differ"
    assert len(listed) == len(set(listed)), "a hook is in two families"


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_hook_spec_has_a_docstring(name: str) -> None:
    doc = inspect.getdoc(getattr(hookspecs, name))
    assert doc, f"hook spec {name} has no docstring"
    assert "fires" in doc.lower(), f"the docstring of {name} does not say when it fires"
    assert "return" in doc.lower(), f"the docstring of {name} does not say what it returns"


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_hook_is_documented_in_its_family(name: str, hook_sections: dict[str, Section]) -> None:
    assert name in hook_sections, f"hook {name} is missing from docs/plugin-hooks.md"
    expected = FAMILY_HEADINGS[FAMILY_OF[name]]
    assert hook_sections[name].parent == expected, f"{name} belongs under '## {expected}'"


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_documented_signature(name: str, hook_sections: dict[str, Section]) -> None:
    argnames = list(getattr(PM.hook, name).spec.argnames)
    # pluggy reads the names from the spec function; they must be the signature's own.
    assert argnames == list(inspect.signature(getattr(hookspecs, name)).parameters)
    lines = [line for line in hook_sections[name].lines if line.strip()]
    expected = f"`{name}({', '.join(argnames)})`"
    assert lines and lines[0].strip() == expected, (
        f"the first line under '### {name}' must be the signature {expected}"
    )


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_documented_arguments(name: str, hook_sections: dict[str, Section]) -> None:
    section = hook_sections[name].text
    assert "**Arguments:**" in section, f"{name}: no **Arguments:** list"
    listed = re.findall(r"^- `(\w+)`", section, re.MULTILINE)
    assert listed == list(getattr(PM.hook, name).spec.argnames), (
        f"{name}: the argument list must name every argument once, in order"
    )


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_documented_return_contract(name: str, hook_sections: dict[str, Section]) -> None:
    spec = getattr(PM.hook, name).spec
    annotation = inspect.signature(getattr(hookspecs, name)).return_annotation
    if spec.opts.get("firstresult"):
        expected = "first result"
    elif annotation in (None, "None"):
        expected = "nothing"
    else:
        expected = "list of results"
    found = [m.group(1) for line in hook_sections[name].lines if (m := RETURNS_LINE.match(line))]
    assert found == [expected], f"{name}: expected one line '**Returns:** {expected} …'"


@pytest.mark.parametrize("name", HOOK_NAMES)
def test_documented_example(name: str, hook_sections: dict[str, Section]) -> None:
    argnames = set(getattr(PM.hook, name).spec.argnames)
    implementations = [
        node
        for block in code_blocks(hook_sections[name].text)
        for node in ast.walk(ast.parse(block))
        if isinstance(node, ast.FunctionDef)
        and node.name == name
        and any(ast.unparse(d).startswith("hookimpl") for d in node.decorator_list)
    ]
    assert implementations, f"{name}: no example '@hookimpl def {name}(…)'"
    for node in implementations:
        used = {arg.arg for arg in node.args.args}
        assert used <= argnames, f"{name}: the example takes arguments the hook lacks"


def test_no_documented_hook_is_gone() -> None:
    for section in sections(HOOKS_DOC.read_text(encoding="utf-8")):
        if section.level == 2 and section.title.endswith(" hooks"):
            assert section.title in FAMILY_HEADINGS.values(), f"unknown family {section.title!r}"
        if section.level == 3 and section.parent in FAMILY_HEADINGS.values():
            assert section.title in HOOK_NAMES, (
                f"docs/plugin-hooks.md documents a hook that does not exist: {section.title}"
            )


# --------------------------------------------------------------------------- the examples run


@pytest.fixture(scope="module")
def loyalty(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """docs/plugin-hooks.md's Python blocks, run in order as one plugin module.

    A block whose first line is a comment naming a file (``# migrations/x.py``) is that
    file of the plugin's package, written out rather than run. Module scope: the example
    defines a SQLModel table, and SQLModel's metadata is process-wide.
    """
    folder = tmp_path_factory.mktemp("guanxi_loyalty")
    (folder / "templates").mkdir()
    module = ModuleType("guanxi_loyalty")
    module.__file__ = str(folder / "__init__.py")
    for block in code_blocks(HOOKS_DOC.read_text(encoding="utf-8")):
        named = re.match(r"# ([\w/]+\.py)\n", block)
        if named:
            path = folder / named.group(1)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block, encoding="utf-8")
        else:
            # dont_inherit: not this file's ``from __future__ import annotations``, under
            # which FastAPI could not resolve the route example's annotations.
            exec(compile(block, str(HOOKS_DOC), "exec", dont_inherit=True), module.__dict__)
    return module


@pytest.fixture
def loyalty_app(make_app: Callable[..., App], loyalty: ModuleType) -> App:
    """An application with the example plugin enabled, its branch migrated."""
    return make_app(plugins=[loyalty], enable=["loyalty"])


def test_registration_examples(loyalty_app: App) -> None:
    from guanxi.db.migrate import check

    app = loyalty_app
    assert app.plugins["loyalty"].info.version == "0.1.0"
    assert app.settings_for("loyalty").welcome_points == 100
    assert app.registry.custom_fields["member_no"].plugin == "loyalty"
    assert app.registry.interaction_kinds["loyalty.points_earned"].plugin == "loyalty"
    assert app.registry.jobs["loyalty.expire_points"].plugin == "loyalty"
    assert app.registry.reports["loyalty.summary"].plugin == "loyalty"
    assert app.registry.template_dirs[-1].name == "templates"
    # The example table and the example migration agree.
    assert check(app) == []


def test_settings_example_reads_the_environment(
    make_app: Callable[..., App], loyalty: ModuleType
) -> None:
    app = make_app(
        plugins=[loyalty],
        enable=["loyalty"],
        migrate=False,
        environ={"GUANXI_LOYALTY__POINTS_PER_YUAN": "2"},
    )
    assert app.settings_for("loyalty").points_per_yuan == 2
    assert app.setting_sources()["loyalty"].sources["points_per_yuan"] == "environment"


def test_app_ready_example_refuses_a_bad_setting(
    make_app: Callable[..., App], loyalty: ModuleType
) -> None:
    with pytest.raises(ConfigError, match="notify_channel"):
        make_app(
            plugins=[loyalty],
            enable=["loyalty"],
            migrate=False,
            settings={"loyalty": {"notify_channel": "pigeon"}},
        )


def test_event_and_query_examples(loyalty_app: App, loyalty: ModuleType) -> None:
    from guanxi.services.customer360 import customer_360
    from guanxi.services.customers import add_customers
    from guanxi.services.interactions import log_interaction
    from guanxi.services.updates import update_customer

    app = loyalty_app
    balance = loyalty.PointsBalance
    with app.transaction() as uow:
        member, other = add_customers(
            uow,
            [
                {"name": "王芳", "roles": ["customer", "member"], "custom": {"member_no": "M-1"}},
                {"name": "李强", "roles": ["customer"]},
            ],
        )
        log_interaction(
            uow,
            customer_id=member.id,
            kind="core.purchase",
            channel="pos",
            revenue=Decimal("12.50"),
        )
        assert uow.session.get(balance, member.id).points == 100 + 12
        assert uow.session.get(balance, other.id) is None

        update_customer(uow, other.id, {"roles": ["customer", "member"]})
        assert uow.session.get(balance, other.id).points == 100

        view = customer_360(uow, member.id)
        assert view.sections[-1].rows == [("points", 112)]
        assert uow.hook.customer_score_contributions(uow=uow, customer=member) == []

        uow.hook.customers_merged(uow=uow, survivor_id=member.id, merged_ids=[other.id])
        uow.session.flush()
        assert uow.session.get(balance, member.id).points == 212
        assert uow.session.get(balance, other.id) is None

        report = app.registry.reports["loyalty.summary"].func(uow)
        assert report == {"members": 1, "points": 212}

        uow.session.get(balance, member.id).points = 1500
        assert uow.hook.customer_score_contributions(uow=uow, customer=member) == [
            [("loyalty", 10.0, "1500 points")]
        ]


def test_job_example(loyalty_app: App) -> None:
    from guanxi.services.jobs import run_due

    outcomes = run_due(loyalty_app, only="loyalty.expire_points")
    assert [(o.name, o.status) for o in outcomes] == [("loyalty.expire_points", "ok")]
    assert outcomes[0].detail == "expired 0 balances"


def test_command_example(loyalty_app: App) -> None:
    from guanxi.services.customers import add_customer

    with loyalty_app.transaction() as uow:
        member = add_customer(uow, name="王芳", roles=["member"])
    group = click.Group()
    loyalty_app.hook.register_commands(cli=group)
    result = CliRunner().invoke(
        group, ["loyalty", "balance", str(member.id)], obj=CliState(_app=loyalty_app)
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"customer {member.id}: 100 points\n"


def test_routes_example(loyalty_app: App) -> None:
    from guanxi.services.customers import add_customer
    from guanxi.testing.web import GuanxiWeb

    with loyalty_app.transaction() as uow:
        member = add_customer(uow, name="王芳", roles=["member"])
        stranger = add_customer(uow, name="李雷")
    web = GuanxiWeb(loyalty_app)
    client = web.api("wang", role="admin")
    assert client.get(f"/api/loyalty/balances/{member.id}").json() == {
        "customer_id": member.id, "points": 100
    }
    missing = client.get(f"/api/loyalty/balances/{stranger.id}")
    assert missing.status_code == 404 and "no points" in missing.json()["error"]["message"]
    # A viewer sees only the customers he owns: to him the member does not exist.
    viewer = web.api("zhou", role="viewer")
    assert viewer.get(f"/api/loyalty/balances/{member.id}").status_code == 404
    web.close()


def test_demo_data_example(loyalty_app: App, loyalty: ModuleType) -> None:
    from sqlmodel import func, select

    from guanxi.demo import generate_demo
    from guanxi.models import Interaction

    generate_demo(loyalty_app)
    with loyalty_app.transaction() as uow:
        earned = uow.session.exec(
            select(func.count()).where(Interaction.kind == "loyalty.points_earned")
        ).one()
        balances = uow.session.exec(select(func.count()).select_from(loyalty.PointsBalance)).one()
    assert earned > 0
    assert balances > 0


# --------------------------------------------------------------------------- docstrings


def package_modules() -> list[str]:
    """Every module of the ``guanxi`` package (found with pkgutil), revisions left out."""
    names = ["guanxi"] + [
        info.name for info in pkgutil.walk_packages(guanxi.__path__, prefix="guanxi.")
    ]
    return sorted(n for n in names if not n.startswith(SKIPPED_MODULES))


def undocumented(module_name: str) -> list[str]:
    """Public functions and methods of a module without a docstring.

    Read from the source (so Alembic's env.py, which only runs inside Alembic, is checked
    too). A method that overrides a documented method of a base class inherits its
    docstring, as ``inspect.getdoc`` sees it.
    """
    spec = importlib.util.find_spec(module_name)
    assert spec is not None and spec.origin is not None
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    missing: list[str] = []
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    for node in tree.body:
        if isinstance(node, functions) and not node.name.startswith("_"):
            if not ast.get_docstring(node):
                missing.append(f"{module_name}.{node.name}")
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if not isinstance(item, functions) or item.name.startswith("_"):
                    continue
                if ast.get_docstring(item):
                    continue
                cls = getattr(importlib.import_module(module_name), node.name)
                if not inspect.getdoc(getattr(cls, item.name, None)):
                    missing.append(f"{module_name}.{node.name}.{item.name}")
    return missing


@pytest.mark.parametrize("module_name", package_modules())
def test_public_functions_have_docstrings(module_name: str) -> None:
    missing = undocumented(module_name)
    assert not missing, f"public functions without a docstring: {', '.join(missing)}"


# --------------------------------------------------------------------------- the CLI


def walk_commands(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, click.Command]]:
    """``("guanxi customer add", command)`` for every built-in command and group."""
    yield " ".join(("guanxi", *path)), command
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from walk_commands(sub, (*path, name))


COMMANDS = dict(walk_commands(root_command))


def long_options(command: click.Command) -> list[str]:
    """Each option's longest spelling (``--project`` for ``-C/--project``), --help aside."""
    names = []
    for param in command.params:
        if isinstance(param, click.Option):
            spelled = max(param.opts + param.secondary_opts, key=len)
            if spelled != "--help":
                names.append(spelled)
    return names


@pytest.fixture(scope="module")
def cli_sections() -> dict[str, Section]:
    """docs/cli.md's sections by heading (code quotes dropped)."""
    return {heading_text(s.title): s for s in sections(CLI_DOC.read_text(encoding="utf-8"))}


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_command_has_help(path: str) -> None:
    command = COMMANDS[path]
    assert (command.help or command.short_help or "").strip(), f"'{path}' has no help text"


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_command_is_documented(path: str, cli_sections: dict[str, Section]) -> None:
    title = "Global options" if path == "guanxi" else path
    assert title in cli_sections, f"docs/cli.md has no heading '{title}'"
    text = cli_sections[title].text
    for option in long_options(COMMANDS[path]):
        assert re.search(rf"{re.escape(option)}\b", text), (
            f"docs/cli.md, section '{title}', does not mention {option}"
        )


def test_cli_doc_names_no_missing_command(cli_sections: dict[str, Section]) -> None:
    for title in cli_sections:
        if title.startswith("guanxi "):
            assert title in COMMANDS, (
                f"docs/cli.md documents a command that does not exist: {title}"
            )


# --------------------------------------------------------------------------- reference tables


@pytest.mark.parametrize("name", list(CoreSettings.model_fields))
def test_core_setting_is_documented(name: str) -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith(f"| `core.{name}` |")]
    assert rows, f"docs/configuration.md has no table row for core.{name}"
    assert f"`GUANXI_{name.upper()}`" in rows[0]
    description = CoreSettings.model_fields[name].description
    assert description and description in rows[0], f"core.{name}: the description differs"


EDITION_KEYS = [f.name for f in dataclasses.fields(Edition) if f.name not in ("folder", "raw")]


@pytest.mark.parametrize(
    "key",
    EDITION_KEYS
    + [f"demo.{f.name}" for f in dataclasses.fields(DemoSpec)]
    + [f"demo.vocabulary.{f.name}" for f in dataclasses.fields(DemoVocabulary)]
    + [f"type {t}" for t in FIELD_TYPES],
)
def test_edition_key_is_documented(key: str) -> None:
    text = (DOCS / "editions.md").read_text(encoding="utf-8")
    word = key.split(" ")[-1].split(".")[-1]
    assert f"`{word}`" in text, f"docs/editions.md does not mention `{word}` ({key})"


def test_demo_defaults_are_documented() -> None:
    text = (DOCS / "editions.md").read_text(encoding="utf-8")
    for spec_field in dataclasses.fields(DemoSpec):
        default = spec_field.default
        if default is dataclasses.MISSING:  # a table: its class names the default
            default = type(spec_field.default_factory()).__name__  # type: ignore[misc]
        shown = default.isoformat() if isinstance(default, dt.date) else str(default)
        assert re.search(rf"`{spec_field.name}`.*{re.escape(shown)}", text), (
            f"docs/editions.md: demo.{spec_field.name} should show its default {shown}"
        )


# --------------------------------------------------------------------------- links


MARKDOWN_FILES = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *DOCS.rglob("*.md")])


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
        if re.match(r"^[a-z]+:", target):
            continue  # http:, https:, mailto:
        assert (path.parent / target).exists(), f"{path.name}: broken link to {target}"

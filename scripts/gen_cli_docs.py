"""Build docs/cli.md, the command reference, with real output.

Run it from the virtualenv that has guanxi installed:

    python scripts/gen_cli_docs.py docs/cli.md

The template, scripts/cli_docs_template.md, is the page's Markdown with two placeholders:

* ``<<usage: guanxi PATH>>`` becomes the command's usage line and its options, from click;
* a ```` ```run ```` block of ``$ COMMAND`` lines becomes a ```` ```text ```` block with each
  command and what it printed (stdout and stderr), run for real with bash, one after the
  other, in a temporary folder: ``guanxi -C demo init --demo`` makes the demo project that
  the later commands use, and the example files below are written there first.

So that the page does not change for nothing on every run:

* the temporary folder's path is written as ``.``;
* wall-clock times (anything dated within a day of today: the time a task was done, an
  audit entry written, …) may differ from the page being replaced; a block whose output
  differs from the page's only in such times keeps the page's text.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from guanxi.cli import cli

TEMPLATE = Path(__file__).resolve().with_name("cli_docs_template.md")
PLACEHOLDER = re.compile(r"```run\n(.*?)```|<<usage: ([^>]+)>>", re.DOTALL)
TEXT_BLOCK = re.compile(r"^```text\n(.*?)^```$", re.DOTALL | re.MULTILINE)
# A date, optionally with a time, seconds, fraction and zone (2026-11-22, 2026-11-22 23:43,
# 2026-11-22T15:43:05.123+00:00); or a time with a fraction of seconds alone, the rest of
# a recorded timestamp that a table cell wrapped (15:43:05.123+00:00).
TIMESTAMP = re.compile(
    r"(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[+-]\d{2}:\d{2}|Z)?)?"
    r"|\b\d{2}:\d{2}:\d{2}\.\d+(?:[+-]\d{2}:\d{2}|Z)?"
)

# Options whose click help is empty (or only "[default: …]").
FALLBACK_HELP = {
    "--gender": "Gender, as recorded.",
    "--occupation": "Occupation.",
    "--preferred-channel": "Preferred channel: one of the core.channels setting.",
    "--limit": "At most this many rows.",
    "--role": "Only customers holding this role.",
    "--stage": "Lifecycle stage (one of the core.lifecycle_stages setting).",
    "--tag": "Only customers with this tag.",
    "--name": "The new name.",
    "--add-tag": "Add a tag (repeatable).",
    "--remove-tag": "Remove a tag (repeatable).",
    "--add-email": "Add an email address (repeatable).",
    "--add-phone": "Add a phone number (repeatable).",
    "--add-identity": "Add an external identity SOURCE:ID (repeatable).",
    "--owner": "Owner: staff username.",
    "--org": "Organisation id.",
    "--birth-date": "YYYY-MM-DD.",
    "--care-notes": "Care notes (关怀).",
    "--channel": "Channel (one of the core.channels setting; default: the kind's, else other).",
    "--direction": "inbound, outbound or internal.",
    "--subject": "A short subject line.",
    "--revenue": "Revenue amount, at most two decimals (negative only with --corrects).",
    "--cost": "Cost to serve, at most two decimals.",
    "--currency": "Three-letter currency code (default: the core.currency setting).",
    "--email": "Email address.",
    "--phone": "Phone number.",
    "--priority": "Priority.",
    "--notes": "Notes.",
    "--outcome": "What came of it.",
    "--customer": "Only this customer (a reference).",
    "--assignee": "Staff username.",
    "--status": "Only tasks with this status.",
    "--description": "A description.",
    "--reason": "Why (kept with the hold).",
}

# Files the examples read, written to the work folder before the first command runs.
EXAMPLE_FILES = {
    "customers.csv": "姓名,手机,邮箱,dealer_id,stage,value_segment\n"
    "周杰,139 1234 5678,zhou.jie@example.cn,D-2001,lead,vip\n"
    "吴敏,12345,wu.min@example.cn,D-2002,customer,regular\n"
    "郑华,+86 186 0000 1111,,D-2003,prospect,key\n",
    "visits.csv": "customer,kind,channel,occurred_at,revenue,subject\n"
    "dealerA:D-2001,core.purchase,pos,2026/10/28 14:30,1999.00,年度服务\n"
    "dealerA:D-2001,core.contact,phone,2026-10-29 09:00,,回访\n"
    "dealerA:D-9999,core.contact,phone,2026-10-29 09:10,,回访\n",
    "repairs.csv": "customer,channel,occurred_at,subject,payload.summary\n"
    "dealerA:D-2001,,2026-10-30 10:00,保养,更换机油\n"
    "dealerA:D-2001,phone,2026-10-30 16:00,保养回访,\n",
}


def guanxi_executable() -> str:
    """The ``guanxi`` script of this interpreter's environment, else the one on PATH."""
    beside = Path(sys.executable).with_name("guanxi")
    found = str(beside) if beside.exists() else shutil.which("guanxi")
    if found is None:
        sys.exit("error: no guanxi executable next to this python or on PATH")
    return found


def describe(path: str) -> str:
    """The usage line and options of the command ``path`` ("guanxi customer add")."""
    ctx = click.Context(cli, info_name="guanxi")
    command: click.Command = cli
    for name in path.split()[1:]:
        assert isinstance(command, click.Group)
        command = command.commands[name]
        ctx = click.Context(command, info_name=name, parent=ctx)
    parts = [f"```text\n{path} {' '.join(command.collect_usage_pieces(ctx))}\n```"]
    options = []
    for param in command.params:
        if not isinstance(param, click.Option) or "--help" in param.opts:
            continue
        record = param.get_help_record(ctx)
        if record is None:
            continue
        spelled, help_text = record
        if not help_text.strip() or help_text.strip().startswith("["):
            fallback = FALLBACK_HELP.get(max(param.opts, key=len), "")
            help_text = f"{fallback} {help_text}".strip()
        options.append(f"- `{spelled}` — {help_text}")
    if options:
        parts.append("\n".join(options))
    return "\n\n".join(parts)


class Runner:
    """Runs example commands in a work folder; reuses the old page's text where it may."""

    def __init__(self, work: Path, old_page: str):
        self.work = work
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GUANXI_")}
        bin_dir = str(Path(guanxi_executable()).parent)
        self.env["PATH"] = bin_dir + os.pathsep + self.env.get("PATH", "")
        # The old page's output blocks by their commands, in page order.
        self.old: dict[tuple[str, ...], list[str]] = {}
        for body in TEXT_BLOCK.findall(old_page):
            self.old.setdefault(self.commands_of(body), []).append(body)

    @staticmethod
    def commands_of(body: str) -> tuple[str, ...]:
        """The ``$ `` lines of a block."""
        return tuple(line for line in body.splitlines() if line.startswith("$ "))

    def run(self, command: str) -> str:
        """What ``command`` printed, with the work folder's path written as ``.``."""
        proc = subprocess.run(
            ["bash", "-c", command],
            cwd=self.work,
            env=self.env,
            text=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        text = proc.stdout.rstrip("\n")
        for folder in {str(self.work.resolve()), str(self.work)}:
            text = text.replace(folder + "/", "").replace(folder, ".")
        return text

    def block(self, commands: list[str]) -> str:
        """A ```text block of the commands and their output."""
        lines = []
        for command in commands:
            lines.append(f"$ {command}")
            output = self.run(command)
            if output:
                lines.append(output)
        body = "\n".join(lines) + "\n"
        olds = self.old.get(self.commands_of(body), [])
        old = olds.pop(0) if olds else None
        if old is not None and same_but_for_the_clock(body, old):
            body = old
        return f"```text\n{body}```"


def same_but_for_the_clock(new: str, old: str) -> bool:
    """Whether ``old`` equals ``new`` except, maybe, where ``new`` shows today's times."""
    today = dt.date.today()
    pattern = []
    pos = 0
    for match in TIMESTAMP.finditer(new):
        if match.group(1):
            try:
                date = dt.date.fromisoformat(match.group(1))
            except ValueError:
                continue
            if abs((date - today).days) > 1:
                continue  # a fixed date of the demo data or an example, not the clock
        pattern.append(re.escape(new[pos : match.start()]))
        pattern.append(re.sub(r"\d", r"\\d", re.escape(match.group())))
        pos = match.end()
    pattern.append(re.escape(new[pos:]))
    return re.fullmatch("".join(pattern), old) is not None


def main() -> None:
    """Write the page named on the command line."""
    if len(sys.argv) != 2:
        sys.exit("usage: python scripts/gen_cli_docs.py docs/cli.md")
    out = Path(sys.argv[1])
    old_page = out.read_text(encoding="utf-8") if out.exists() else ""
    template = TEMPLATE.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="guanxi-cli-docs-") as folder:
        work = Path(folder)
        for name, text in EXAMPLE_FILES.items():
            (work / name).write_text(text, encoding="utf-8")
        runner = Runner(work, old_page)

        def fill(match: re.Match[str]) -> str:
            if match.group(2):
                return describe(match.group(2).strip())
            commands = [line[2:] for line in match.group(1).splitlines() if line.startswith("$ ")]
            return runner.block(commands)

        page = PLACEHOLDER.sub(fill, template)
    out.write_text(page, encoding="utf-8")


if __name__ == "__main__":
    main()

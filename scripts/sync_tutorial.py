"""Keep the code blocks of docs/writing-plugins.md equal to the files they come from.

A block is included from a file by the HTML comment on the line before its fence::

    <!-- include: examples/nps/guanxi_nps/plugin.py#kinds -->
    ```python
    ...
    ```

``#kinds`` names the region between the lines ``# [tutorial: kinds]`` and
``# [/tutorial: kinds]`` of the file (the marker lines themselves are left out); without
``#region`` the block is the whole file. Paths are relative to the repository.

    python scripts/sync_tutorial.py           # rewrite the blocks from the files
    python scripts/sync_tutorial.py --check   # exit 1 naming each block that differs
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "writing-plugins.md"
INCLUDE = re.compile(
    r"^<!-- include: (?P<path>[^#\s]+)(?:#(?P<region>[\w-]+))? -->\n"
    r"(?P<fence>```+)(?P<lang>[\w-]*)\n(?P<body>.*?)^(?P=fence)$",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Block:
    """One included code block of the document."""

    path: str
    region: str | None
    body: str
    line: int

    @property
    def label(self) -> str:
        """``path#region`` as the include comment writes it."""
        return f"{self.path}#{self.region}" if self.region else self.path


def blocks(text: str) -> list[Block]:
    """Every included block of ``text``, in order."""
    return [
        Block(m["path"], m["region"], m["body"], text.count("\n", 0, m.start()) + 1)
        for m in INCLUDE.finditer(text)
    ]


def region(path: str, name: str | None, root: Path = ROOT) -> str:
    """The text of region ``name`` of the file ``path`` (the whole file if ``name`` is None)."""
    text = (root / path).read_text(encoding="utf-8")
    if name is None:
        return text
    start, end = f"# [tutorial: {name}]\n", f"# [/tutorial: {name}]\n"
    if text.count(start) != 1 or text.count(end) != 1:
        raise ValueError(f"{path}: region {name!r} must be marked exactly once")
    return text[text.index(start) + len(start) : text.index(end)]


def synced(text: str, root: Path = ROOT) -> str:
    """``text`` with every included block replaced by its region."""

    def replace(m: re.Match[str]) -> str:
        body = region(m["path"], m["region"], root)
        if not body.endswith("\n"):
            body += "\n"
        return m[0][: m.start("body") - m.start()] + body + m["fence"]

    return INCLUDE.sub(replace, text)


def stale(text: str, root: Path = ROOT) -> list[str]:
    """The labels of the blocks of ``text`` that differ from their files."""
    pairs = zip(blocks(text), blocks(synced(text, root)), strict=True)
    return [old.label for old, new in pairs if old.body != new.body]


def main(argv: list[str]) -> int:
    """Rewrite the document, or with ``--check`` report the blocks that differ."""
    text = DOC.read_text(encoding="utf-8")
    if "--check" in argv:
        labels = stale(text)
        for label in labels:
            print(f"{DOC.relative_to(ROOT)}: the block from {label} differs from the file")
        return 1 if labels else 0
    new = synced(text)
    if new != text:
        DOC.write_text(new, encoding="utf-8")
        print(f"rewrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

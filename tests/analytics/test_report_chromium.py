"""The HTML report opens in headless Chromium without errors (issue 7).

The report carries a small self-check (see ``analytics/report.html``): on load it sets
``<body data-ready="ok">`` when no script error happened and every ``<svg>`` has a
size, and lists what went wrong in ``data-errors`` otherwise. Chromium's ``--dump-dom``
prints the DOM after load, so the test reads the verdict from there, and the browser's
own log (stderr) must hold no console message.

Skipped when no Chromium is installed, except in CI (``CI`` set), where it must be.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from guanxi.app import App
from guanxi_analytics.common import Period
from guanxi_analytics.report.service import render_report
from tests.analytics.report_support import every_kind, serve

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail(f"no Chromium on PATH (looked for {', '.join(BROWSERS)}); CI installs it")
    pytest.skip("no Chromium on PATH")


def open_in_chromium(page: Path, profile: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    """Load ``page`` headless; the process and the DOM after load."""
    done = subprocess.run(
        [find_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", f"--user-data-dir={profile}", "--window-size=1024,2000",
         "--dump-dom", "--enable-logging=stderr", "--v=0", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=60, check=False)
    return done, done.stdout


def console_lines(stderr: str) -> list[str]:
    """The page's console messages and uncaught errors in Chromium's log."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def report_file(app: App, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    serve(monkeypatch, every_kind())
    with app.transaction(now=dt.datetime(2026, 3, 15, 4, tzinfo=dt.UTC)) as uow:
        html = render_report(uow, Period(dt.date(2026, 1, 1), dt.date(2026, 4, 1))).html
    page = tmp_path / "报告 report.html"  # a space and Chinese in the path, as people name files
    page.write_text(html, encoding="utf-8")
    return page


def test_the_report_opens_in_headless_chromium_without_errors(
    analytics_app: App, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    page = report_file(analytics_app, monkeypatch, tmp_path)
    done, dom = open_in_chromium(page, tmp_path / "profile")
    assert done.returncode == 0, done.stderr[-2000:]
    assert console_lines(done.stderr) == []
    body = re.search(r"<body([^>]*)>", dom)
    assert body is not None, dom[:500]
    assert 'data-ready="ok"' in body.group(1), body.group(1)
    assert 'data-charts="6"' in body.group(1) and 'data-errors=""' in body.group(1)
    # Every section made it into the page the browser built, charts as SVG.
    for key in ("value.tiers", "value.mix", "churn.trend", "churn.cohorts", "pipeline.funnel",
                "value.quadrants", "loyalty.nps"):
        assert f'data-key="{key}"' in dom
    assert dom.count("<svg") == 6 and "留存矩阵" in dom
    # The hostile label is text in the DOM, not an element.
    assert "&lt;script&gt;alert" in dom


def test_the_check_catches_a_broken_page(analytics_app: App, monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    """The same check on a page with a failing script and a chart without a size fails,
    so the test above can fail too."""
    page = report_file(analytics_app, monkeypatch, tmp_path)
    html = page.read_text(encoding="utf-8").replace(
        "</main>", '<svg width="0" height="0"></svg><script>notDefined();</script></main>')
    page.write_text(html, encoding="utf-8")
    done, dom = open_in_chromium(page, tmp_path / "profile")
    assert any("Uncaught ReferenceError: notDefined" in line
               for line in console_lines(done.stderr))
    body = re.search(r"<body([^>]*)>", dom)
    assert body is not None and 'data-ready="failed"' in body.group(1)
    assert "notDefined is not defined" in body.group(1)
    assert "1 chart(s) without a size" in body.group(1)


def test_the_real_report_over_a_small_log_opens_without_errors(
    analytics_app: App, tmp_path: Path
) -> None:
    """Every area's real sections, analytics alone, over a few customers' purchases:
    sections with data draw, the others say what is missing, and the browser is happy."""
    import xml.etree.ElementTree as ET
    from decimal import Decimal

    from guanxi.services.customers import add_customer
    from guanxi.services.interactions import log_interactions

    start = dt.datetime(2026, 1, 5, 2, tzinfo=dt.UTC)
    later = dt.datetime(2026, 9, 1, 2, tzinfo=dt.UTC)
    with analytics_app.transaction(now=later) as uow:
        ids = [add_customer(uow, name=name).id for name in ("张三", "李四", "<b>王五</b>")]
        log_interactions(uow, [
            {"customer_id": ids[k % 3], "kind": "core.purchase",
             "revenue": Decimal(100 + 37 * k), "occurred_at": start + dt.timedelta(days=9 * k)}
            for k in range(24)])
    with analytics_app.transaction(now=later) as uow:
        report = render_report(uow, Period(dt.date(2026, 1, 1), dt.date(2026, 9, 1)))
    assert report.sections, "no area gave a section"
    for svg in re.findall(r"<svg .*?</svg>", report.html, re.S):
        ET.fromstring(svg)
    assert not re.search(r"\bnan\b", report.html, re.I) and "<b>王五</b>" not in report.html
    page = tmp_path / "real.html"
    page.write_text(report.html, encoding="utf-8")
    done, dom = open_in_chromium(page, tmp_path / "profile")
    assert done.returncode == 0 and console_lines(done.stderr) == []
    body = re.search(r"<body([^>]*)>", dom)
    assert body is not None and 'data-ready="ok"' in body.group(1), body
    assert dom.count('<section class="section"') == len(report.sections)

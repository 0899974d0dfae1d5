"""CLV benchmark: BG/NBD + Gamma-Gamma fitted on the CDNOW sample, beside ``lifetimes``.

The CDNOW sample (2,357 customers, 6,919 transactions, read from the installed
``lifetimes`` package) is imported as ``core.purchase`` interactions into a SQLite
database made by our migrations, summarised from the log the way the clv area does it
(one SQL ``GROUP BY customer, local day``, then numpy: calibration end 1997-09-30, weeks),
and then, on that same summary:

* **ours** — :func:`guanxi_analytics.clv.service.fit_summary`: BG/NBD over the 2,357
  customers (identical (x, t_x, T) grouped) and Gamma-Gamma over the 946 repeat buyers,
  BFGS with analytic gradients (target < 0.5 s);
* **lifetimes** — ``BetaGeoFitter().fit(x, t_x, T)`` + ``GammaGammaFitter().fit(x, m̄)``
  on the same arrays (its defaults).

The two alternate (after a warm-up run each), median of ``--runs``; the parameters of
both are printed so the figures are of the same fit. Also timed, once each: the summary
from the log, and :func:`~guanxi_analytics.clv.service.fit_models` end to end (summary,
fits, holdout check, 2,357 customers scored and stored).

    python benchmarks/bench_analytics_clv.py
    python benchmarks/bench_analytics_clv.py --runs 21
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.resources
import platform
import sys
import tempfile
import time
import warnings
from decimal import Decimal
from pathlib import Path

import benchkit
import numpy as np

from guanxi.db.migrate import upgrade
from guanxi.services.customers import add_customers
from guanxi.services.interactions import log_interactions
from guanxi_analytics.clv.service import clv_settings, fit_models, fit_summary
from guanxi_analytics.clv.summary import purchase_days, summarise

CALIBRATION_END = dt.date(1997, 9, 30)
OBSERVATION_END = dt.date(1998, 6, 30)


def load(app: benchkit.App) -> None:
    """The CDNOW sample as customers and purchases at local noon."""
    path = importlib.resources.files("lifetimes") / "datasets" / "CDNOW_sample.txt"
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    with app.transaction() as uow:
        names = sorted({row[0] for row in rows})
        made = add_customers(uow, [{"name": f"CDNOW {name}"} for name in names])
        ids = {name: record.id for name, record in zip(names, made, strict=True)}
        log_interactions(uow, [
            {"customer_id": ids[customer], "kind": "core.purchase", "revenue": Decimal(value),
             "occurred_at": dt.datetime.combine(dt.datetime.strptime(day, "%Y%m%d").date(),
                                                dt.time(12), tzinfo=app.tz)}
            for customer, _, day, _, value in rows])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=11, help="timed runs of each (median)")
    options = parser.parse_args()
    warnings.filterwarnings("ignore")  # lifetimes on pandas 3 warns at import
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    with tempfile.TemporaryDirectory() as folder:
        app = benchkit.open_app(Path(folder), Path(folder) / "clv.db", ["analytics"])
        upgrade(app)
        load(app)
        with app.transaction() as uow:
            started = time.perf_counter()
            days = purchase_days(uow, ["core.purchase"], OBSERVATION_END, app.tz)
            summary = summarise(days, CALIBRATION_END, 7.0)
            summary_seconds = time.perf_counter() - started
            settings = clv_settings(uow)
        x, t_x, T, m = summary.x, summary.t_x, summary.T, summary.m
        repeat = x > 0

        def ours() -> tuple:
            return fit_summary(summary, settings)

        def theirs() -> tuple:
            bg = BetaGeoFitter().fit(x, t_x, T)
            gg = GammaGammaFitter().fit(x[repeat], m[repeat])
            return bg.params_, gg.params_

        ours_s, theirs_s, (bg, gg), (lbg, lgg) = benchkit.alternate(ours, theirs,
                                                                     options.runs)
        end_to_end = []
        for _ in range(3):
            with app.transaction() as uow:
                started = time.perf_counter()
                fit_models(uow, calibration_end=CALIBRATION_END,
                           observation_end=OBSERVATION_END)
                end_to_end.append(time.perf_counter() - started)
        app.close()

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, "
          f"{platform.machine()}, {options.runs} runs each (median)")
    print(f"CDNOW summary: {len(summary)} customers, {int(repeat.sum())} repeat buyers, "
          f"{len(days)} purchase days; from the log in {summary_seconds:.3f} s")
    print(f"ours      BG/NBD r={bg.r:.4f} α={bg.alpha:.4f} a={bg.a:.4f} b={bg.b:.4f}; "
          f"Gamma-Gamma p={gg.p:.4f} q={gg.q:.4f} γ={gg.gamma:.4f}")
    print(f"lifetimes BG/NBD r={lbg['r']:.4f} α={lbg['alpha']:.4f} a={lbg['a']:.4f} "
          f"b={lbg['b']:.4f}; Gamma-Gamma p={lgg['p']:.4f} q={lgg['q']:.4f} "
          f"γ={lgg['v']:.4f}")
    print(f"fit BG/NBD + Gamma-Gamma: ours {ours_s:.3f} s, lifetimes {theirs_s:.3f} s, "
          f"ratio {ours_s / theirs_s:.2f} (target: ours < 0.5 s)")
    print(f"fit_models end to end (summary, fits, holdout, 2,357 rows stored): "
          f"{sorted(end_to_end)[1]:.3f} s (median of 3)")


if __name__ == "__main__":
    main()

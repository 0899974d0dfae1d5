"""``guanxi analytics kpis campaigns|attribution|service|sla``."""

from __future__ import annotations

import datetime as dt

import click

from guanxi.cli import CliState, pass_state
from guanxi.cli.output import csv_option, json_option
from guanxi_analytics.common import period_options, resolve_period
from guanxi_analytics.kpis.campaigns import MODELS
from guanxi_analytics.pipeline.cli import pct, show

NO_CAMPAIGNS = ("no data: no campaign entries ({kinds}) in {period} — is the marketing "
                "plugin enabled, or do [analytics.kpis] kinds name yours?")
NO_TICKETS = ("no data: no ticket resolutions ({kinds}) in {period} — is the service plugin "
              "enabled, or do [analytics.kpis] kinds name yours?")


@click.group()
def kpis() -> None:
    """Campaign and service KPIs: ROI and attribution, SLA, on-time repairs, complaints."""


@kpis.command("campaigns")
@period_options
@json_option
@csv_option
@pass_state
def campaigns_command(state: CliState, start: dt.date | None, last: dt.date | None,
                      as_json: bool, as_csv: bool) -> None:
    """Members, response and conversion rates, cost, attributed revenue and ROI."""
    from guanxi_analytics.kpis.campaigns import campaign_kpis, kpis_settings

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        rows = campaign_kpis(uow, period)
        s = kpis_settings(uow)
    plain = as_json or as_csv
    model = s.roi_model
    show(rows, [
        ("campaign_id", lambda r: r.campaign_id), ("campaign", lambda r: r.campaign),
        ("members", lambda r: r.members), ("responded", lambda r: r.responded),
        ("converted", lambda r: r.converted),
        ("response_rate", lambda r: r.response_rate if plain else pct(r.response_rate)),
        ("conversion_rate", lambda r: r.conversion_rate if plain else pct(r.conversion_rate)),
        ("cost", lambda r: r.cost), (f"attributed_{model}", lambda r: r.attributed[model]),
        ("roi", lambda r: r.roi if plain else pct(r.roi)),
    ], as_json=as_json, as_csv=as_csv, title=f"campaigns ({model} attribution)",
        empty=NO_CAMPAIGNS.format(kinds=f"{s.sent_kind}, {s.responded_kind}, "
                                  f"{s.converted_kind}", period=period.label()))


@kpis.command("attribution")
@period_options
@click.option("--window", type=int, default=None,
              help="Days a touch counts for (default: the settings').")
@json_option
@csv_option
@pass_state
def attribution_command(state: CliState, start: dt.date | None, last: dt.date | None,
                        window: int | None, as_json: bool, as_csv: bool) -> None:
    """Revenue of the period's purchases credited to campaigns, by every model."""
    from guanxi_analytics.kpis.campaigns import attribute

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        credited = {model: attribute(uow, period, model, window) for model in MODELS}
    ids = sorted({cid for by_model in credited.values() for cid in by_model})
    rows = [{"campaign_id": cid, **{m: credited[m].get(cid) for m in MODELS}} for cid in ids]
    show(rows, [("campaign_id", lambda r: r["campaign_id"]),
                *[(m, lambda r, m=m: r[m]) for m in MODELS]],
         as_json=as_json, as_csv=as_csv, title="attributed revenue",
         empty=f"no data: no purchase in {period.label()} follows a campaign touch")


@kpis.command("service")
@period_options
@json_option
@csv_option
@pass_state
def service_command(state: CliState, start: dt.date | None, last: dt.date | None,
                    as_json: bool, as_csv: bool) -> None:
    """SLA compliance, on-time repairs, complaint resolution, first-contact resolution."""
    from guanxi_analytics.kpis.service import service_kpis

    with state.transaction() as uow:
        k = service_kpis(uow, resolve_period(uow, start, last))
    rows = [
        ("sla_compliance", k.sla_compliance, k.sla_met, k.sla_measured),
        ("repair_on_time", k.repair_on_time_rate, k.repairs_on_time, k.repairs_completed),
        ("complaint_resolution", k.complaint_resolution_rate, k.complaints_resolved,
         k.complaints_opened),
        ("complaint_satisfaction", k.complaint_satisfaction_rate, k.complaint_satisfied,
         k.complaint_surveys),
        ("first_contact_resolution", k.first_contact_resolution_rate,
         k.first_contact_resolved, k.resolved),
    ]
    plain = as_json or as_csv
    show(rows, [("indicator", lambda r: r[0]),
                ("rate", lambda r: r[1] if plain else (pct(r[1]) or "no data")),
                ("count", lambda r: r[2]), ("of", lambda r: r[3])],
         as_json=as_json, as_csv=as_csv, title=f"service KPIs {k.period}", empty="")


@kpis.command("sla")
@period_options
@json_option
@csv_option
@pass_state
def sla_command(state: CliState, start: dt.date | None, last: dt.date | None,
                as_json: bool, as_csv: bool) -> None:
    """SLA compliance of the period's resolutions by priority (elapsed hours)."""
    from guanxi_analytics.kpis.campaigns import kpis_settings
    from guanxi_analytics.kpis.service import sla_compliance

    with state.transaction() as uow:
        period = resolve_period(uow, start, last)
        rows = sla_compliance(uow, period)
        kinds = ", ".join(kpis_settings(uow).resolved_kinds)
    plain = as_json or as_csv
    show(rows, [
        ("priority", lambda r: r.priority), ("resolved", lambda r: r.resolved),
        ("target_hours", lambda r: r.target_hours), ("measured", lambda r: r.measured),
        ("met", lambda r: r.met),
        ("compliance", lambda r: r.compliance if plain else pct(r.compliance)),
        ("from_payload", lambda r: r.from_payload), ("mean_hours", lambda r: r.mean_hours),
    ], as_json=as_json, as_csv=as_csv, title="SLA compliance by priority",
        empty=NO_TICKETS.format(kinds=kinds, period=period.label()))

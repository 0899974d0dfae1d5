"""Settings of the report area (``[analytics.report]``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReportSettings(BaseModel):
    """How the HTML report is put together (every field has a default)."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(
        "", description="the report's heading (default: 客户分析报告 / Customer analytics "
                        "report, by the edition's language)")
    sections: list[str] = Field(
        default_factory=list,
        description="section keys or area names the report shows when --section is not "
                    "given (default: every section of every area)")
    max_table_rows: int = Field(
        200, ge=1, description="rows a section's table shows; the rest are counted")
    max_scatter_points: int = Field(
        5000, ge=10, description="points a scatter chart draws; more are thinned evenly")
    template: str = Field(
        "analytics/report.html", description="the Jinja2 template the report is rendered "
                                             "with (an edition may ship its own)")

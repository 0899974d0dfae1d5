"""The interaction kinds of the construction edition: what a builder records that no
general plugin knows about (a tender notice, a signed contract, a site inspection)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TenderNoticePayload(BaseModel):
    """``construction.tender_notice``: tender information obtained (获取招标信息)."""

    model_config = ConfigDict(extra="forbid")
    tender_no: str = Field(min_length=1, max_length=60, description="招标编号")
    project: str = Field(min_length=1, max_length=200, description="项目名称")
    project_type: Literal["房建", "市政", "公路", "水利"]
    budget: str | None = Field(None, pattern=r"^\d+(\.\d{1,2})?$", description="招标控制价（元）")
    deadline: dt.date | None = Field(None, description="投标截止日")
    platform: str | None = Field(None, max_length=120, description="公共资源交易平台")
    qualification: list[str] = Field(default_factory=list, description="资质要求")
    opportunity_id: int | None = None


class ContractSignedPayload(BaseModel):
    """``construction.contract_signed``: the project was awarded and the contract signed;
    the interaction's revenue is the contract value."""

    model_config = ConfigDict(extra="forbid")
    opportunity_id: int
    project: str
    contract_value: str
    project_type: str | None = None


class SiteInspectionPayload(BaseModel):
    """``construction.site_inspection``: a quality or safety inspection of a project site
    (质量安全检查), shared with the owner."""

    model_config = ConfigDict(extra="forbid")
    opportunity_id: int | None = None
    area: Literal["quality", "safety", "schedule"]
    result: Literal["pass", "rectify", "stop_work"]
    issues: int = Field(0, ge=0, le=1000, description="问题数")
    rectify_by: dt.date | None = None


KINDS = {
    "construction.tender_notice": (
        TenderNoticePayload,
        "tender_platform",
        "tender information obtained",
    ),
    "construction.contract_signed": (
        ContractSignedPayload,
        "meeting",
        "a project's contract was signed",
    ),
    "construction.site_inspection": (
        SiteInspectionPayload,
        "site",
        "a quality or safety inspection",
    ),
}

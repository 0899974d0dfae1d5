"""The sales plugin's HTTP side: its JSON API under ``/api/sales`` and its console pages
(the pipeline board, the opportunity page). Imported only by the web application, from
the ``register_routes`` hook (docs/plugins/sales.md, "HTTP API and console")."""

from __future__ import annotations

from collections.abc import Callable

from guanxi.web import NavItem
from guanxi_sales.web import api, console

MESSAGES = {
    "zh": {
        "sales.pipeline": "销售漏斗",
        "sales.pipeline_name": "销售流程",
        "sales.scope": "范围",
        "sales.scope.all": "全部",
        "sales.scope.mine": "我的",
        "sales.scope.team": "我的团队",
        "sales.filter": "筛选",
        "sales.cards": "{n} 个机会",
        "sales.more_cards": "另有 {n} 个未显示",
        "sales.empty": "暂无机会",
        "sales.move": "移动",
        "sales.move_to": "移到阶段",
        "sales.lose": "标记为输单",
        "sales.reason": "输单原因",
        "sales.contact": "联系人",
        "sales.status": "状态",
        "sales.status.open": "进行中",
        "sales.status.won": "赢单",
        "sales.status.lost": "输单",
        "sales.amount": "金额",
        "sales.probability": "赢率",
        "sales.close": "预计成交日期",
        "sales.owner": "负责人",
        "sales.source": "来源",
        "sales.approach": "方法",
        "sales.competitors": "竞争对手",
        "sales.history": "阶段历史",
        "sales.when": "时间",
        "sales.from": "从",
        "sales.to": "到",
        "sales.by": "操作人",
        "sales.days": "天数",
        "sales.stage.qualification": "资格审查",
        "sales.stage.needs_analysis": "需求分析",
        "sales.stage.proposal": "方案报价",
        "sales.stage.negotiation": "商务谈判",
        "sales.stage.won": "赢单",
        "sales.stage.lost": "输单",
    },
    "en": {
        "sales.pipeline": "Pipeline",
        "sales.pipeline_name": "Pipeline",
        "sales.scope": "Show",
        "sales.scope.all": "All",
        "sales.scope.mine": "Mine",
        "sales.scope.team": "My team",
        "sales.filter": "Filter",
        "sales.cards": "{n} open",
        "sales.more_cards": "{n} more not shown",
        "sales.empty": "No opportunities",
        "sales.move": "Move",
        "sales.move_to": "Move to stage",
        "sales.lose": "Mark lost",
        "sales.reason": "Lost reason",
        "sales.contact": "Contact",
        "sales.status": "Status",
        "sales.status.open": "Open",
        "sales.status.won": "Won",
        "sales.status.lost": "Lost",
        "sales.amount": "Amount",
        "sales.probability": "Probability",
        "sales.close": "Expected close",
        "sales.owner": "Owner",
        "sales.source": "Source",
        "sales.approach": "Approach",
        "sales.competitors": "Competitors",
        "sales.history": "Stage history",
        "sales.when": "When",
        "sales.from": "From",
        "sales.to": "To",
        "sales.by": "By",
        "sales.days": "Days",
        "sales.stage.qualification": "Qualification",
        "sales.stage.needs_analysis": "Needs analysis",
        "sales.stage.proposal": "Proposal",
        "sales.stage.negotiation": "Negotiation",
        "sales.stage.won": "Won",
        "sales.stage.lost": "Lost",
    },
}

NAV = (NavItem("sales.pipeline", "/sales/pipeline", permission="sales.opportunity:read",
               order=40),)


def register(register_router: Callable[..., None]) -> None:
    """Hand the API router, the console router, the menu entry and the strings to the
    web application (called from the plugin's ``register_routes`` hook)."""
    register_router(api.router)
    register_router(console.router, console=True, nav=NAV, messages=MESSAGES)

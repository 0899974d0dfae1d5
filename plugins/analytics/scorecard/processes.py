"""The BSC CRM strategy model's fixed parts: perspectives, key processes, disciplines.

All from the paper in REQUIREMENTS §5.8 and the exact mapping of §7.4.6: a firm picks one
value discipline (Treacy & Wiersema) and the discipline decides which of the four key
processes of the customer-relationship value chain the process perspective emphasises.
"""

from __future__ import annotations

# The four perspectives in cause-and-effect order [S003:67–71]: each one drives the next.
PERSPECTIVE_LABELS = {
    "learning": "学习与成长 learning and growth",
    "process": "流程 internal process",
    "customer": "客户 customer",
    "financial": "财务 financial",
}

# Why each perspective drives the next one, the links of the CRM strategy map
# (CRM战略描述图) [S003:56–71].
CHAIN_LINKS = {
    "learning": "customer knowledge, data and a CRM climate let staff run the key processes "
                "well",
    "process": "selection, acquisition, retention and development deliver the value "
               "proposition to the customer",
    "customer": "retained, satisfied customers buy more and cost less to serve (growth and "
                "productivity)",
}

PROCESS_LABELS = {
    "selection": "客户选择 customer selection",
    "acquisition": "客户获取 customer acquisition",
    "retention": "客户保持 customer retention",
    "development": "客户发展 customer development",
}

# Sub-processes of each key process [S003:38–45] (REQUIREMENTS §7.4.6).
SUBPROCESSES: dict[str, tuple[str, ...]] = {
    "selection": ("profitability_analysis", "segmentation", "target_choice"),
    "acquisition": ("needs_analysis", "lead_management", "value_proposition"),
    "retention": ("order_management", "request_handling", "loyalty_programme"),
    "development": ("business_analysis", "customer_network", "campaign_management",
                    "up_cross_selling"),
}

SUBPROCESS_LABELS = {
    "profitability_analysis": "客户利润性分析 profitability analysis",
    "segmentation": "客户分割 segmentation",
    "target_choice": "目标客户选择 target-customer choice",
    "needs_analysis": "需求分析与评价 needs analysis and evaluation",
    "lead_management": "引导管理 lead management",
    "value_proposition": "价值主张生成 value-proposition generation",
    "order_management": "订单管理 order management",
    "request_handling": "需求处理 request handling",
    "loyalty_programme": "客户忠诚项目管理 loyalty-programme management",
    "business_analysis": "客户业务分析 customer business analysis",
    "customer_network": "客户网络建设 customer network building",
    "campaign_management": "营销活动管理 campaign management",
    "up_cross_selling": "向上与交叉销售 up-selling and cross-selling",
}

# Value discipline → the key processes it emphasises [S003:47–55] (§7.4.6, exact).
DISCIPLINE_PROCESSES: dict[str, tuple[str, ...]] = {
    "product_leadership": ("selection", "acquisition"),
    "customer_intimacy": ("acquisition", "retention", "development"),
    "operational_excellence": ("acquisition", "retention"),
}

DISCIPLINE_LABELS = {
    "product_leadership": "产品领先 product leadership",
    "customer_intimacy": "客户亲密 customer intimacy",
    "operational_excellence": "运营卓越 operational excellence",
}

SEVEN_P_LABELS = {
    "profiling": "Profiling 客户概况分析",
    "persistency": "Persistency 客户忠诚度分析",
    "profitability": "Profitability 客户利润分析",
    "performance": "Performance 客户性能分析",
    "prospecting": "Prospecting 客户未来分析",
    "product": "Product 客户产品分析",
    "promotion": "Promotion 客户促销分析",
}


def key_processes(discipline: str) -> tuple[str, ...]:
    """The key processes ``discipline`` emphasises, in value-chain order."""
    return DISCIPLINE_PROCESSES[discipline]

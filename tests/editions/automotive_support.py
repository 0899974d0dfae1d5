"""The four source files of the automotive story (REQUIREMENTS §1.3), as each system
exports them: dealer A's DMS sales (CSV in GB18030, as Chinese DMSs write it), dealer
B's repair orders (CSV), the 800 centre's call log (Excel) and the website's
registrations (CSV). Each names the owner under its own number and writes his phone
its own way; only the id card (dealer A) and the mobile number tie them together.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

VIN = "LB37624S8RX000815"  # 王建国's 星越L, sold by A, repaired by B
OTHER_VIN_A = "LB37624S1RX000921"  # 李娜's car, dealer A only
OTHER_VIN_B = "LB3B15RA3NX004417"  # 王芳's car, serviced at B, sold elsewhere

DEALER_A = ("dealer_a", "上海浦东新世纪汽车销售服务有限公司")
DEALER_B = ("dealer_b", "苏州工业园区华骏汽车4S店")

SALES_A = [
    [
        "客户编号",
        "姓名",
        "手机",
        "身份证号",
        "车架号",
        "车型",
        "车牌号",
        "购车日期",
        "成交价",
        "销售单号",
        "业务类型",
        "经销商代码",
    ],
    [
        "C-1001",
        "王建国",
        "13912345678",
        "310101198003041234",
        VIN,
        "星越L 2.0T",
        "沪A·D12345",
        "2024-05-18",
        "172800",
        "A-S-2405-018",
        "automotive.vehicle_sale",
        "dealer_a",
    ],
    [
        "C-1002",
        "李娜",
        "13611112222",
        "310104199107150028",
        OTHER_VIN_A,
        "博越 1.5T",
        "沪B·66A21",
        "2025-10-01",
        "109800",
        "A-S-2510-001",
        "automotive.vehicle_sale",
        "dealer_a",
    ],
]
REPAIRS_B = [
    [
        "客户号",
        "客户姓名",
        "联系电话",
        "车架号",
        "工单号",
        "进厂时间",
        "里程",
        "维修类型",
        "故障描述",
        "结算金额",
        "业务类型",
        "经销商代码",
    ],
    [
        "B-77",
        "王建国",
        "139-1234-5678",
        VIN,
        "B-RO-250315",
        "2025-03-15 09:20",
        "12500",
        "维修",
        "空调不制冷",
        "860.00",
        "automotive.repair_order",
        "dealer_b",
    ],
    [
        "B-78",
        "王芳",
        "13655556666",
        OTHER_VIN_B,
        "B-RO-250402",
        "2025-04-02 10:00",
        "30210",
        "保养",
        "常规保养",
        "520.00",
        "automotive.repair_order",
        "dealer_b",
    ],
    [
        "B-77",
        "王建国",
        "139-1234-5678",
        VIN,
        "B-RO-250910",
        "2025-09-10 14:30",
        "20800",
        "保养",
        "常规保养",
        "480.00",
        "automotive.repair_order",
        "dealer_b",
    ],
]
CALLS_800 = [
    [
        "客户编号",
        "客户姓名",
        "来电号码",
        "呼叫流水号",
        "来电时间",
        "类型",
        "车架号",
        "摘要",
        "业务类型",
    ],
    [
        "CC-5501",
        "王建国",
        "+86 139 1234 5678",
        "CALL-20250602-0042",
        "2025-06-02 14:05",
        "投诉",
        VIN,
        "维修后空调再次不制冷",
        "automotive.call",
    ],
]
WEB = [
    ["用户ID", "登录名", "姓名", "手机", "邮箱", "注册时间", "车架号", "业务类型"],
    [
        "W-9001",
        "wangjg_2024",
        "王建国",
        "0086 13912345678",
        "wjg@example.cn",
        "2025-07-20 20:15",
        VIN,
        "automotive.web_registration",
    ],
    # Same surname, a similar given name, another phone: a different person.
    [
        "W-9002",
        "wjh88",
        "王建华",
        "13787654321",
        "wjh@example.cn",
        "2025-08-01 09:00",
        "",
        "automotive.web_registration",
    ],
]

# Column mappings: one import of each file as customers, one as interactions.
SALES_A_CUSTOMERS = {
    "客户编号": "identity",
    "姓名": "name",
    "手机": "phone",
    "身份证号": "custom.id_card",
    "车架号": "custom.vin",
    "车型": "custom.model",
    "车牌号": "custom.plate_no",
    "购车日期": "custom.purchase_date",
    "经销商代码": "custom.selling_dealer",
    "成交价": "",
    "销售单号": "",
    "业务类型": "",
}
SALES_A_INTERACTIONS = {
    "客户编号": "customer",
    "业务类型": "kind",
    "购车日期": "occurred_at",
    "成交价": "revenue",
    "车架号": "payload.vin",
    "车型": "payload.model",
    "销售单号": "payload.sale_no",
    "经销商代码": "payload.dealer",
    "姓名": "",
    "手机": "",
    "身份证号": "",
    "车牌号": "",
}
REPAIRS_B_CUSTOMERS = {
    "客户号": "identity",
    "客户姓名": "name",
    "联系电话": "phone",
    "车架号": "custom.vin",
    "里程": "custom.mileage",
    "工单号": "",
    "进厂时间": "",
    "维修类型": "",
    "故障描述": "",
    "结算金额": "",
    "业务类型": "",
    "经销商代码": "",
}
REPAIRS_B_INTERACTIONS = {
    "客户号": "customer",
    "业务类型": "kind",
    "进厂时间": "occurred_at",
    "结算金额": "revenue",
    "车架号": "payload.vin",
    "工单号": "payload.ro_number",
    "经销商代码": "payload.dealer",
    "维修类型": "payload.service_type",
    "里程": "payload.mileage",
    "故障描述": "payload.description",
    "客户姓名": "",
    "联系电话": "",
}
CALLS_CUSTOMERS = {
    "客户编号": "identity",
    "客户姓名": "name",
    "来电号码": "phone",
    "呼叫流水号": "",
    "来电时间": "",
    "类型": "",
    "车架号": "",
    "摘要": "",
    "业务类型": "",
}
CALLS_INTERACTIONS = {
    "客户编号": "customer",
    "业务类型": "kind",
    "来电时间": "occurred_at",
    "呼叫流水号": "payload.call_id",
    "类型": "payload.topic",
    "车架号": "payload.vin",
    "摘要": "payload.summary",
    "客户姓名": "",
    "来电号码": "",
}
WEB_CUSTOMERS = {
    "用户ID": "identity",
    "登录名": "",
    "姓名": "name",
    "手机": "phone",
    "邮箱": "email",
    "注册时间": "",
    "车架号": "",
    "业务类型": "",
}
WEB_INTERACTIONS = {
    "用户ID": "customer",
    "业务类型": "kind",
    "注册时间": "occurred_at",
    "登录名": "payload.account",
    "车架号": "payload.vin",
    "姓名": "",
    "手机": "",
    "邮箱": "",
}


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    """Write ``rows`` as a CSV file in ``encoding``."""
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    """Write ``rows`` to the first sheet of an Excel workbook."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def map_options(mapping: dict[str, str]) -> list[str]:
    """``--map COLUMN=FIELD`` options for a mapping."""
    return [
        option for column, field in mapping.items() for option in ("--map", f"{column}={field}")
    ]


def write_sources(folder: Path) -> dict[str, Path]:
    """The four exports in ``folder``."""
    return {
        "dealer_a": write_csv(folder / "dealer_a_sales.csv", SALES_A, encoding="gb18030"),
        "dealer_b": write_csv(folder / "dealer_b_repair_orders.csv", REPAIRS_B),
        "cc800": write_xlsx(folder / "cc800_calls.xlsx", CALLS_800),
        "web": write_csv(folder / "web_registrations.csv", WEB),
    }

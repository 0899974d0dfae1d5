"""The core console's strings in Chinese and English, by key.

Plugins add theirs through ``register_routes(..., messages=...)``; an edition's words
for "customer", "ticket", … come from its terminology (``term('customer')`` in a
template), so a hospital's console says 患者 where a bank's says 客户.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        "app.title": "关系 CRM",
        "nav.home": "工作台",
        "nav.customers": "客户",
        "nav.admin": "管理",
        "search.placeholder": "搜索姓名、电话、邮箱或编号",
        "search.button": "搜索",
        "login.title": "登录",
        "login.username": "用户名",
        "login.password": "密码",
        "login.submit": "登录",
        "login.failed": "用户名或密码不正确",
        "logout": "退出",
        "language": "语言",
        "home.title": "工作台",
        "home.greeting": "您好，{name}",
        "home.my_tasks": "我的待办",
        "home.no_tasks": "没有待办事项",
        "home.recent": "最近的接触",
        "error.title": "出错了",
        "error.back": "返回",
        "error.404": "找不到该页面或记录",
        "save": "保存",
        "cancel": "取消",
        "none": "无",
        "more": "更多",
        "next_page": "下一页",
    },
    "en": {
        "app.title": "guanxi CRM",
        "nav.home": "Home",
        "nav.customers": "Customers",
        "nav.admin": "Admin",
        "search.placeholder": "Search name, phone, email or id",
        "search.button": "Search",
        "login.title": "Sign in",
        "login.username": "Username",
        "login.password": "Password",
        "login.submit": "Sign in",
        "login.failed": "Wrong username or password",
        "logout": "Sign out",
        "language": "Language",
        "home.title": "Home",
        "home.greeting": "Hello, {name}",
        "home.my_tasks": "My tasks",
        "home.no_tasks": "Nothing to do",
        "home.recent": "Recent interactions",
        "error.title": "Something went wrong",
        "error.back": "Back",
        "error.404": "No such page or record",
        "save": "Save",
        "cancel": "Cancel",
        "none": "none",
        "more": "More",
        "next_page": "Next page",
    },
}


class Translator:
    """Messages of the core and the plugins; a missing key falls back to English, then
    to the key itself (visible, so a missing translation is noticed, not hidden)."""

    def __init__(self, extra: dict[str, dict[str, str]]):
        self.catalogs: dict[str, dict[str, str]] = {
            language: dict(strings) for language, strings in MESSAGES.items()
        }
        for language, strings in extra.items():
            self.catalogs.setdefault(language, {}).update(strings)

    def __call__(self, language: str, key: str, **values: Any) -> str:
        text = self.catalogs.get(language, {}).get(key)
        if text is None:
            text = self.catalogs["en"].get(key, key)
        return text.format(**values) if values else text

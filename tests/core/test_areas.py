"""A plugin made of areas: every area function is optional."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from pydantic import BaseModel

from guanxi import Plugin
from guanxi.app import App
from guanxi.areas import AreaPlugin

calls: list[str] = []


def _area(name: str, **functions: Callable[..., Any]) -> types.ModuleType:
    module = types.ModuleType(f"toy_areas.{name}")
    module.TABLES = ()  # type: ignore[attr-defined]
    for function, body in functions.items():
        setattr(module, function, body)
    return module


@pytest.fixture
def toy_package() -> Iterator[None]:
    """A package ``toy_areas`` with a full-ish area and one that has only ``TABLES``."""

    def report(uow: Any, **options: Any) -> dict[str, int]:
        return {"answer": 42}

    modules = {
        "toy_areas": types.ModuleType("toy_areas"),
        "toy_areas.reporting": _area(
            "reporting",
            register_reports=lambda register: register("toy.answer", report),
            personal_data=lambda uow, customer_id: {"toy": customer_id},
            interactions_logged=lambda uow, interactions: calls.append("logged"),
        ),
        "toy_areas.bare": _area("bare"),
    }
    sys.modules.update(modules)
    yield
    for name in modules:
        sys.modules.pop(name, None)
    calls.clear()


class ToySettings(BaseModel):
    pass


def test_an_area_may_leave_out_every_function_but_its_tables(
    toy_package: None, make_app: Callable[..., App], tmp_path: Path
) -> None:
    (tmp_path / "migrations").mkdir()  # no tables, no revisions
    hooks = AreaPlugin(
        Plugin(name="toy", version="1.0"), package="toy_areas",
        area_names=("reporting", "bare"), settings=ToySettings,
        group=click.Group("toy"), root=tmp_path,
    )
    app = make_app(plugins=[hooks], enable=["toy"])
    assert app.registry.reports["toy.answer"].func(None) == {"answer": 42}
    assert [f.__module__ for f in hooks.each("register_reports")] == [__name__]
    assert hooks.each("register_jobs") == []
    with app.transaction() as uow:
        assert hooks.personal_data(uow, 7) == {"toy": 7}
        hooks.interactions_logged(uow, [])
        hooks.erase_personal_data(uow, 7)  # nobody has it: nothing happens
    assert calls == ["logged"]

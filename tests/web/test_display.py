"""The console's template helpers (value, label, options) and the server's start-up."""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from decimal import Decimal

import anyio.to_thread
import pytest
from fastapi.testclient import TestClient

from guanxi.web import create_web_app
from guanxi.web.display import NOTHING, labeller, options_labeller, value_shower


@pytest.fixture
def guanxi_settings():
    return {"core": {"timezone": "Asia/Shanghai"}, "web": {"threads": 3}}


def test_value_escapes_and_formats_every_kind_of_value(guanxi_app):
    value = value_shower(guanxi_app)
    assert value(None) == NOTHING
    assert value("<b>&") == "&lt;b&gt;&amp;"
    assert value(Decimal("12.50")) == "12.50"
    assert value(dt.date(2026, 5, 1)) == "2026-05-01"
    # An aware time is shown in the application's zone (UTC+8 here), to the minute.
    assert value(dt.datetime(2026, 5, 1, 1, 30, tzinfo=dt.UTC)) == "2026-05-01 09:30"
    assert value({"a": "<x>", "b": 2}) == "a: &lt;x&gt;, b: 2"
    assert value(["<i>", "j"]) == "&lt;i&gt;, j"


def test_label_falls_back_to_the_key_and_options_pair_keys_with_labels():
    catalog = {"channel.phone": "电话"}
    label = labeller(lambda key: catalog.get(key, key))
    assert label("channel.", "phone") == "电话"
    assert label("channel.", "pigeon") == "pigeon"
    options = options_labeller(label)
    assert options("channel.", ["phone", "pigeon"]) == [("phone", "电话"), ("pigeon", "pigeon")]


def test_the_server_sizes_its_thread_pool_and_freezes_the_start_up_heap(guanxi_app):
    web = create_web_app(guanxi_app)
    templates = web.state.templates
    pages = templates.list_templates(filter_func=lambda name: name.endswith(".html"))
    assert "console/customer.html" in pages
    assert not any(templates.cache.get((weakref.ref(templates.loader), name)) for name in pages)
    try:
        with TestClient(web) as client:  # entering runs the lifespan, as a server does
            assert gc.get_freeze_count() > 0
            # Every console page was compiled before the freeze, not by its first request.
            compiled = [name for name in pages
                        if templates.cache.get((weakref.ref(templates.loader), name))]
            assert compiled == pages
            limit = client.portal.call(
                lambda: anyio.to_thread.current_default_thread_limiter().total_tokens
            )
            assert limit == 3
    finally:
        gc.unfreeze()  # the rest of the suite should collect as usual

"""Quick checks for the plugin's developers (guanxi's CI runs the fuller
tests/devkit/test_example_wechat.py of the guanxi repository)."""

from __future__ import annotations

import pytest

from guanxi.app import App
from guanxi.errors import ValidationError
from guanxi_wechat.callback import parse_body, signature_of, verify_signature
from guanxi_wechat.service import receive, send_text

BODY = (
    "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oAbc123]]>"
    "</FromUserName><CreateTime>1767225600</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[你好]]></Content><MsgId>1</MsgId></xml>"
)


def test_the_signature_is_wechats() -> None:
    # sha1 of the sorted, concatenated token, timestamp and nonce.
    # sha1("12token"), worked out by hand.
    assert signature_of("token", "1", "2") == "6d7149e287208afb17c14861c125053fd80c0f86"
    verify_signature("token", signature_of("token", "1", "2"), "1", "2")
    with pytest.raises(ValidationError, match="--signature"):
        verify_signature("token", signature_of("other", "1", "2"), "1", "2")


def test_receive_then_send(guanxi_app: App) -> None:
    with guanxi_app.transaction() as uow:
        first = receive(uow, parse_body(BODY))
        again = receive(uow, parse_body(BODY))  # a retried callback
        sent = send_text(uow, first.customer_id, "您好")
    assert first.new_customer and again.duplicate
    assert sent.delivery is not None and sent.delivery.startswith("outbox:")

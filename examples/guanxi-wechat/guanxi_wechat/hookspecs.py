"""The hook the wechat plugin offers to other plugins: how an outgoing message leaves.

Implement it with ``@hookimpl(optionalhook=True)`` in a plugin that talks to WeChat's
API (or a gateway), so the plugin still loads where wechat is not enabled.
"""

from __future__ import annotations

from typing import Any

from guanxi import hookspec


@hookspec(firstresult=True)
def wechat_deliver(uow: Any, message: Any) -> str | None:  # type: ignore[empty-body]
    """Deliver ``message`` (a :class:`guanxi_wechat.service.OutgoingMessage`).

    Return a short reference of the delivery (kept in the ``wechat.message_out``
    payload), or None to leave it to the next sender. The wechat plugin's own sender
    runs last and writes the message to the ``wechat_outbox`` table, which a gateway
    process empties; it never touches the network. Raise a ``GuanxiError`` to refuse
    the message: nothing is logged then.
    """

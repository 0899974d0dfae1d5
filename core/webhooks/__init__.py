"""Outbound webhooks: signed event deliveries with retries, a delivery log and replay.

Changes to customers and the interaction log are written to an outbox
(``webhook_delivery``) in the same transaction as the change
(:mod:`guanxi.webhooks.events`), then sent by ``guanxi webhooks deliver`` or the
``core.webhooks_deliver`` job (:mod:`guanxi.webhooks.delivery`), signed the Standard
Webhooks way (:mod:`guanxi.webhooks.signing`). Receivers check a delivery with
:func:`verify`. See docs/webhooks.md.
"""

from guanxi.webhooks.signing import new_secret, sign, verify

__all__ = ["new_secret", "sign", "verify"]

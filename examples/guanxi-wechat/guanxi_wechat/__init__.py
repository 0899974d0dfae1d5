"""guanxi_wechat: a WeChat (微信公众号 / 企业微信) messaging channel for guanxi.

The plugin object is :mod:`guanxi_wechat.plugin`; the public Python API other plugins
(and bridges such as ``guanxi_wechat_service``) may call is :mod:`guanxi_wechat.service`.
"""

__version__ = "0.1.0"

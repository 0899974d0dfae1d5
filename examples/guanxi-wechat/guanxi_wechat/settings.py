"""The ``[wechat]`` settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WechatSettings(BaseModel):
    """Settings of the WeChat channel (``[wechat]`` in guanxi.toml, ``GUANXI_WECHAT__*``)."""

    model_config = ConfigDict(extra="forbid")
    app_id: str = Field("", description="The official account's AppID (wx…), named on the outbox")
    token: str = Field(
        "",
        description="The Token set in the account's server configuration; inbound callbacks "
        "are verified against it (SHA1 of the sorted token, timestamp and nonce)",
    )
    channel: str = Field(
        "wechat",
        description="The interaction channel WeChat messages are logged on; must be one of "
        "core.channels (an edition without 'wechat' may use 'chat')",
    )
    create_customers: bool = Field(
        True, description="Create a customer for a message from an unknown openid"
    )
    new_customer_name: str = Field(
        "微信用户 {short}",
        description="Name of a customer created for an unknown openid ({openid}, {short}: "
        "its last six characters)",
    )

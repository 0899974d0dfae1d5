"""The wechat plugin's Alembic branch ("wechat")."""

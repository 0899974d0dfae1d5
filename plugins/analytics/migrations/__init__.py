"""Alembic revisions of the analytics plugin (branch ``analytics``)."""

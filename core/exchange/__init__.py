"""Exports: customers as CSV (the import's columns), JSON or vCard; interactions."""

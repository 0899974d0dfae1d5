"""The generic edition (its data is edition.toml beside this file)."""

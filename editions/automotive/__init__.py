"""The automotive edition: edition.toml (data) and its small plugin (behaviour)."""

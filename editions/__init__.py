"""Built-in editions: each sub-package is a folder holding an edition.toml."""

"""guanxi_nps: a guanxi plugin (its hooks are in plugin.py)."""

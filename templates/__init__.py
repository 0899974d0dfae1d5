"""Jinja2 templates of ``guanxi plugin new`` (package data of ``guanxi.scaffold``).

``plugin/`` is the tree of a new plugin project: file and folder names are templates
too, files ending in ``.jinja`` are rendered (the suffix dropped), other files are copied
as they are.
"""

"""The segment filter language: tokenizer, parser, field catalogue and SQL compiler.

``parse_expression`` turns text into a syntax tree (:mod:`.syntax`); ``compile_expression``
checks it against the fields the application knows (:mod:`.fields`) and turns it into
one SQLAlchemy condition over the customer table with bound parameters (:mod:`.compiler`).
No part of the text ever reaches SQL as text. The grammar is in
docs/plugins/marketing/segments.md.
"""

from guanxi_marketing.segments.language.parser import parse_expression

__all__ = ["parse_expression"]

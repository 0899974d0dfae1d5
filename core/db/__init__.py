"""Storage: engine creation, column types, bulk inserts and migrations."""

from guanxi.db.engine import make_engine, mask_url
from guanxi.db.types import BigID, JSONType, Money, Quantity, UTCDateTime, from_minor, to_minor

__all__ = [
    "BigID",
    "JSONType",
    "Money",
    "Quantity",
    "UTCDateTime",
    "from_minor",
    "make_engine",
    "mask_url",
    "to_minor",
]

"""The content policy's arithmetic: how long a post is, whether it is commercial, and
what a commercial share means (微博营销, REQUIREMENTS §7.3 rule 4).

Length is counted the way Weibo counts its 140 "字":

* a Chinese character, a full-width character or an emoji counts 1;
* a half-width (ASCII) character counts ``half_width_weight`` (0.5 by default: two
  Latin letters or digits make one 字);
* a link (``http://…``, ``https://…``, ``www.…``) counts ``url_length`` whatever its
  length, because the platform shortens it;
* marks that only modify the character before them (variation selectors, zero-width
  joiners, skin tones, combining accents, the second half of a flag) count 0, so a
  family emoji 👨‍👩‍👧 is one character;
* the total is rounded up.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass

from guanxi_marketing.triggers.settings import ContentPolicySettings

URL = re.compile(r"(?:https?://|www\.)[!-~]+", re.IGNORECASE)
ZWJ = "\u200d"
SKIN_TONES = range(0x1F3FB, 0x1F400)
REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)
TAGS = range(0xE0020, 0xE0080)


def _modifies_previous(char: str) -> bool:
    code = ord(char)
    return (
        char == ZWJ
        or unicodedata.combining(char) > 0
        or unicodedata.category(char) in ("Mn", "Me")  # variation selectors, enclosing marks
        or code in SKIN_TONES
        or code in TAGS
    )


def _weights(text: str, half_width: float) -> float:
    total = 0.0
    after_joiner = False
    pending_flag = False
    for char in text:
        if _modifies_previous(char):
            after_joiner = char == ZWJ
            continue
        if after_joiner:  # the second part of a ZWJ sequence belongs to the first
            after_joiner = False
            continue
        if ord(char) in REGIONAL_INDICATORS:
            pending_flag = not pending_flag
            total += 1 if pending_flag else 0
            continue
        pending_flag = False
        wide = unicodedata.east_asian_width(char) in ("W", "F")
        total += 1 if wide or unicodedata.category(char) == "So" else half_width
    return total


def post_length(text: str, policy: ContentPolicySettings) -> int:
    """The post's length in weighted characters (see the module's rules)."""
    links = URL.findall(text)
    rest = URL.sub("", text)
    return math.ceil(len(links) * policy.url_length + _weights(rest, policy.half_width_weight))


def commercial_keywords(text: str, policy: ContentPolicySettings) -> list[str]:
    """The configured commercial keywords found in ``text`` (case-insensitive)."""
    folded = text.casefold()
    return [word for word in policy.commercial_keywords if word.casefold() in folded]


@dataclass(frozen=True)
class Violation:
    """One finding of the check: a ``violation`` refuses the post, a ``warning`` not."""

    rule: str  # length | commercial_share
    severity: str  # violation | warning
    message: str


def length_findings(length: int, policy: ContentPolicySettings) -> list[Violation]:
    """A violation when the post is longer than the limit."""
    if length <= policy.max_length:
        return []
    return [
        Violation(
            "length",
            "violation",
            f"{length} characters, over the limit of {policy.max_length}",
        )
    ]


def share_findings(
    commercial: int, total: int, policy: ContentPolicySettings
) -> list[Violation]:
    """Findings on the commercial share ``commercial / total`` of a period."""
    if total == 0:
        return []
    share = commercial / total
    said = f"{commercial} of {total} posts ({share:.1%}) are commercial"
    if share > policy.max_commercial_share:
        limit = f"{policy.max_commercial_share:.0%}"
        return [Violation("commercial_share", "violation", f"{said}, over {limit}")]
    if share > policy.ideal_share_high:
        band = f"{policy.ideal_share_low:.0%}-{policy.ideal_share_high:.0%}"
        return [Violation("commercial_share", "warning", f"{said}, above the ideal {band}")]
    return []


def share_status(commercial: int, total: int, policy: ContentPolicySettings) -> str:
    """``over limit``, ``acceptable``, ``ideal``, ``low`` or ``no posts`` for a period."""
    if total == 0:
        return "no posts"
    share = commercial / total
    if share > policy.max_commercial_share:
        return "over limit"
    if share > policy.ideal_share_high:
        return "acceptable"
    if share >= policy.ideal_share_low:
        return "ideal"
    return "low"


def period_of(day: dt.date, period: str) -> tuple[str, dt.date, dt.date]:
    """The label, first day and day after the last of the policy period holding ``day``."""
    if period == "week":
        first = day - dt.timedelta(days=day.weekday())
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}", first, first + dt.timedelta(days=7)
    if period == "quarter":
        quarter = (day.month - 1) // 3
        first = dt.date(day.year, quarter * 3 + 1, 1)
        return f"{day.year}-Q{quarter + 1}", first, _add_months(first, 3)
    first = day.replace(day=1)
    return day.strftime("%Y-%m"), first, _add_months(first, 1)


def _add_months(first: dt.date, months: int) -> dt.date:
    index = first.month - 1 + months
    return dt.date(first.year + index // 12, index % 12 + 1, 1)

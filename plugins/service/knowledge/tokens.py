"""Turning Chinese and English text into search terms.

No dictionary is needed: Chinese text is cut into overlapping character pairs (bigrams,
"液压系统" → 液压, 压系, 系统), which finds any word of two or more characters a query
contains; every Han character is also kept on its own so a one-character query
("泵") finds something. English (and other alphabetic) words are lower-cased, cut at
:data:`MAX_TERM` characters and lightly stemmed (plural endings), so "pumps" finds "pump".
Digits stay with the letters around them ("SY215C" → ``sy215c``). Text is NFKC-normalised
first, so full-width letters and digits ("ＳＹ２１５") are the same as half-width ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterator

from guanxi_service.knowledge.models import MAX_TERM

# Han ideographs (CJK unified, extension A, compatibility) form the runs cut into bigrams.
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_HAN}]+|[^\W_{_HAN}]+")
_HAN_RUN = re.compile(rf"[{_HAN}]")
# Words too common to tell articles apart; dropped from text and queries alike.
_STOP = ("a an and are as at be by do does for from how i in is it my of on or the to was "
         "what when where which why with you your")
STOPWORDS = frozenset(_STOP.split(" "))


def normalize(text: str) -> str:
    """NFKC, lower case, single spaces (how queries are compared and logged)."""
    return " ".join(unicodedata.normalize("NFKC", text or "").lower().split())


_EMAIL = re.compile(r"\S+@\S+")
_NUMBER = re.compile(r"\d[\d\s-]{5,}\d")


def redact(text: str) -> str:
    """``text`` without what identifies a person: email addresses and runs of seven or
    more digits (phone, card and ID numbers) become ``[email]`` and ``[number]``."""
    return _NUMBER.sub("[number]", _EMAIL.sub("[email]", text))


def stem(word: str) -> str:
    """A light English stemmer: plural endings only (batteries → battery, pumps → pump)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _runs(text: str) -> Iterator[tuple[bool, str]]:
    """(is_han, run) for each run of Han characters or of letters and digits."""
    for match in _RUNS.finditer(normalize(text)):
        run = match.group()
        yield bool(_HAN_RUN.match(run)), run


def _word(run: str) -> str | None:
    if run in STOPWORDS:
        return None
    return stem(run)[:MAX_TERM]


def document_terms(text: str) -> tuple[Counter[str], int]:
    """The terms of an article's text with their counts, and the text's length.

    The length counts words and bigrams (a lone Han character counts once): the units
    that multi-character queries match. The single characters indexed besides the
    bigrams serve one-character queries and do not count towards the length.
    """
    terms: Counter[str] = Counter()
    length = 0
    for han, run in _runs(text):
        if not han:
            word = _word(run)
            if word:
                terms[word] += 1
                length += 1
            continue
        if len(run) == 1:
            terms[run] += 1
            length += 1
            continue
        pairs = [run[i:i + 2] for i in range(len(run) - 1)]
        terms.update(pairs)
        terms.update(run)  # the single characters
        length += len(pairs)
    return terms, length


def query_terms(text: str) -> list[str]:
    """The distinct terms of a query, in order: words, bigrams, and a single Han
    character only where the query has one standing alone ("泵 漏油" → 泵, 漏油)."""
    seen: dict[str, None] = {}
    for han, run in _runs(text):
        if not han:
            word = _word(run)
            if word:
                seen.setdefault(word, None)
        elif len(run) == 1:
            seen.setdefault(run, None)
        else:
            for i in range(len(run) - 1):
                seen.setdefault(run[i:i + 2], None)
    return list(seen)

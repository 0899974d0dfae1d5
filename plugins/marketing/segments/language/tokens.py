"""The tokenizer of the segment filter language.

Positions are 1-based character columns, as a person counts them, so an error can say
"at position 23" and the user finds the spot by counting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from guanxi.errors import ValidationError

STRING: Final = "string"
NUMBER: Final = "number"
DATE: Final = "date"
WORD: Final = "word"
SYMBOL: Final = "symbol"
END: Final = "end"

# Longest symbols first, so "<=" is not read as "<" then "=".
SYMBOLS = ("!=", "<=", ">=", "=", "<", ">", "(", ")", "[", "]", ",")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?(?![\w.])")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?![\w.])")
# Words are field names and keywords; dots join the parts of "custom.industry".
_WORD = re.compile(r"[^\W\d]\w*(?:\.[^\W\d]\w*)*")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Token:
    """One token: its type, its text (a string literal without quotes), its position."""

    type: str
    text: str
    position: int

    def is_word(self, *words: str) -> bool:
        """Whether this is one of ``words`` (keywords are case-insensitive)."""
        return self.type == WORD and self.text.lower() in words

    def is_symbol(self, *symbols: str) -> bool:
        """Whether this is one of ``symbols``."""
        return self.type == SYMBOL and self.text in symbols


def syntax_error(message: str, position: int) -> ValidationError:
    """The one error type of the language: it names the field and the position."""
    return ValidationError("expression", f"{message} at position {position}")


def _string(text: str, start: int) -> tuple[str, int]:
    """The literal starting at ``start`` (a quote) and the index after its closing quote."""
    quote = text[start]
    chars: list[str] = []
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            chars.append(text[index + 1])
            index += 2
            continue
        if char == quote:
            return "".join(chars), index + 1
        chars.append(char)
        index += 1
    raise syntax_error("unterminated string", start + 1)


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``END`` token."""
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        space = _SPACE.match(text, index)
        if space:
            index = space.end()
            continue
        char = text[index]
        position = index + 1
        if char in "\"'":
            value, index = _string(text, index)
            tokens.append(Token(STRING, value, position))
            continue
        matched = False
        for kind, pattern in ((DATE, _DATE), (NUMBER, _NUMBER), (WORD, _WORD)):
            found = pattern.match(text, index)
            if found:
                tokens.append(Token(kind, found.group(), position))
                index = found.end()
                matched = True
                break
        if matched:
            continue
        symbol = next((s for s in SYMBOLS if text.startswith(s, index)), None)
        if symbol is None:
            raise syntax_error(f"unexpected character {char!r}", position)
        tokens.append(Token(SYMBOL, symbol, position))
        index += len(symbol)
    tokens.append(Token(END, "", len(text) + 1))
    return tokens

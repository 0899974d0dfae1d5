"""A recursive-descent parser for segment expressions (grammar: docs/plugins/marketing/segments.md).

::

    expression := and ("or" and)*
    and        := unary ("and" unary)*
    unary      := "not" unary | "(" expression ")" | "has" WORD value | "had" filter
                | operand test
    operand    := AGGREGATE "(" filter ")" | WORD
    test       := COMPARISON value | ["not"] "in" list | ["not"] "contains" value
                | "is" ["not"] "null"
    filter     := term*
    term       := STRING | "kind" ("=" STRING | "in" list) | "via" STRING
                | "channel" ("=" STRING | "in" list) | "purchase"
                | "within" NUMBER UNIT | "since" value | "before" value
    value      := STRING | NUMBER | DATE | "true" | "false" | "today" | "now"
                | NUMBER UNIT "ago"
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from guanxi_marketing.segments.language.syntax import (
    AGGREGATES,
    COMPARISONS,
    NOW,
    TODAY,
    UNITS,
    Aggregate,
    Among,
    And,
    Compare,
    Contains,
    FieldRef,
    HistoryFilter,
    IsNull,
    Literal,
    Node,
    Not,
    Operand,
    Or,
    RelativeTime,
    Value,
)
from guanxi_marketing.segments.language.tokens import (
    DATE,
    END,
    NUMBER,
    STRING,
    WORD,
    Token,
    syntax_error,
    tokenize,
)

# Words that can never name a field (they would make the grammar ambiguous).
RESERVED = frozenset(
    {
        "and",
        "or",
        "not",
        "in",
        "is",
        "null",
        "contains",
        "has",
        "had",
        "true",
        "false",
        "today",
        "now",
    }
)
MAX_LENGTH = 4000  # an expression is a filter, not a program
MAX_LIST = 1000
OPERATOR_LIST = "=, !=, <, <=, >, >=, in, contains, is"
UNIT_LIST = "days, weeks, months or years"


def parse_expression(text: str) -> Node:
    """Parse ``text`` into a syntax tree; a ValidationError names the position of a fault."""
    if len(text) > MAX_LENGTH:
        raise syntax_error(f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH + 1)
    parser = _Parser(tokenize(text))
    node = parser.expression()
    token = parser.peek()
    if token.type != END:
        raise syntax_error(f"expected 'and', 'or' or the end, not {_shown(token)}", token.position)
    return node


def _shown(token: Token) -> str:
    if token.type == END:
        return "the end"
    return f'"{token.text}"' if token.type == STRING else repr(token.text)


def _unit(token: Token) -> str | None:
    word = token.text.lower() if token.type == WORD else ""
    singular = word[:-1] if word.endswith("s") else word
    return singular if singular in UNITS else None


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.index = 0

    # ------------------------------------------------------------------ token helpers

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        token = self.peek()
        self.index += 1
        return token

    def expect_symbol(self, symbol: str) -> Token:
        token = self.peek()
        if not token.is_symbol(symbol):
            raise syntax_error(f"expected '{symbol}', not {_shown(token)}", token.position)
        return self.take()

    def expect_word(self, word: str) -> Token:
        token = self.peek()
        if not token.is_word(word):
            raise syntax_error(f"expected '{word}', not {_shown(token)}", token.position)
        return self.take()

    # ------------------------------------------------------------------ boolean structure

    def expression(self) -> Node:
        parts = [self.conjunction()]
        while self.peek().is_word("or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.unary()]
        while self.peek().is_word("and"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Node:
        token = self.peek()
        if token.is_word("not"):
            self.take()
            return Not(self.unary())
        if token.is_symbol("("):
            self.take()
            node = self.expression()
            self.expect_symbol(")")
            return node
        if token.is_word("has"):
            self.take()
            operand = self.field()
            return Contains(operand, self.value(), False, token.position)
        if token.is_word("had"):
            self.take()
            aggregate = Aggregate("count", self.history_filter(), token.position)
            return Compare(aggregate, ">=", Literal(Decimal(1), token.position), token.position)
        return self.test(self.operand())

    # ------------------------------------------------------------------ conditions

    def operand(self) -> Operand:
        token = self.peek()
        if token.type == WORD and token.text.lower() in AGGREGATES and self.peek(1).is_symbol("("):
            self.take()
            self.take()
            history = self.history_filter()
            self.expect_symbol(")")
            return Aggregate(token.text.lower(), history, token.position)
        return self.field()

    def field(self) -> FieldRef:
        token = self.peek()
        if token.type != WORD or token.text.lower() in RESERVED:
            raise syntax_error(f"expected a field, not {_shown(token)}", token.position)
        self.take()
        return FieldRef(token.text, token.position)

    def test(self, operand: Operand) -> Node:
        token = self.peek()
        if token.type == "symbol" and token.text in COMPARISONS:
            self.take()
            return Compare(operand, token.text, self.value(), token.position)
        negated = token.is_word("not")
        if negated:
            self.take()
        word = self.peek()
        if word.is_word("in"):
            self.take()
            return Among(operand, self.value_list(), negated, token.position)
        if word.is_word("contains"):
            self.take()
            return Contains(operand, self.value(), negated, token.position)
        if word.is_word("is") and not negated:
            self.take()
            is_not = self.peek().is_word("not")
            if is_not:
                self.take()
            self.expect_word("null")
            return IsNull(operand, is_not, token.position)
        expected = "'in' or 'contains'" if negated else f"an operator ({OPERATOR_LIST})"
        raise syntax_error(f"expected {expected}, not {_shown(word)}", word.position)

    # ------------------------------------------------------------------ values

    def value(self) -> Value:
        token = self.peek()
        if token.type == STRING:
            self.take()
            return Literal(token.text, token.position)
        if token.type == NUMBER:
            self.take()
            unit = _unit(self.peek())
            if unit is None:
                return Literal(Decimal(token.text), token.position)
            self.take()
            self.expect_word("ago")
            return RelativeTime(NOW, self.whole(token), unit, token.position)
        if token.type == DATE:
            self.take()
            return Literal(self.date(token), token.position)
        if token.is_word("true", "false"):
            self.take()
            return Literal(token.text.lower() == "true", token.position)
        if token.is_word("today", "now"):
            self.take()
            anchor = TODAY if token.is_word("today") else NOW
            return RelativeTime(anchor, 0, "day", token.position)
        raise syntax_error(f"expected a value, not {_shown(token)}", token.position)

    def value_list(self) -> tuple[Value, ...]:
        self.expect_symbol("[")
        values: list[Value] = []
        while not self.peek().is_symbol("]"):
            values.append(self.value())
            if len(values) > MAX_LIST:
                raise syntax_error(f"more than {MAX_LIST} values in a list", self.peek().position)
            if not self.peek().is_symbol(","):
                break
            self.take()
        self.expect_symbol("]")
        return tuple(values)

    def whole(self, token: Token) -> int:
        if "." in token.text or token.text.startswith("-"):
            raise syntax_error("expected a whole number of units", token.position)
        return int(token.text)

    def date(self, token: Token) -> dt.date | dt.datetime:
        try:
            if len(token.text) == 10:
                return dt.date.fromisoformat(token.text)
            return dt.datetime.fromisoformat(token.text.replace(" ", "T"))
        except ValueError:
            raise syntax_error(f"{token.text} is not a valid date", token.position) from None

    # ------------------------------------------------------------------ history filters

    def history_filter(self) -> HistoryFilter:
        result = HistoryFilter()
        start = self.peek().position
        while True:
            token = self.peek()
            if token.type == STRING:
                self.take()
                result = replace(result, kinds=(*result.kinds, token.text))
            elif token.is_word("kind", "channel") and (
                self.peek(1).is_symbol("=") or self.peek(1).is_word("in")
            ):
                self.take()
                names = self.names()
                if token.is_word("kind"):
                    result = replace(result, kinds=(*result.kinds, *names))
                else:
                    result = replace(result, channels=(*result.channels, *names))
            elif token.is_word("via"):
                self.take()
                result = replace(result, channels=(*result.channels, self.name()))
            elif token.is_word("purchase", "purchases"):
                self.take()
                result = replace(result, purchase=True)
            elif token.is_word("within"):
                self.take()
                amount = self.peek()
                if amount.type != NUMBER:
                    raise syntax_error(f"expected a number, not {_shown(amount)}", amount.position)
                self.take()
                unit = _unit(self.peek())
                if unit is None:
                    raise syntax_error(f"expected {UNIT_LIST}", self.peek().position)
                self.take()
                since = RelativeTime(NOW, self.whole(amount), unit, amount.position)
                result = self.bound(result, "since", since, token)
            elif token.is_word("since", "before"):
                self.take()
                result = self.bound(result, token.text.lower(), self.value(), token)
            else:
                break
        if len(result.kinds) > MAX_LIST or len(result.channels) > MAX_LIST:
            raise syntax_error(f"more than {MAX_LIST} kinds or channels", start)
        return result

    def bound(self, result: HistoryFilter, side: str, value: Value, token: Token) -> HistoryFilter:
        if getattr(result, side) is not None:
            raise syntax_error(f"a second '{side}' bound", token.position)
        return replace(result, since=value) if side == "since" else replace(result, before=value)

    def name(self) -> str:
        token = self.peek()
        if token.type != STRING:
            raise syntax_error(f"expected a quoted name, not {_shown(token)}", token.position)
        return self.take().text

    def names(self) -> tuple[str, ...]:
        if self.take().is_symbol("="):
            return (self.name(),)
        self.expect_symbol("[")
        names = [self.name()]
        while self.peek().is_symbol(","):
            self.take()
            names.append(self.name())
        self.expect_symbol("]")
        return tuple(names)

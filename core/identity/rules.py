"""Match rules as data: blocking passes, field comparisons, weights and thresholds.

Rules are pydantic models so an edition can configure them from its settings later;
:func:`load_rules` turns a plain mapping into rules and reports a bad one in one line
that names the field (pydantic's own message spans several lines).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

#: Fields the engine knows how to normalise. Others may be named in ``extra_fields``.
KNOWN_FIELDS = frozenset({
    "name", "family_name", "given_name", "birth_date", "address", "street_number",
    "postcode", "suburb", "city", "state", "province", "phone", "email", "id_number",
})

Transform = Literal["exact", "soundex", "initial", "year", "cjk", "first3"]
Method = Literal["exact", "jaro_winkler", "name", "levenshtein", "date", "numeric"]


class RuleError(ValueError):
    """A rule set that cannot be used; the message is one line naming the field."""


class KeyPart(BaseModel):
    """One part of a blocking key: a field and how it is reduced before grouping."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str
    transform: Transform = "exact"


class BlockingPass(BaseModel):
    """Records whose key parts are all present and equal become candidate pairs."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    parts: tuple[KeyPart, ...] = Field(min_length=1)


class Comparison(BaseModel):
    """How one field of a pair is compared, and what each outcome weighs.

    A comparison gives a similarity in [0, 1]; ``>= agree`` is agreement, ``>= partial``
    partial agreement, below that disagreement, and a missing value on either side
    weighs nothing. ``m`` and ``u`` are the Fellegi–Sunter probabilities of the three
    levels (agree, partial, disagree) among true matches and among non-matches; the
    weight of a level is ``log2(m / u)``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    field: str
    method: Method = "jaro_winkler"
    agree: float = Field(0.93, ge=0, le=1)
    partial: float = Field(0.8, ge=0, le=1)
    m: tuple[float, float, float] = (0.9, 0.06, 0.04)
    u: tuple[float, float, float] = (0.01, 0.04, 0.95)
    #: For ``numeric``: the difference at which similarity falls to zero.
    scale: float = Field(1.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> Comparison:
        if self.partial > self.agree:
            raise ValueError(f"partial {self.partial} is above agree {self.agree}")
        for label, probs in (("m", self.m), ("u", self.u)):
            if any(p <= 0 for p in probs) or abs(sum(probs) - 1) > 1e-6:
                raise ValueError(f"{label} must be three positive probabilities summing to 1")
        return self


class MatchRules(BaseModel):
    """A full rule set: blocking passes, comparisons and the two score thresholds.

    Scores are summed log2 likelihood ratios: a pair at or above ``match_threshold`` is a
    match, one in ``[review_threshold, match_threshold)`` a possible match for review.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    id_field: str = "id"
    extra_fields: tuple[str, ...] = ()
    blocking: tuple[BlockingPass, ...] = Field(min_length=1)
    comparisons: tuple[Comparison, ...] = Field(min_length=1)
    match_threshold: float = 20.0
    review_threshold: float = 8.0
    #: Blocks larger than this are skipped (a key shared by that many records is
    #: not selective; other passes still find those pairs).
    max_block_size: int = Field(500, ge=2)
    default_region: str = "CN"

    @model_validator(mode="after")
    def _check(self) -> MatchRules:
        allowed = KNOWN_FIELDS | set(self.extra_fields)
        for bpass in self.blocking:
            for part in bpass.parts:
                if part.field not in allowed:
                    raise ValueError(f"field {part.field!r}: unknown field in blocking pass "
                                     f"{bpass.name!r}")
        for comp in self.comparisons:
            if comp.field not in allowed:
                raise ValueError(f"field {comp.field!r}: unknown field in comparisons")
        if self.review_threshold > self.match_threshold:
            raise ValueError("review_threshold is above match_threshold")
        return self

    def fields(self) -> list[str]:
        """Every field the rules read, in a stable order."""
        seen: dict[str, None] = {}
        for bpass in self.blocking:
            for part in bpass.parts:
                seen[part.field] = None
        for comp in self.comparisons:
            seen[comp.field] = None
        return list(seen)


def load_rules(data: Mapping[str, Any]) -> MatchRules:
    """Build rules from a mapping; raise :class:`RuleError` with a one-line message."""
    try:
        return MatchRules.model_validate(dict(data))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        # Name the field the faulty entry is about, not only its position in the lists.
        field = _field_at(data, err["loc"])
        prefix = f"field {field!r} ({where})" if field else where or "rules"
        message = err["msg"].removeprefix("Value error, ")
        raise RuleError(f"bad match rule: {prefix}: {message}") from None


def _field_at(data: Mapping[str, Any], loc: tuple[int | str, ...]) -> str | None:
    """The ``field`` of the innermost mapping along ``loc``, if there is one."""
    node: Any = data
    found = None
    for step in loc:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, Mapping) and isinstance(node.get("field"), str):
            found = node["field"]
    return found


def default_rules(**overrides: Any) -> MatchRules:
    """Rules for people: Latin and Chinese names, birth date, address, phone, email, id.

    Blocking passes: exact id number, exact phone, exact email, birth date, Soundex of the
    family name + given-name initial, postcode + given name, and for Chinese names (no
    pinyin needed) family-name character + birth year and family-name character + phone.
    """
    def comp(field: str, method: Method, u_agree: float, **kw: Any) -> Comparison:
        # u (agreement by chance) depends on how many values the field takes; m does not.
        u = (u_agree, min(0.2, u_agree * 4), 1 - u_agree - min(0.2, u_agree * 4))
        return Comparison(field=field, method=method, u=u, **kw)

    def bp(name: str, *parts: tuple[str, Transform]) -> BlockingPass:
        return BlockingPass(name=name, parts=tuple(KeyPart(field=f, transform=t)
                                                   for f, t in parts))

    data: dict[str, Any] = {
        "blocking": (
            bp("id_number", ("id_number", "exact")),
            bp("phone", ("phone", "exact")),
            bp("email", ("email", "exact")),
            bp("birth_date", ("birth_date", "exact")),
            bp("surname_sound", ("family_name", "soundex"), ("given_name", "initial")),
            bp("postcode_given", ("postcode", "exact"), ("given_name", "exact")),
            bp("cjk_family_year", ("family_name", "cjk"), ("birth_date", "year")),
            bp("cjk_family_phone", ("family_name", "cjk"), ("phone", "exact")),
        ),
        "comparisons": (
            comp("family_name", "name", 0.005),
            comp("given_name", "name", 0.005),
            comp("birth_date", "date", 0.0005, agree=0.95, partial=0.7),
            comp("id_number", "levenshtein", 0.00001, agree=1.0, partial=0.8),
            comp("phone", "levenshtein", 0.00001, agree=1.0, partial=0.85),
            comp("email", "jaro_winkler", 0.00001, agree=1.0, partial=0.9),
            comp("street_number", "exact", 0.02, agree=1.0, partial=1.0),
            comp("address", "jaro_winkler", 0.001, agree=0.9, partial=0.8),
            comp("postcode", "levenshtein", 0.005, agree=1.0, partial=0.75),
            comp("suburb", "jaro_winkler", 0.02, agree=0.93, partial=0.85),
            comp("city", "jaro_winkler", 0.02, agree=0.93, partial=0.85),
            comp("state", "exact", 0.2, agree=1.0, partial=1.0),
            comp("province", "exact", 0.2, agree=1.0, partial=1.0),
        ),
    }
    data.update(overrides)
    return load_rules(data)

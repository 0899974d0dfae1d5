"""Normalisation of contact points, so lookups match however a value was written.

* Email: trimmed and lower-cased as a whole (the local part is case-sensitive in theory,
  never in practice, and every CRM that matches on email does the same).
* Phone: E.164 through Google's libphonenumber (``phonenumbers``), with the edition's
  default region for numbers written without a country code.
* Address and other text: whitespace folded, NFKC (full-width digits → ASCII).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

import phonenumbers

# Deliberately permissive: one @, no spaces, a dot in the domain, Unicode allowed
# (IDN domains, Chinese local parts). Deliverability is not our business.
EMAIL_PATTERN = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[^@\s<>(),;:\"\[\]]+\.[^@\s<>(),;:\"\[\]]+$")
E164_PATTERN = re.compile(r"^\+[1-9]\d{6,14}$")
DIGITS_PATTERN = re.compile(r"^[1-9]\d{5,16}$")
_PHONE_PUNCTUATION = re.compile(r"[\s\-().\u00a0]")


def normalize_email(value: str) -> str:
    """Return the email lower-cased and trimmed; raise ``ValueError`` if it is not one."""
    email = unicodedata.normalize("NFKC", value).strip().lower()
    if not EMAIL_PATTERN.match(email):
        raise ValueError(f"{value!r} is not an email address")
    return email


def _fast_phone(text: str, default_region: str) -> tuple[int, str] | None:
    """Split the number without libphonenumber's full parser where that is unambiguous.

    ``phonenumbers.parse`` costs ~20 µs a number, more than storing it. Two shapes are
    unambiguous: ``+<country code><national number>`` and, for the default region, plain
    digits that cannot begin with a prefix to strip (not 0, and not the region's
    international or trunk prefix: ``810…`` and ``8…`` are dialled in Russia, ``011…``
    and ``1…`` in North America, carrier codes in China). The result is the country code
    and the national number's digits (no leading zero, so they are exactly what
    ``PhoneNumber.national_number`` prints). Anything else, or anything split here that
    is not valid, goes through the full parser, so the result is the same either way (a
    test checks this on a sample).
    """
    if E164_PATTERN.match(text):
        digits = text[1:]
        for length in (1, 2, 3):
            code = int(digits[:length])
            if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                national = digits[length:]
                if not national or national[0] == "0":
                    return None
                return code, national
        return None
    if DIGITS_PATTERN.match(text):
        code = _region_code(default_region)
        prefixes = _dialling_prefixes(default_region)
        if code and prefixes is not None and not prefixes.match(text):
            return code, text
    return None


@cache
def _region_code(region: str) -> int:
    return int(phonenumbers.country_code_for_region(region))


@cache
def _dialling_prefixes(region: str) -> re.Pattern[str] | None:
    """What a number written in ``region`` may begin with that is not part of the
    national number: the international call prefix and the trunk prefix, as
    libphonenumber's metadata gives them (``None``: no metadata, never the shortcut)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region, None)
    if metadata is None:
        return None
    parts = [
        part
        for part in (
            metadata.international_prefix,
            metadata.national_prefix_for_parsing or metadata.national_prefix,
        )
        if part
    ]
    return re.compile("|".join(f"(?:{part})" for part in parts) or "(?!)")


# A number type's rule: the national number lengths it allows (empty: any) and its
# pattern, which must match the whole national number.
_Rule = tuple[frozenset[int], "re.Pattern[str]"]


@cache
def _validity_rules(country_code: int) -> tuple[_Rule, tuple[_Rule, ...]] | None:
    """The general rule and the per-type rules of a country code's only region.

    ``None`` where the shortcut does not apply: a code shared by several regions (whose
    region is found by trying each), the non-geographic "001", or no metadata.
    """
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not regions or len(regions) != 1 or regions[0] == "001":
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(regions[0], None)
    if metadata is None or metadata.country_code != country_code:
        return None

    def rule(desc: Any) -> _Rule | None:
        if desc is None or not desc.national_number_pattern:
            return None
        return frozenset(desc.possible_length or ()), re.compile(desc.national_number_pattern)

    general = rule(metadata.general_desc)
    if general is None:
        return None
    # Mobile and fixed line first: they are what a CRM mostly sees. Which type matches
    # does not matter here, only whether one does.
    descs = (
        metadata.mobile,
        metadata.fixed_line,
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
    )
    return general, tuple(r for r in map(rule, descs) if r is not None)


def _matches(rule: _Rule, national: str) -> bool:
    lengths, pattern = rule
    if lengths and len(national) not in lengths:
        return False
    return pattern.fullmatch(national) is not None


def _is_valid(number: phonenumbers.PhoneNumber) -> bool:
    """``phonenumbers.is_valid_number`` for a number the fast path built, faster.

    libphonenumber finds the number's region, then tries its number types one by one
    (premium rate, toll free, …, mobile last) to name the type; a number is valid when
    it fits the region's general rule and any type. For a code with one region this
    checks exactly that, mobile first, with the same patterns and lengths; otherwise it
    asks libphonenumber. A test compares the two on generated numbers.
    """
    rules = _validity_rules(number.country_code)
    if rules is None:
        return bool(phonenumbers.is_valid_number(number))
    return _fits(rules, str(number.national_number))


def _fits(rules: tuple[_Rule, tuple[_Rule, ...]], national: str) -> bool:
    general, types = rules
    return _matches(general, national) and any(_matches(rule, national) for rule in types)


@lru_cache(maxsize=65536)
def normalize_phone(value: str, default_region: str = "CN") -> str:
    """Return the number in E.164; raise ``ValueError`` if it is not a valid number."""
    text = _PHONE_PUNCTUATION.sub("", unicodedata.normalize("NFKC", value).strip())
    parts = _fast_phone(text, default_region)
    number = None
    if parts is not None:
        code, national = parts
        rules = _validity_rules(code)
        # What format_number gives for E.164: no leading zeros, no extension here.
        if rules is not None and _fits(rules, national):
            return f"+{code}{national}"
        number = phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
        if rules is None and phonenumbers.is_valid_number(number):
            return f"+{code}{national}"
    if number is None or not phonenumbers.is_valid_number(number):
        try:
            number = phonenumbers.parse(text, default_region)
        except phonenumbers.NumberParseException as exc:
            raise ValueError(f"{value!r} is not a phone number") from exc
        if not phonenumbers.is_valid_number(number):
            raise ValueError(f"{value!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_text(value: str) -> str:
    """NFKC-normalise and fold runs of whitespace; used for addresses and handles."""
    return " ".join(unicodedata.normalize("NFKC", value).split())


NORMALIZERS: dict[str, Callable[[str, str], str]] = {
    "email": lambda value, region: normalize_email(value),
    "phone": normalize_phone,
    "fax": normalize_phone,
}


def normalize_contact(kind: str, value: str, default_region: str) -> str:
    """Normalise a contact point of any kind (email, phone, fax, address, web, social)."""
    normalizer = NORMALIZERS.get(kind)
    if normalizer is None:
        normalized = normalize_text(value)
        if not normalized:
            raise ValueError("is empty")
        return normalized.lower() if kind in ("web", "social") else normalized
    return normalizer(value, default_region)

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
from functools import lru_cache

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


def _fast_phone(text: str, default_region: str) -> phonenumbers.PhoneNumber | None:
    """Build the number without libphonenumber's full parser where that is unambiguous.

    ``phonenumbers.parse`` costs ~20 µs a number, more than storing it. Two shapes are
    unambiguous: ``+<country code><national number>`` and, for the default region, plain
    digits not starting with 0 (no trunk prefix to strip). Anything else, or anything the
    fast path builds that is not valid, goes through the full parser, so the result is
    the same either way (a test checks this on a sample).
    """
    if E164_PATTERN.match(text):
        digits = text[1:]
        for length in (1, 2, 3):
            code = int(digits[:length])
            if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
                national = digits[length:]
                if not national or national[0] == "0":
                    return None
                return phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
        return None
    if DIGITS_PATTERN.match(text):
        code = phonenumbers.country_code_for_region(default_region)
        if code:
            return phonenumbers.PhoneNumber(country_code=code, national_number=int(text))
    return None


@lru_cache(maxsize=65536)
def normalize_phone(value: str, default_region: str = "CN") -> str:
    """Return the number in E.164; raise ``ValueError`` if it is not a valid number."""
    text = _PHONE_PUNCTUATION.sub("", unicodedata.normalize("NFKC", value).strip())
    number = _fast_phone(text, default_region)
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

"""Contact point normalisation: emails, phone numbers (E.164) and free text.

The phone fast path is checked against libphonenumber itself: on a few thousand
generated inputs ``normalize_phone`` must give exactly what ``phonenumbers.parse`` +
``is_valid_number`` + E.164 formatting give, or reject what they reject.
"""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guanxi.normalize import _is_valid, normalize_contact, normalize_email, normalize_phone

# --------------------------------------------------------------------------- email


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("wang.wei@example.com", "wang.wei@example.com"),
        ("  Wang.Wei@Example.COM ", "wang.wei@example.com"),
        ("ＷＡＮＧ@ＥＸＡＭＰＬＥ.ＣＯＭ", "wang@example.com"),  # full-width, as typed in a CJK IME
        ("张伟@例子.中国", "张伟@例子.中国"),
        ("a+tag@mail.example.org", "a+tag@mail.example.org"),
    ],
)
def test_email_is_trimmed_and_lower_cased(value: str, expected: str) -> None:
    assert normalize_email(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "wang.wei",
        "wang@",
        "@example.com",
        "wang@example",
        "wang wei@example.com",
        "a@b@example.com",
        "<wang@example.com>",
        "wang@exa mple.com",
    ],
)
def test_email_that_is_not_one_is_rejected(value: str) -> None:
    with pytest.raises(ValueError, match="is not an email address"):
        normalize_email(value)


# --------------------------------------------------------------------------- phone


@pytest.mark.parametrize(
    ("value", "region", "expected"),
    [
        ("13812345678", "CN", "+8613812345678"),  # national mobile, as Chinese data has it
        ("138 1234 5678", "CN", "+8613812345678"),
        ("138-1234-5678", "CN", "+8613812345678"),
        ("(010) 6552 9988", "CN", "+861065529988"),  # Beijing landline with trunk 0
        ("010-65529988", "CN", "+861065529988"),
        ("+86 138 1234 5678", "CN", "+8613812345678"),
        ("+8613812345678", "CN", "+8613812345678"),
        ("0086 138 1234 5678", "CN", "+8613812345678"),  # international prefix from China
        ("１３８１２３４５６７８", "CN", "+8613812345678"),  # full-width digits
        ("＋８６ １３８ １２３４ ５６７８", "CN", "+8613812345678"),
        ("\u00a0138\u00a01234\u00a05678 ", "CN", "+8613812345678"),  # no-break spaces
        ("+1 (415) 555-2671", "CN", "+14155552671"),
        ("(415) 555-2671", "US", "+14155552671"),
        ("1-415-555-2671", "US", "+14155552671"),  # US trunk prefix 1
        ("+44 20 7946 0958", "CN", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+49 30 901820", "CN", "+4930901820"),
        ("8 (916) 123-45-67", "RU", "+79161234567"),  # Russian trunk prefix 8
    ],
)
def test_phone_is_normalised_to_e164(value: str, region: str, expected: str) -> None:
    assert normalize_phone(value, region) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "is not a phone number"),
        ("call me", "is not a phone number"),
        ("1", "is not a phone number"),
        ("12345", "is not a valid phone number"),
        ("1381234567", "is not a valid phone number"),  # one digit short
        ("138123456789", "is not a valid phone number"),  # one digit long
        ("+86 000 0000 0000", "is not a valid phone number"),
        ("+999 1234 5678", "is not a phone number"),  # no such country code
    ],
)
def test_invalid_phone_is_rejected(value: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        normalize_phone(value, "CN")


def test_contact_kinds_use_their_normaliser() -> None:
    assert normalize_contact("email", " A@B.CN ", "CN") == "a@b.cn"
    assert normalize_contact("phone", "13812345678", "CN") == "+8613812345678"
    assert normalize_contact("fax", "010 6552 9988", "CN") == "+861065529988"
    address = normalize_contact("address", " 北京市  朝阳区\n建国路１号 ", "CN")
    assert address == "北京市 朝阳区 建国路1号"
    assert normalize_contact("web", " Example.COM/Shop ", "CN") == "example.com/shop"
    with pytest.raises(ValueError, match="is empty"):
        normalize_contact("address", "   ", "CN")


# --------------------------------------------------------------------------- fast path


def reference(value: str, region: str) -> str | None:
    """libphonenumber's own answer: E.164 of a valid number, else ``None``."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def ours(value: str, region: str) -> str | None:
    try:
        return normalize_phone(value, region)
    except ValueError:
        return None


# Regions whose trunk and international prefixes differ from China's: a plain digit
# string means something else in each (US "1", RU "8", HU "06", MX "01"/"1", AR's "15"
# mobile infix, BR carrier codes, IT keeps its leading zero).
REGIONS = [
    "CN",
    "HK",
    "TW",
    "US",
    "GB",
    "DE",
    "FR",
    "IT",
    "RU",
    "HU",
    "MX",
    "AR",
    "BR",
    "IN",
    "JP",
    "KR",
    "SG",
    "AU",
    "NZ",
    "ZA",
]
COUNTRY_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
CN_MOBILE = st.builds(
    lambda prefix, rest: f"1{prefix}{rest}",
    st.integers(30, 99),
    st.text("0123456789", min_size=7, max_size=10),
)
PLAIN_DIGITS = st.text("0123456789", min_size=1, max_size=18)
E164_LIKE = st.builds(
    lambda code, rest: f"+{code}{rest}",
    st.sampled_from(COUNTRY_CODES),
    st.text("0123456789", min_size=0, max_size=15),
)
INTERNATIONAL_DIGITS = st.builds(
    lambda prefix, code, rest: f"{prefix}{code}{rest}",
    st.sampled_from(["00", "011", "810", "8"]),
    st.sampled_from(COUNTRY_CODES),
    st.text("0123456789", min_size=4, max_size=12),
)


def _punctuate(text: str, cuts: list[int], marks: str) -> str:
    out = list(text)
    for cut, mark in zip(sorted(cuts, reverse=True), marks, strict=False):
        out.insert(min(cut, len(out)), mark)
    return "".join(out)


PUNCTUATED = st.builds(
    _punctuate,
    st.one_of(CN_MOBILE, PLAIN_DIGITS, E164_LIKE),
    st.lists(st.integers(1, 16), max_size=3),
    st.text(" -.()\u00a0", min_size=3, max_size=3),
)
FULL_WIDTH = st.builds(
    lambda text: text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789+"}),
    st.one_of(CN_MOBILE, E164_LIKE),
)
PHONE_INPUTS = st.one_of(
    CN_MOBILE, PLAIN_DIGITS, E164_LIKE, INTERNATIONAL_DIGITS, PUNCTUATED, FULL_WIDTH
)


@settings(
    max_examples=4000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(value=PHONE_INPUTS, region=st.sampled_from(REGIONS))
def test_fast_path_agrees_with_libphonenumber(value: str, region: str) -> None:
    assert ours(value, region) == reference(value, region)


@pytest.mark.parametrize(
    ("value", "region"),
    [
        ("81080000000000", "RU"),  # 810: Russia's international call prefix
        ("89123456789", "RU"),  # 8: Russia's trunk prefix
        ("14155552671", "US"),  # 1: the North American trunk prefix
        ("011 86 138 1234 5678", "US"),  # 011: the North American international prefix
        ("17951 13812345678", "CN"),  # a carrier selection code before a mobile
    ],
)
def test_numbers_written_with_a_dialling_prefix_agree_with_libphonenumber(
    value: str, region: str
) -> None:
    assert ours(value, region) == reference(value, region)


@settings(max_examples=2000, deadline=None, database=None)
@given(value=CN_MOBILE)
def test_chinese_mobiles_agree_with_libphonenumber(value: str) -> None:
    assert ours(value, "CN") == reference(value, "CN")


def _examples() -> list[phonenumbers.PhoneNumber]:
    """libphonenumber's example number of every type of every region."""
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(12):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                found.append(example)
    return found


EXAMPLES = _examples()
# Valid numbers (examples with their last digits changed) and random ones.
NUMBERS = st.one_of(
    st.builds(
        lambda example, tail: phonenumbers.PhoneNumber(
            country_code=example.country_code,
            national_number=int(str(example.national_number)[: -len(tail)] + tail),
        ),
        st.sampled_from(EXAMPLES),
        st.text("0123456789", min_size=1, max_size=3),
    ),
    st.builds(
        lambda code, national: phonenumbers.PhoneNumber(
            country_code=code, national_number=national
        ),
        st.sampled_from(COUNTRY_CODES),
        st.integers(1, 10**15),
    ),
)


@settings(max_examples=4000, deadline=None, database=None)
@given(number=NUMBERS)
def test_validity_shortcut_agrees_with_libphonenumber(number: phonenumbers.PhoneNumber) -> None:
    assert _is_valid(number) == phonenumbers.is_valid_number(number)

import datetime as dt
import re
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portalwatch.normalise import phones
from portalwatch.normalise.dates import parse_date
from portalwatch.normalise.emails import on_domain, parse_emails
from portalwatch.normalise.phones import parse_phones, suggest_new_number
from portalwatch.normalise.text import clean_text, is_placeholder

PLACEHOLDERS = ("Đang cập nhật", "...", "xxx")


@pytest.mark.parametrize("raw, numbers", [
    pytest.param("(0254) 3852 361", ["+842543852361"], id="parenthesised-area-code"),
    pytest.param("0254.3852.361", ["+842543852361"], id="dotted"),
    pytest.param("(84-254) 3727.444", ["+842543727444"], id="country-code-in-parentheses"),
    pytest.param("+84 254 3852 361", ["+842543852361"], id="international"),
    pytest.param("(0254) 3 900 101", ["+842543900101"], id="split-subscriber"),
    pytest.param("0254 3900 105 - 0912 000 199", ["+842543900105", "+84912000199"], id="two-numbers"),
    pytest.param("0254.3900.102; 0912.000.111", ["+842543900102", "+84912000111"], id="semicolon"),
])
def test_valid_phone_formats(raw, numbers):
    field = parse_phones(raw)
    assert list(field.numbers) == numbers
    assert field.invalid == ()


def test_fax_written_in_the_phone_field_is_kept_apart():
    field = parse_phones("ĐT: 0254 3852 361 - Fax: 0254 3852 362")
    assert field.numbers == ("+842543852361",)
    assert field.fax == ("+842543852362",)


@pytest.mark.parametrize("raw, national, new", [
    pytest.param("064.3900.107", "0643900107", "+842543900107", id="old-area-code-064"),
    pytest.param("0168 9000 123", "01689000123", "+84389000123", id="old-11-digit-mobile"),
    pytest.param("0123 400 5678", "01234005678", "+84834005678", id="old-0123"),
])
def test_old_numbering_is_invalid_and_has_a_suggestion(raw, national, new):
    field = parse_phones(raw)
    assert field.numbers == ()
    assert field.invalid == (national,)
    assert suggest_new_number(national, {"64": "254"}) == new


def test_no_suggestion_for_a_number_that_is_simply_wrong():
    assert suggest_new_number("0991", {"64": "254"}) is None


def test_placeholder_text_holds_no_number():
    assert parse_phones("Đang cập nhật") == parse_phones(None)


def test_emails_are_found_lowercased_and_deduplicated():
    assert parse_emails("Email: UBND@VungTau.Baria-Vungtau.gov.vn; ubnd@vungtau.baria-vungtau.gov.vn") == [
        "ubnd@vungtau.baria-vungtau.gov.vn"]
    assert parse_emails("p7 [at] vungtau.baria-vungtau.gov.vn") == ["p7@vungtau.baria-vungtau.gov.vn"]
    assert parse_emails("xxx") == []


def test_official_domain_includes_subdomains_only():
    domains = ("baria-vungtau.gov.vn",)
    assert on_domain("p7@vungtau.baria-vungtau.gov.vn", domains)
    assert on_domain("x@baria-vungtau.gov.vn", domains)
    assert not on_domain("x@fakebaria-vungtau.gov.vn", domains)
    assert not on_domain("phuongthangtam@gmail.com", domains)


def test_dates_by_profile_format_and_vietnamese_long_form():
    assert parse_date("12/06/2022", ("%d/%m/%Y",)) == dt.date(2022, 6, 12)
    assert parse_date("Ngày 5 tháng 7 năm 2025", ("%d/%m/%Y",)) == dt.date(2025, 7, 5)
    assert parse_date("Cập nhật lúc 12/06/2022", ("%d/%m/%Y",)) == dt.date(2022, 6, 12)
    assert parse_date("31/02/2022", ("%d/%m/%Y",)) is None
    assert parse_date(None, ("%d/%m/%Y",)) is None


def test_clean_text_nfc_zero_width_and_blank():
    nfd = unicodedata.normalize("NFD", "Phường  Thắng\u200b Nhất ")
    assert clean_text(nfd) == "Phường Thắng Nhất"
    assert unicodedata.is_normalized("NFC", clean_text(nfd))
    assert clean_text("   ") is None
    assert clean_text(None) is None


def test_clean_text_collapses_every_whitespace_a_regular_expression_would():
    """Every character \\s matches (tabs, no-break, ideographic and other Unicode spaces, the
    information separators) becomes one space between words and is dropped at the ends; nothing else
    is touched."""
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if re.fullmatch(r"\s", chr(c))]
    assert "\u00a0" in spaces and "\u3000" in spaces and "\u200b" not in spaces
    text = "".join(spaces) + "Phường" + "".join(spaces) + "Thắng\u200bNhất" + "".join(reversed(spaces))
    assert clean_text(text) == "Phường ThắngNhất"
    for space in spaces:
        assert clean_text(f"{space}a{space}{space}b{space}") == "a b", repr(space)
    assert clean_text("\u200b \ufeff") is None


@pytest.mark.parametrize("value, expected", [
    ("Đang cập nhật", True), ("đang cập nhật.", True), ("...", True), ("…", True), ("xxx", True),
    ("XXXX", True), (unicodedata.normalize("NFD", "ĐANG CẬP NHẬT"), True),
    ("Đang cập nhật địa chỉ mới tại 12 Lê Lợi", False), ("0254 3852 361", False), ("xxx@gmail.com", False),
    # as portals write them: trailing dots or an ellipsis, brackets, "chưa", "được"
    ("Đang cập nhật...", True), ("Đang cập nhật…", True), ("(Đang cập nhật)", True), ("[đang cập nhật...]", True),
    ("Chưa cập nhật", True), ("Đang được cập nhật", True), ("xxx.", True), ("(0254) 3852 361", False),
    ("Chưa cập nhật số fax mới, gọi 0254 3852 361", False), ("(...)", True),
])
def test_placeholders(value, expected):
    assert is_placeholder(value, PLACEHOLDERS) is expected


_PHONE_CHARS = "0123456789 .-+()/,;:xX84"


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.from_regex(phones._PLAIN_NUMBER, fullmatch=True),
                 st.from_regex(r"\s?(?:0|\+84 ?)(?:(?:[235789]\d|1[2-9])\d)[ .\-]?\d{3,4}[ .\-]?\d{3,4}\s?",
                               fullmatch=True),
                 st.text(alphabet=_PHONE_CHARS, max_size=24)))
def test_the_plain_number_shortcut_agrees_with_the_matcher(text):
    """A number written alone is parsed directly; it must give what libphonenumber's matcher gives."""
    assert phones._valid_segment(text, "VN") == phones._matched_segment(text, "VN")


def test_landlines_are_known_from_the_parse():
    assert parse_phones("0254 3852 361 - 0912 000 199").landlines == ("2543852361",)
    assert parse_phones("(028) 3822 9999").landlines == ("2838229999",)
    assert parse_phones("ĐT: 0912 000 199 - Fax: 0254 3852 362").landlines == ("2543852362",)
    assert parse_phones("0912.000.199").landlines == ()

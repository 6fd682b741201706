"""Hostile and odd portal content: whatever a page shows, the monitor neither breaks nor lets it act.

Property tests (hypothesis) over normalisation, extraction and message rendering, and one example of
a finding full of markup, invisible characters and a very long value through every output.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from portalwatch.alerts.escape import clean, slack_text
from portalwatch.alerts.render import render_unit_html, render_unit_slack, render_unit_text
from portalwatch.extract.processors import PROCESSORS, build_processor
from portalwatch.extract.records import extract_records
from portalwatch.normalise.emails import parse_emails
from portalwatch.normalise.phones import parse_phones
from portalwatch.normalise.text import clean_text
from portalwatch.profile.loader import load_profile
from portalwatch.profile.registry import Registry
from portalwatch.render.base import RenderedPage
from portalwatch.reports.nightly import render_nightly_report
from portalwatch.reports.score import score_portal

from conftest import PROFILE_PATH
from test_alerts_render import NIGHT, PAGE, REPORT, UNIT, assert_slack_safe, digest, finding, html_tags, item

PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Text as a portal may show it: any character, with the awkward ones made likely.
ODD = st.lists(st.one_of(st.characters(), st.sampled_from(
    list("<>&!@|\"'`*_~:/ 0123456789+()-.,;Đđàáạảãươờ") + ["\u200b", "\u202e", "\u2066", "\ufeff", "\u00a0",
                                                          "\u0301", "\u0323", "e\u0301", "<!channel>", "<@U123>"])),
               max_size=150).map("".join)
INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")


def _nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


@PROPERTY
@given(ODD)
@example("A\ufeff\u0300")      # a zero-width character between a letter and its mark: "À" once removed
def test_clean_text_never_raises_is_idempotent_and_nfc(text):
    once = clean_text(text)
    assert once is None or (_nfc(once) and once == once.strip() and not any(c in once for c in INVISIBLE))
    assert clean_text(once) == once


@PROPERTY
@given(ODD)
@example("\u00a0\u200ba\u3000\u2028b\x1c")
def test_clean_text_reads_as_the_regular_expressions_it_replaced(text):
    """The same text as substituting the invisible characters and each run of whitespace by regular
    expressions, then NFC: str.split() is only the faster way."""
    spaced = re.sub(r"\s+", " ", re.sub("[\u200b\u200c\u200d\u2060\ufeff]", "", text)).strip()
    assert clean_text(text) == (unicodedata.normalize("NFC", spaced) or None)


@PROPERTY
@given(ODD)
@example("A\u200e\u0300")      # a direction mark between a letter and its mark: "À" once removed
def test_message_text_is_nfc_without_invisible_characters(text):
    out = clean(text)
    assert _nfc(out) and not any(c in out for c in (*INVISIBLE, "\u202e", "\u2066", "\u200e"))
    assert clean(out) == out


@PROPERTY
@given(ODD)
def test_emails_never_raise_are_lower_case_and_stable(text):
    found = parse_emails(text)
    assert all(a == a.lower() and "@" in a for a in found)
    assert parse_emails(", ".join(found)) == found


@PROPERTY
@given(ODD)
def test_phones_never_raise_and_are_e164(text):
    field = parse_phones(text)
    assert all(n.startswith("+") and n[1:].isdigit() for n in (*field.numbers, *field.fax))
    again = parse_phones(" ; ".join(field.numbers))
    assert again.numbers == field.numbers


@PROPERTY
@given(ODD, st.sampled_from([*PROCESSORS, {"after": "Email:"}, {"before": "Fax"}, {"after": "Ngày cập nhật:"},
                             {"remove": r"\s*\(.*?\)"}]))
def test_processors_never_raise(text, spec):
    assert isinstance(build_processor(spec)(text), str)


UNIT_SPEC = load_profile(PROFILE_PATH).page("unit_page")


@PROPERTY
@given(ODD, ODD)
@example(name="", phone="\ud800")    # a lone surrogate, as a page drawn by JavaScript can hold
def test_extracted_fields_are_nfc_text(name, phone):
    page_html = (f"<html><body><article class='don-vi-chi-tiet'><h1 class='ten-don-vi'>{html.escape(name)}</h1>"
                 f"<table class='thong-tin'><tr><th>Điện thoại</th><td>{html.escape(phone)}</td></tr></table>"
                 f"</article></body></html>")
    page = RenderedPage("http://127.0.0.1/x", "unit_page", 200, "http://127.0.0.1/x", page_html,
                        dt.datetime.now(dt.timezone.utc))
    [record] = extract_records(page, UNIT_SPEC)
    for value in record.values():
        if isinstance(value, str):
            assert _nfc(value)


@PROPERTY
@given(ODD)
def test_slack_text_lets_no_mention_or_markup_through(text):
    out = slack_text(text)
    assert "<!" not in out and "<@" not in out and "<#" not in out and "<" not in out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ODD)
def test_email_html_and_report_escape_any_value(value):
    f = finding(1, value=value, message=f"Tin {value}")
    page = render_unit_html(digest(new=[item(f)]))
    tags = html_tags(page)
    assert "script" not in tags.tags and set(tags.hrefs) <= {PAGE, REPORT}
    registry = Registry(units={UNIT.id: UNIT})
    report = render_nightly_report([f], registry, NIGHT, "Cổng", pages=1, notices=[{"kind": "page_failed",
                                   "url": PAGE, "error": value}], score=score_portal([f], registry, None, NIGHT))
    assert "script" not in html_tags(report).tags or "<script" not in value.lower()
    assert "<!channel>" not in report and "<@U123>" not in report


HOSTILE = ("<!channel> <@U123> <script>alert(1)</script> <b>x</b> zero\u200bwidth \u202eright-to-left "
           + "Đ" * 10_000)


def test_hostile_value_is_shown_as_text_everywhere():
    f = finding(1, value=HOSTILE, message="Trang có nội dung lạ.")
    d = digest(new=[item(f)])

    fallback, blocks = render_unit_slack(d)
    assert_slack_safe(fallback, blocks, {PAGE, REPORT})
    payload = json.dumps(blocks, ensure_ascii=False)
    assert "&lt;!channel&gt; &lt;@U123&gt; &lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;x&lt;/b&gt;" in payload
    assert "Đ" * 10_000 not in payload, "a long value is cut"

    page = render_unit_html(d)
    tags = html_tags(page)
    assert "script" not in tags.tags and "b" not in tags.tags
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;x&lt;/b&gt;" in page
    subject, text = render_unit_text(d)
    assert "<!channel> <@U123> <script>alert(1)</script> <b>x</b>" in text  # plain text stays plain
    for output in (subject, text, page, fallback, payload):
        assert "\u200b" not in output and "\u202e" not in output
        assert "Đ" * 10_000 not in output

    registry = Registry(units={UNIT.id: UNIT})
    report = render_nightly_report([f], registry, NIGHT, "Cổng", pages=1, notices=[],
                                   score=score_portal([f], registry, None, NIGHT))
    tags = html_tags(report)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;x&lt;/b&gt;" in report
    assert "<script>alert(1)" not in report and "<b>x</b>" not in report and "<!channel>" not in report


def test_yaml_is_loaded_safely(tmp_path):
    """A profile or registry carrying a Python object tag is refused with the file and line; the
    object is never built (the command in it never runs)."""
    from typer.testing import CliRunner

    from portalwatch.cli import app

    marker = tmp_path / "ran"
    hostile = PROFILE_PATH.read_text(encoding="utf-8") + (
        f'\nextra: !!python/object/apply:os.system ["touch {marker}"]\n')
    profile = tmp_path / "profile.yaml"
    profile.write_text(hostile, encoding="utf-8")
    for other in PROFILE_PATH.parent.iterdir():
        if other.name != "profile.yaml" and other.is_file():
            (tmp_path / other.name).write_bytes(other.read_bytes())
    result = CliRunner().invoke(app, ["run", "--no-prefect", "--profile", str(profile), "--out", str(tmp_path / "o"),
                                      "--base-url", "http://127.0.0.1:9/"])
    assert result.exit_code == 2, result.output
    line = hostile.count("\n")
    assert f"{profile}:{line}" in result.output and "python/object/apply" in result.output
    assert "Traceback" not in result.output
    assert not marker.exists()
    assert not (tmp_path / "o").exists(), "nothing was written for a refused profile"

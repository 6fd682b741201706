"""Reading the sample portal back without the monitor, shared by the tests of its two layouts.

The sample portal is the monitor's reference, so its own tests read what it serves with nothing of
the monitor: plain ``http.client`` requests, regular expressions, and the numbering rules written
out by hand. Both layouts (tests/test_sample_portal.py, tests/test_sample_portal_2025.py) use these.
"""
from __future__ import annotations

import html
import http.client
import re

import pytest

from sample_portal import SamplePortal, Scenario

#: A current 0254 landline (Bà Rịa - Vũng Tàu's area code) or a mobile, as national digits.
CURRENT_NUMBER = re.compile(r"0254\d{7}|0[35789]\d{8}")
MOBILE = re.compile(r"0[35789]\d{8}")


def digits(number: str) -> str:
    """National digits of one written number: '+84 254 3900 104' / '(84-254) 3900.103' -> '02543900104'."""
    d = re.sub(r"\D", "", number)
    if number.strip().startswith(("+84", "(84")):
        d = "0" + d[2:]
    return d


def valid_numbers(text: str) -> bool:
    """Every number of a field (several are joined by ' - ') is a current 0254 landline or a mobile."""
    return all(CURRENT_NUMBER.fullmatch(digits(p)) for p in text.split(" - "))


def valid_mobile(text: str) -> bool:
    return MOBILE.fullmatch(digits(text)) is not None


def get(portal: SamplePortal, path: str, headers: dict | None = None, timeout: float = 10):
    """(status, headers, body) of one GET on a fresh connection."""
    host, port = portal.base_url.split("//")[1].rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def text(fragment: str) -> str:
    """The text of an HTML fragment: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# Fixtures for a test module that defines ``sc`` (its scenario), which imports them: ``portal`` and
# an autouse reset. Their functions are named apart from the fixtures so that no test argument
# shadows an imported name.
@pytest.fixture(scope="module", name="portal")
def served_portal(sc: Scenario):
    """The module's scenario served on a loopback port, night 1."""
    with SamplePortal(sc, night=1) as p:
        yield p


@pytest.fixture(autouse=True, name="_healthy")
def portal_left_healthy(request):
    """After each test that used the portal: faults off and night 1 again, for the next test."""
    yield
    if "portal" in request.fixturenames:
        p = request.getfixturevalue("portal")
        p.faults.reset()
        p.set_night(1)

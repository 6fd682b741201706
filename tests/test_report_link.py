"""The messages link a report the units can open: on the intranet server that publishes the output
folder (PORTALWATCH_REPORTS_URL), else the report's path on this machine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import PROFILE_PATH
from portalwatch import night as stages
from portalwatch.errors import ConfigError
from portalwatch.settings import Settings, load_settings
from portalwatch.store import open_store

PUBLISHED = "https://intranet.example.gov.vn/portalwatch/"


def test_the_published_address_is_read_and_checked():
    assert load_settings({}).reports_url is None
    assert load_settings({"PORTALWATCH_REPORTS_URL": "https://intranet.example.gov.vn/portalwatch"}).reports_url == \
        PUBLISHED
    for bad in ("intranet/portalwatch", "file:///srv/out", "https://", "https://a.gov.vn/?x=1"):
        with pytest.raises(ConfigError, match=r"PORTALWATCH_REPORTS_URL=.*expected an http\(s\) address"):
            load_settings({"PORTALWATCH_REPORTS_URL": bad})


def test_an_address_no_link_can_hold_or_with_a_password_is_refused():
    """Every message links the report: an address with a space would show as plain text (or be cut
    at the space), and one with a user name and password would hand them to every unit."""
    for bad in ("https://intranet.example.gov.vn/bao cao", "https://intra net.gov.vn/x", 'https://a.gov.vn/"x',
                "https://a.gov.vn/<x>", "https://a.gov.vn/a|b", "https://a.gov.vn/x\ny"):
        with pytest.raises(ConfigError, match=r"PORTALWATCH_REPORTS_URL=.*a character a link cannot.*%20"):
            load_settings({"PORTALWATCH_REPORTS_URL": bad})
    for bad in ("https://user:secret@intranet.example.gov.vn/", "https://user@intranet.example.gov.vn/"):
        with pytest.raises(ConfigError, match="user name or password") as caught:
            load_settings({"PORTALWATCH_REPORTS_URL": bad})
        assert "secret" not in str(caught.value), "the password is not repeated in the error"
    for bad in ("https://user:S3cret@intra.example.gov.vn/bao cao/", "https://user:S3cret@a.gov.vn/?a=1",
                "https://user:S3cret@a.gov.vn:99999/", "ftp://user:S3cret@a.gov.vn/"):
        with pytest.raises(ConfigError, match=r"PORTALWATCH_REPORTS_URL='\w+://\*\*\*@") as caught:
            load_settings({"PORTALWATCH_REPORTS_URL": bad})
        assert "S3cret" not in str(caught.value) and "user" not in str(caught.value), "whatever else is wrong"
    from portalwatch.settings import http_url_setting

    assert http_url_setting({"PORTALWATCH_SLACK_BASE_URL": "http://u:p@127.0.0.1:9/api"}, "PORTALWATCH_SLACK_BASE_URL") \
        == "http://u:p@127.0.0.1:9/api/", "an address no message shows may carry credentials (a proxy's)"
    assert load_settings({"PORTALWATCH_REPORTS_URL": "https://intranet.example.gov.vn/b%C3%A1o%20c%C3%A1o"}
                         ).reports_url == "https://intranet.example.gov.vn/b%C3%A1o%20c%C3%A1o/"


def test_report_link_is_published_under_the_output_folder_else_a_local_path(tmp_path):
    out, night = tmp_path / "out", dt.date(2022, 6, 13)
    published = Settings(reports_url=PUBLISHED)
    assert stages.report_link(out, "vungtau-2022", night, published) == \
        PUBLISHED + "vungtau-2022/2022-06-13/report.html"
    assert stages.report_link(out, "vungtau-2022", night, Settings()) == \
        str(out.resolve() / "vungtau-2022" / "2022-06-13" / "report.html")
    assert stages.published(out, out / "phường 7" / "x.html", published) == PUBLISHED + "ph%C6%B0%E1%BB%9Dng%207/x.html"
    assert stages.published(out, tmp_path / "elsewhere.html", published) is None, "outside the folder: not published"


@pytest.mark.browser
def test_every_message_of_the_night_links_the_published_report(tmp_path, portal, nights):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    out = tmp_path / "out"
    outputs = stages.run_night(PROFILE_PATH, out, now=nights[1].date.isoformat(), base_url=portal.base_url, db=url,
                               settings=Settings(reports_url=PUBLISHED))
    link = f"{PUBLISHED}vungtau-2022/{nights[1].date.isoformat()}/report.html"
    store = open_store(url)
    try:
        messages = [m for m in store.messages() if m["night"] == nights[1].date]
    finally:
        store.dispose()
    digests = [m for m in messages if m["recipient"] != "ops"]
    recipients = {m["recipient"] for m in digests}
    assert "vp-office" in recipients and len(recipients) == outputs.summary["unit_messages"] + 1
    for message in digests:
        # an e-mail links it in its text and its HTML, a Slack message in its blocks
        shown = [message["body_text"], message["body_html"]] if message["channel"] == "email" else [message["blocks"]]
        for text in shown:
            assert link in text, (message["recipient"], message["channel"])
        assert str(Path(out).resolve()) not in "".join(filter(None, (message["body_text"], message["body_html"],
                                                                      message["blocks"]))), "no path of this machine"

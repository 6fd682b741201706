"""The profile loader: the bundled profile loads, and each kind of mistake is named precisely."""

from pathlib import Path

import pytest

from portalwatch.errors import ProfileError
from portalwatch.profile import load_profile

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "profiles" / "vungtau-2022" / "profile.yaml"


def test_bundled_profile_loads():
    profile = load_profile(PROFILE)
    assert profile.name == "vungtau-2022"
    assert {"unit_index", "unit_page", "directory"} <= set(profile.pages)
    assert profile.page("directory").rows
    assert profile.checks.required["units"] == ("intro", "address", "phone", "fax", "email")
    assert profile.registry_path == PROFILE.parent / "registry.yaml"


def test_with_base_url_points_at_another_host():
    profile = load_profile(PROFILE).with_base_url("http://127.0.0.1:8123")
    assert profile.base_url == "http://127.0.0.1:8123/"
    assert profile.allowed_hosts == ("127.0.0.1",)


@pytest.mark.parametrize("url", ["notaurl", "ftp://portal.example.gov.vn/", "http://", "http://[::1/",
                                 "http://127.0.0.1:port/"])
def test_with_base_url_refuses_what_is_not_an_http_address(url):
    with pytest.raises(ProfileError) as caught:
        load_profile(PROFILE).with_base_url(url)
    assert str(caught.value).startswith("--base-url ") and repr(url) in str(caught.value)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
name: test
base_url: "https://portal.example.gov.vn/"
registry: registry.yaml
pages:
  unit_index:
    urls: ["/units"]
    links:
      - {to: unit_page, css: "a.unit"}
  unit_page:
    fields:
      unit_name: {css: "h1"}
  directory:
    urls: ["/phones"]
    rows: "tr"
    fields:
      person_name: {css: "td.name"}
"""


def test_minimal_profile_loads(tmp_path):
    profile = load_profile(_write(tmp_path, MINIMAL))
    assert profile.allowed_hosts == ("portal.example.gov.vn",)


@pytest.mark.parametrize("edit, message", [
    pytest.param(lambda t: t.replace('name: test\n', ''), r"profile.yaml:1, key 'name': missing required key",
                 id="missing-key"),
    pytest.param(lambda t: t.replace('registry: registry.yaml', 'registry: [a, b]'),
                 r"profile.yaml:3, key 'registry': expected a text, found a list of 2 items", id="wrong-type"),
    pytest.param(lambda t: t.replace('    rows: "tr"', '    rowz: "tr"'),
                 r"profile.yaml:14, key 'pages.directory.rowz': unknown key; did you mean 'rows'\?", id="typo"),
    pytest.param(lambda t: t.replace('{css: "h1"}', '{css: "h1[[["}'),
                 r"key 'pages.unit_page.fields.unit_name.css': invalid CSS selector", id="bad-css"),
    pytest.param(lambda t: t.replace('{css: "h1"}', '{xpath: "//h1[("}'),
                 r"key 'pages.unit_page.fields.unit_name.xpath': invalid XPath", id="bad-xpath"),
    pytest.param(lambda t: t.replace('{css: "h1"}', '{css: "h1", xpath: "//h1"}'),
                 r"give exactly one of 'css' or 'xpath'", id="both-selectors"),
    pytest.param(lambda t: t.replace('{to: unit_page,', '{to: unit_pages,'),
                 r"links to unknown page type 'unit_pages'", id="unknown-link-target"),
    pytest.param(lambda t: t.replace('https://portal.example.gov.vn/', 'portal.example.gov.vn'),
                 r"key 'base_url': expected an http\(s\) URL", id="bad-url"),
    pytest.param(lambda t: t.replace('https://portal.example.gov.vn/', 'https://portal.example.gov.vn:port/'),
                 r"key 'base_url': expected an http\(s\) URL", id="bad-port"),
    pytest.param(lambda t: t.replace('base_url: "https://portal.example.gov.vn/"',
                                     'base_url: "https://portal.example.gov.vn/"\nallowed_hosts: [other.vn]'),
                 r"must be one of allowed_hosts", id="host-not-allowed"),
    pytest.param(lambda t: t.replace('base_url: "https://portal.example.gov.vn/"',
                                     'base_url: "https://portal.example.gov.vn:8443/"\n'
                                     'allowed_hosts: ["portal.example.gov.vn:8443"]'),
                 r"key 'allowed_hosts': 'portal.example.gov.vn:8443': allowed_hosts are host names without a port "
                 r"or scheme \(write 'portal.example.gov.vn'\)", id="host-with-port"),
    pytest.param(lambda t: t.replace('      unit_name: {css: "h1"}', '      unit_nam: {css: "h1"}'),
                 r"key 'pages.unit_page.fields.unit_nam': unknown field for page type 'unit_page'",
                 id="unknown-field"),
    pytest.param(lambda t: t + "checks:\n  required:\n    units: [phone, telefax]\n",
                 r"key 'checks.required.units': unknown field 'telefax'", id="unknown-required-field"),
    pytest.param(lambda t: t + "render:\n  block: [pictures]\n", r"cannot block 'pictures'", id="bad-block"),
    pytest.param(lambda t: t + "render:\n  revalidate: sometimes\n",
                 r"key 'render.revalidate': expected true or false, found str 'sometimes'", id="bad-revalidate"),
    pytest.param(lambda t: t + "render:\n  delay_s: -1\n",
                 r"key 'render.delay_s': expected seconds from 0 to 60 between two page requests", id="bad-delay"),
    pytest.param(lambda t: t + "render:\n  auto_throttle: true\n  target_concurrency: 0\n",
                 r"key 'render.target_concurrency': expected a number of requests from 0.1 to 64",
                 id="bad-target-concurrency"),
    pytest.param(lambda t: t + "render:\n  delay_s: 2\n  max_delay_s: 1\n",
                 r"key 'render.max_delay_s': expected seconds from delay_s \(2\) to 600", id="bad-max-delay"),
    pytest.param(lambda t: t + "render:\n  auto_throttle: yes please\n",
                 r"key 'render.auto_throttle': expected true or false", id="bad-auto-throttle"),
    pytest.param(lambda t: t + "render:\n  http_concurrency: 0\n",
                 r"key 'render.http_concurrency': expected a whole number from 1 to 64", id="bad-http-concurrency"),
    pytest.param(lambda t: t + "render:\n  timeout_s: 0\n",
                 r"key 'render.timeout_s': expected seconds above 0, at most 600", id="bad-timeout"),
    pytest.param(lambda t: t + "render:\n  delay: 1\n", r"key 'render.delay': unknown key; did you mean 'delay_s'",
                 id="delay-typo"),
    pytest.param(lambda t: t + "checks:\n  min_rows_ratio: 1.5\n",
                 r"key 'checks.min_rows_ratio': expected a share between 0 and 1", id="bad-ratio"),
    pytest.param(lambda t: t.replace('    rows: "tr"\n', ''), r"the directory page needs 'rows'", id="no-rows"),
    pytest.param(lambda t: t.replace('      unit_name: {css: "h1"}', '      unit_name: {css: "h1", clean: [trim]}'),
                 r"key 'pages.unit_page.fields.unit_name.clean': unknown clean-up 'trim'", id="bad-clean"),
    pytest.param(lambda t: t + "pages: {}\n", r"profile.yaml:\d+: invalid YAML: .*duplicate key 'pages'",
                 id="duplicate-key"),
    pytest.param(lambda t: t.replace('name: test', 'name: [test'), r"profile.yaml:\d+: invalid YAML", id="bad-yaml"),
    pytest.param(lambda t: t.replace('name: test', 'name: "../../escape"'),
                 r"profile.yaml:1, key 'name': expected 1 to 64 letters, digits.*found '../../escape'", id="name-path"),
    pytest.param(lambda t: t.replace('name: test', 'name: ""'), r"profile.yaml:1, key 'name': expected 1 to 64",
                 id="name-empty"),
    pytest.param(lambda t: t.replace('name: test', 'name: ".."'), r"key 'name': expected 1 to 64", id="name-dots"),
    pytest.param(lambda t: t.replace('name: test', 'name: "vung tau/2022"'), r"key 'name': expected 1 to 64",
                 id="name-slash"),
    pytest.param(lambda t: t.replace('name: test', f'name: {"x" * 65}'), r"key 'name': expected 1 to 64",
                 id="name-too-long"),
    pytest.param(lambda t: t + "contacts:\n  region: ZZ\n",
                 r"profile.yaml:\d+, key 'contacts.region': unknown phone region 'ZZ'", id="unknown-region"),
    pytest.param(lambda t: t + "contacts:\n  region: vn\n",
                 r"key 'contacts.region': unknown phone region 'vn'; did you mean 'VN'\?", id="lowercase-region"),
    pytest.param(lambda t: t + 'contacts:\n  area_codes: ["abc"]\n',
                 r"key 'contacts.area_codes': expected area codes as digits without the leading 0, found 'abc'",
                 id="area-code-letters"),
    pytest.param(lambda t: t + 'contacts:\n  area_codes: ["0254"]\n',
                 r"key 'contacts.area_codes': expected area codes as digits without the leading 0, found '0254'",
                 id="area-code-leading-zero"),
    pytest.param(lambda t: t + 'contacts:\n  old_area_codes: {"64": "x254"}\n',
                 r"key 'contacts.old_area_codes': expected area codes as digits", id="old-area-code-letters"),
    pytest.param(lambda t: t + 'contacts:\n  email_domains: ["not a domain!!"]\n',
                 r"key 'contacts.email_domains': expected a domain name .*found 'not a domain!!'", id="bad-domain"),
    pytest.param(lambda t: t + 'contacts:\n  email_domains: ["@baria-vungtau.gov.vn"]\n',
                 r"key 'contacts.email_domains': expected a domain name", id="domain-with-at"),
    pytest.param(lambda t: t + 'contacts:\n  email_domains: ["gov..vn"]\n',
                 r"key 'contacts.email_domains': expected a domain name", id="domain-empty-label"),
    pytest.param(lambda t: t + "checks:\n  unit_page_max_age_working_days: -5\n",
                 r"key 'checks.unit_page_max_age_working_days': expected a whole number of at least 1",
                 id="negative-max-age"),
    pytest.param(lambda t: t + "checks:\n  unit_page_max_age_working_days: 0\n",
                 r"key 'checks.unit_page_max_age_working_days': expected a whole number of at least 1",
                 id="zero-max-age"),
    pytest.param(lambda t: t + 'dates:\n  formats: ["%d/%m/%Y", "%Q/%m"]\n',
                 r"key 'dates.formats': the date format '%Q/%m' cannot read a date .*bad directive",
                 id="bad-date-directive"),
    pytest.param(lambda t: t + 'dates:\n  formats: ["%d/%m/%"]\n',
                 r"key 'dates.formats': the date format '%d/%m/%' cannot read a date", id="stray-percent"),
    pytest.param(lambda t: t + 'dates:\n  formats: ["%d/%m"]\n',
                 r"key 'dates.formats': the date format '%d/%m' does not read a whole date", id="date-without-year"),
    pytest.param(lambda t: t + 'dates:\n  formats: []\n', r"key 'dates.formats': no date format", id="no-format"),
    pytest.param(lambda t: t + 'policy:\n  maintenance: [{from: "2022-06-20 06:00", to: "2022-06-20 00:00"}]\n',
                 r"key 'policy.maintenance\[0\].to': the window must end after it starts", id="maintenance-reversed"),
    pytest.param(lambda t: t + 'policy:\n  maintenance: [{from: "2022-06-20 06:00", to: "2022-06-20 06:00"}]\n',
                 r"key 'policy.maintenance\[0\].to': the window must end after it starts", id="maintenance-empty"),
])
def test_malformed_profiles_are_named(tmp_path, edit, message):
    with pytest.raises(ProfileError, match=message):
        load_profile(_write(tmp_path, edit(MINIMAL)))


def test_render_pace_is_read_and_defaults_to_none(tmp_path):
    paced = load_profile(_write(tmp_path, MINIMAL + "render:\n  delay_s: 0.5\n  http_concurrency: 2\n"))
    assert (paced.render.delay_s, paced.render.http_concurrency) == (0.5, 2)
    plain = load_profile(_write(tmp_path, MINIMAL))
    assert (plain.render.delay_s, plain.render.http_concurrency) == (0.0, None)
    assert (plain.render.auto_throttle, plain.render.target_concurrency, plain.render.max_delay_s) == (False, 1.0, 10.0)
    auto = load_profile(_write(tmp_path, MINIMAL + "render:\n  auto_throttle: true\n  target_concurrency: 2\n"
                                                  "  max_delay_s: 30\n"))
    assert (auto.render.auto_throttle, auto.render.target_concurrency, auto.render.max_delay_s) == (True, 2.0, 30.0)


def test_quiet_hours_default_to_the_night_and_can_be_turned_off(tmp_path):
    assert load_profile(_write(tmp_path, MINIMAL)).policy.quiet_hours == ("21:00", "07:00")
    own = load_profile(_write(tmp_path, MINIMAL + 'policy:\n  quiet_hours: "22:30-06:00"\n'))
    assert own.policy.quiet_hours == ("22:30", "06:00")
    assert load_profile(_write(tmp_path, MINIMAL + 'policy:\n  quiet_hours: "off"\n')).policy.quiet_hours is None
    with pytest.raises(ProfileError, match=r"key 'policy.quiet_hours': expected 'HH:MM-HH:MM' or 'off'"):
        load_profile(_write(tmp_path, MINIMAL + 'policy:\n  quiet_hours: "never"\n'))


def test_missing_profile_file(tmp_path):
    with pytest.raises(ProfileError, match=r"nope.yaml: file not found"):
        load_profile(tmp_path / "nope.yaml")


@pytest.mark.parametrize("text, message", [
    ("", r"profile.yaml: the file is empty: expected a mapping of keys"),
    ("# a profile to write\n", r"profile.yaml: the file is empty: expected a mapping of keys"),
    ("- name: test\n", r"profile.yaml: expected a mapping, found a list$"),
])
def test_a_profile_that_is_not_a_mapping_says_what_it_is(tmp_path, text, message):
    """In words, not in Python's type names ("found NoneType")."""
    with pytest.raises(ProfileError, match=message) as raised:
        load_profile(_write(tmp_path, text))
    assert "NoneType" not in str(raised.value)


@pytest.mark.parametrize("name", ["vungtau-2022", "phuong-vung-tau-2025", "p7", "Ward_7.v2", "x" * 64])
def test_a_slug_is_a_valid_name(tmp_path, name):
    assert load_profile(_write(tmp_path, MINIMAL.replace("name: test", f"name: {name}"))).name == name


def test_contact_and_date_rules_that_are_well_formed_load(tmp_path):
    profile = load_profile(_write(tmp_path, MINIMAL + """\
contacts:
  region: VN
  area_codes: ["254", "28"]
  old_area_codes: {"64": "254"}
  email_domains: ["Baria-Vungtau.gov.vn", "hochiminhcity.gov.vn"]
checks:
  unit_page_max_age_working_days: 1
dates:
  formats: ["%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M", "%d/%m/%y"]
policy:
  maintenance: [{from: "2022-06-20 00:00", to: "2022-06-20 06:00"}]
"""))
    assert profile.contacts.area_codes == ("254", "28")
    assert profile.contacts.email_domains == ("baria-vungtau.gov.vn", "hochiminhcity.gov.vn")
    assert profile.checks.unit_page_max_age_working_days == 1
    assert profile.date_formats == ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d %H:%M", "%d/%m/%y")
    assert profile.policy.maintenance == (("2022-06-20T00:00:00", "2022-06-20T06:00:00"),)


def test_both_bundled_profiles_load():
    for folder in ("vungtau-2022", "phuong-vung-tau-2025"):
        assert load_profile(ROOT / "profiles" / folder / "profile.yaml").name == folder


@pytest.mark.parametrize("edit, message", [
    (("registry: registry.yaml", "registry: registy.yaml"),
     r"profile.yaml:9, key 'registry': file not found: .*registy.yaml$"),
    (("roster: roster.csv", "roster: rooster.csv"), r"profile.yaml:10, key 'roster': file not found: .*rooster.csv$"),
    (("responsible: van-phong}", "responsible: van-phongg}"),
     r"profile.yaml:78, key 'sections.schedule.responsible': 'van-phongg' is not a unit of the registry"),
])
def test_what_the_profile_names_and_is_not_there_is_told_at_the_profiles_line(tmp_path, edit, message):
    """A registry or roster file that does not exist, or a unit the registry lacks, is the profile's
    mistake: its file, line and key are named, not only the path it led to."""
    import shutil

    from portalwatch.night import load_config

    for name in ("profile.yaml", "registry.yaml", "roster.csv"):
        shutil.copy(PROFILE.parent / name, tmp_path / name)
    text = (tmp_path / "profile.yaml").read_text(encoding="utf-8")
    assert text.count(edit[0]) == 1
    (tmp_path / "profile.yaml").write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
    with pytest.raises(ProfileError, match=message):
        load_config(tmp_path / "profile.yaml")

"""YAML configuration: positions survive the fast (libyaml) parser, and errors name the exact line."""

from __future__ import annotations

import pytest
import yaml

from portalwatch.errors import ConfigError
from portalwatch.profile.yamlio import _Loader, line_of, load_yaml

TEXT = """\
name: test
pages:
  unit_page:
    fields:
      phone: ".phone"
      email: ".email"
units:
  - id: ubnd-phuong-1
    name: "UBND Phường 1"
  - id: ubnd-phuong-2
    name: "UBND Phường 2"
"""


def test_the_parser_is_libyaml_where_pyyaml_has_it():
    if getattr(yaml, "__with_libyaml__", False):
        assert issubclass(_Loader, yaml.CSafeLoader)
    assert issubclass(_Loader, (yaml.SafeLoader, getattr(yaml, "CSafeLoader", yaml.SafeLoader)))


def test_every_key_keeps_its_line(tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text(TEXT, encoding="utf-8")
    data = load_yaml(path)
    assert line_of(data, "pages") == 2
    assert line_of(data["pages"]["unit_page"]["fields"], "email") == 6
    assert line_of(data["units"][1], "name") == 11
    assert data["units"][1]["name"] == "UBND Phường 2"


@pytest.mark.parametrize("text, line, words", [
    (TEXT + "pages: {}\n", 12, "duplicate key 'pages'"),
    # the parser finds an unclosed quote at the end of the file: the line where it was opened is named too
    (TEXT.replace('name: "UBND Phường 2"', 'name: "UBND Phường 2'), 12,
     "while scanning a quoted scalar begun on line 11"),
    (TEXT.replace("    name: \"UBND Phường 1\"", "    name: [UBND Phường 1"), 10,
     "while parsing a flow sequence begun on line 9"),
    # a quote left open mid-file runs on until the parser trips lines later: the quote's line is named
    (TEXT.replace('name: "UBND Phường 1"', 'name: "UBND Phường 1'), 11, "is the quote opened on line 9 closed?"),
], ids=["duplicate-key", "unclosed-quote", "unclosed-list", "unclosed-quote-mid-file"])
def test_an_error_names_the_file_and_the_line(tmp_path, text, line, words):
    path = tmp_path / "profile.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_yaml(path)
    message = str(raised.value)
    assert words in message
    assert f"profile.yaml:{line}" in message, message


def test_python_object_tags_are_refused(tmp_path):
    path = tmp_path / "profile.yaml"
    path.write_text("name: !!python/object/apply:os.system ['true']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"profile.yaml:1: invalid YAML"):
        load_yaml(path)


def test_a_date_that_is_no_real_date_is_kept_as_its_text(tmp_path):
    """``since: 2025-13-01`` must reach the key that expects a date, which names it: PyYAML would
    raise a bare ValueError from inside the parse, with no file, line or key."""
    import datetime as dt

    path = tmp_path / "x.yaml"
    path.write_text("good: 2025-07-01\nbad: 2025-13-01\nwhen: 2025-02-30 10:00\n", encoding="utf-8")
    assert load_yaml(path) == {"good": dt.date(2025, 7, 1), "bad": "2025-13-01", "when": "2025-02-30 10:00"}

import pytest

from portalwatch.extract.processors import build_processor, collapse_whitespace


def test_collapse_whitespace_folds_newlines_tabs_and_nbsp():
    assert collapse_whitespace("  Số 89\n\t Lý Thường\u00a0Kiệt  ") == "Số 89 Lý Thường Kiệt"


@pytest.mark.parametrize("spec, text, expected", [
    pytest.param("strip", " : 0254 3852 361 - ", "0254 3852 361", id="strip-separators"),
    pytest.param({"after": "Ngày cập nhật:"}, "Ngày cập nhật: 12/06/2022", "12/06/2022", id="after"),
    pytest.param({"after": "ngày cập nhật:"}, "NGÀY CẬP NHẬT: 12/06/2022", "12/06/2022", id="after-casefold"),
    pytest.param({"after": "Fax:"}, "no label here", "no label here", id="after-absent-label"),
    pytest.param({"before": "Fax"}, "0254 3852 361 Fax 0254 3852 362", "0254 3852 361", id="before"),
    pytest.param({"remove": r"\(.*?\)"}, "Phường 7 (cũ)", "Phường 7", id="remove"),
    pytest.param("lower", "UBND@Vungtau.GOV.VN", "ubnd@vungtau.gov.vn", id="lower"),
])
def test_processors(spec, text, expected):
    assert build_processor(spec)(text) == expected


def test_after_matches_nfd_label():
    import unicodedata
    text = unicodedata.normalize("NFD", "Ngày cập nhật: 01/06/2022")
    assert build_processor({"after": "Ngày cập nhật:"})(text) == "01/06/2022"


@pytest.mark.parametrize("spec, message", [
    ("trim", "unknown clean-up 'trim'"),
    ({"after": 3}, "unknown clean-up 'after' with argument 3"),
    ({"remove": "("}, "invalid regular expression"),
    (["strip"], "a clean-up is a name or a one-key mapping"),
])
def test_bad_processor_specs_are_named(spec, message):
    with pytest.raises(ValueError, match=message):
        build_processor(spec)

"""Extraction on saved HTML, by the bundled profile: no browser, no network."""

import datetime as dt
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parsel import Selector

from portalwatch.extract.fields import text_of
from portalwatch.extract.processors import collapse_whitespace
from portalwatch.extract.records import extract_links, extract_records
from portalwatch.profile import load_profile
from portalwatch.render.base import RenderedPage

PROFILE = load_profile(Path(__file__).resolve().parents[1] / "profiles" / "vungtau-2022" / "profile.yaml")
NOW = dt.datetime(2022, 6, 13, tzinfo=dt.timezone.utc)

UNIT_PAGE = """<html lang="vi"><body><article class="don-vi-chi-tiet">
<h1 class="ten-don-vi">Ủy ban nhân dân Phường 7</h1>
<div class="gioi-thieu"><p>Phường 7 nằm ở trung tâm
thành phố.</p><p>Có 12 khu phố.</p></div>
<table class="thong-tin">
<tr><th>Địa chỉ:</th><td>  12 Lê Lợi,   Phường 7 </td></tr>
<tr><th>Điện thoại:</th><td>(0254) 3 900 107</td></tr>
<tr><th>Email:</th><td>Đang cập nhật</td></tr>
</table>
<h2>Lãnh đạo đơn vị</h2>
<ul class="lanh-dao"><li><span class="ho-ten">Trần Thị Bình</span> - <span class="chuc-vu">Chủ tịch</span></li>
<li><span class="ho-ten">Lê Văn Cường</span> - <span class="chuc-vu">Phó Chủ tịch</span></li></ul>
<p class="ngay-cap-nhat">Ngày cập nhật: 01/06/2022</p>
</article></body></html>"""

DIRECTORY = """<html><body data-danh-ba="ready"><div class="tab-pane" id="phuong-xa">
<section class="khoi-don-vi"><h3 class="ten-don-vi">UBND Phường 7</h3>
<table class="danh-ba"><thead><tr><th>Họ và tên</th></tr></thead><tbody>
<tr><td class="ho-ten">Trần Thị Bình</td><td class="chuc-vu">Chủ tịch</td><td class="dt-co-quan">0254 3900 171</td>
<td class="di-dong">0912 000 171</td><td class="email">binhtt@vungtau.baria-vungtau.gov.vn</td></tr>
<tr><td class="ho-ten">Lê Văn Cường</td><td class="chuc-vu">Phó Chủ tịch</td><td class="dt-co-quan"></td>
<td class="di-dong">0168 9000 123</td><td class="email">&lt;!channel&gt;</td></tr>
</tbody></table></section>
<section class="khoi-don-vi"><h3 class="ten-don-vi">Phòng Y tế</h3>
<table class="danh-ba"><tbody><tr><td class="ho-ten">Phạm Văn Dũng</td><td class="chuc-vu">Trưởng phòng</td>
<td class="dt-co-quan">0254 3900 201</td><td class="di-dong">0912 000 201</td><td class="email">a@b.vn</td></tr></tbody></table>
</section></div></body></html>"""


def _page(html: str, page_type: str, status: int = 200, url: str = "http://portal.test/x", **meta) -> RenderedPage:
    return RenderedPage(url, page_type, status, url, html, NOW, meta=meta)


def test_unit_page_fields():
    [record] = extract_records(_page(UNIT_PAGE, "unit_page"), PROFILE.page("unit_page"))
    assert record["unit_name"] == "Ủy ban nhân dân Phường 7"
    assert record["intro"] == "Phường 7 nằm ở trung tâm thành phố. Có 12 khu phố."
    assert record["address"] == "12 Lê Lợi, Phường 7"
    assert record["phone"] == "(0254) 3 900 107"
    assert record["fax"] is None  # the row is absent: a missing field, not an empty one
    assert record["email"] == "Đang cập nhật"
    assert record["leaders"] == ["Trần Thị Bình", "Lê Văn Cường"]
    assert record["updated"] == "01/06/2022"
    assert record["http_status"] == 200


def test_labels_in_nfd_still_match():
    nfd = unicodedata.normalize("NFD", UNIT_PAGE)
    [record] = extract_records(_page(nfd, "unit_page"), PROFILE.page("unit_page"))
    assert record["address"] == "12 Lê Lợi, Phường 7"  # the label "Địa chỉ" matched although served in NFD
    assert record["updated"] == "01/06/2022"
    assert record["unit_name"] == "Ủy ban nhân dân Phường 7"
    assert unicodedata.is_normalized("NFC", record["intro"])


def test_failed_page_still_yields_its_unit():
    [record] = extract_records(_page("Không tìm thấy trang", "unit_page", status=404, link_text="Phường 9"),
                               PROFILE.page("unit_page"))
    assert record["http_status"] == 404
    assert record["link_text"] == "Phường 9"
    assert "phone" not in record


def test_directory_rows_carry_their_unit_heading():
    rows = extract_records(_page(DIRECTORY, "directory"), PROFILE.page("directory"))
    assert [(r["unit_name"], r["person_name"]) for r in rows] == [
        ("UBND Phường 7", "Trần Thị Bình"), ("UBND Phường 7", "Lê Văn Cường"), ("Phòng Y tế", "Phạm Văn Dũng")]
    assert rows[1]["office_phone"] == ""
    assert rows[1]["mobile"] == "0168 9000 123"
    assert rows[1]["email"] == "<!channel>"  # text, as the site shows it


def test_links_are_absolute_deduplicated_and_carry_their_text():
    html = """<ul class="ds-don-vi"><li><a class="don-vi" href="/he-thong-chinh-tri/phuong-7">Phường 7</a></li>
    <li><a class="don-vi" href="/he-thong-chinh-tri/phuong-7#top">Phường 7</a></li>
    <li><a class="don-vi" href="https://elsewhere.example/x">Khác</a></li>
    <li><a class="don-vi" href="javascript:void(0)">JS</a></li></ul>"""
    page = _page(html, "unit_index", url="http://portal.test/he-thong-chinh-tri")
    links = extract_links(page, PROFILE.page("unit_index").links[0])
    assert links == [("http://portal.test/he-thong-chinh-tri/phuong-7", "Phường 7"),
                     ("https://elsewhere.example/x", "Khác")]


_MARKUP = st.sampled_from(["<b>", "</b>", "<td>", "</td>", "<br>", "<!-- c -->", "<script>x=1</script>",
                           "<p>", "</p>", "&amp;", "&nbsp;", " ", "\n", "Điện thoại", "0254 3852 361", "<span>",
                           "</span>", "<![CDATA[x]]>", "<?pi x?>"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_MARKUP, max_size=20))
def test_element_text_is_what_xpath_text_nodes_give(parts):
    """text_of reads an element's text nodes without a selector each; it must read the same ones."""
    node = Selector(text=f"<div id='f'>{''.join(parts)}</div>tail").css("#f")[0]
    assert text_of(node) == collapse_whitespace(" ".join(node.xpath(".//text()").getall()))


NESTED = """<html><body>
<div class="k"><p>1</p><div class="k"><p>2</p><span><p class="x">3</p></span></div><p>4</p></div>
<section><div class="k"><p>5</p></div><table><tbody><tr><td>a</td></tr><tr><td>b</td></tr></tbody></table></section>
<div class="k"><ul><li><p>6</p></li><li><p class="x">7</p></li></ul></div>
</body></html>"""


@pytest.mark.parametrize("css", [
    "div.k p", "div p", "body div.k p.x", "section div p", "div.k li:first-child p", "div.k p:last-child",
    "table tbody tr", "table tr td", "body > div.k p", "div.k > p", "div.k p, section td", "div.k p::text",
    "li p::attr(class)", "html p:nth-of-type(2)", "div :not(p)",
])
def test_selectors_match_what_parsel_matches_in_document_order(css):
    """Selectors are run on the lxml tree, a descendant step under each match of the rest (nested
    matches included); what they match, and its order, is parsel's."""
    from parsel import Selector

    from portalwatch.extract.fields import matches

    page = Selector(text=NESTED)
    expected = [s.root for s in page.css(css)]
    assert matches(page.root, css, None) == expected and expected


ROWS = """<html><body>
<table class="t"><tbody>
<tr class="r"><td class="a">1</td><td class="a b">2 <i>x</i></td><td data-k="v">3</td></tr>
<tr class="r a"><td class="b">4</td></tr>
<tr class="r"><td><span class="a">5</span><span class="a">6</span></td></tr>
</tbody></table>
<td class="a">outside every row</td>
<div class="r"><p class="a">7</p><div class="r"><p class="a">8</p></div></div>
</body></html>"""


@pytest.mark.parametrize("rows", ["tr.r", "table tr", "div.r", "tr.r, div.r", "body"])
@pytest.mark.parametrize("field", [
    {"css": ".a"}, {"css": "td.a"}, {"css": "td.b", "many": True}, {"css": "[data-k]"}, {"css": "#none"},
    {"css": ".a", "many": True}, {"css": "span.a", "attr": "class"}, {"css": "tr td:first-child"},
    {"css": "td::text"}, {"xpath": "ancestor::table[1]/@class"}, {"css": "p.a", "many": True},
    {"xpath": "../@class"}, {"xpath": "ancestor::*[2]/@class"}, {"xpath": "parent::*/*[1]//text()", "many": True},
    {"xpath": "ancestor::div[@class='r'][last()]/p[1]"}, {"xpath": "ancestor::*[td]/td[last()]"},
])
def test_fields_read_down_the_rows_are_what_each_row_reads(rows, field):
    """A one-step selector is asked once of a page and its matches handed to their rows; an upward
    XPath once per parent of rows; any other, and any under rows that nest, is asked under each
    row. Either way each row reads what it reads alone, a row matching the selector itself included."""
    from portalwatch.extract.fields import matches, read_field, read_rows
    from portalwatch.profile.schema import FieldSpec

    root = Selector(text=ROWS).root
    nodes = matches(root, rows, None)
    spec = FieldSpec(name="f", **field)
    assert [r["f"] for r in read_rows(root, nodes, [spec])] == [read_field(n, spec) for n in nodes]


def test_which_selectors_and_rows_are_read_down_the_page_at_once():
    from portalwatch.extract.fields import _nested, _one_step, matches

    assert all(map(_one_step, ["td", "td.ho-ten", ".a.b", "#x", "td[data-k='v']", "*"]))
    assert not any(map(_one_step, ["tr td", "td:first-child", "td::text", "a, b", "td > b", "td:not(.a)", "(("]))
    root = Selector(text=ROWS).root
    assert not _nested(matches(root, "tr.r", None))
    assert _nested(matches(root, "div.r", None)) and _nested(matches(root, "tr.r, tbody", None))


def test_which_xpaths_are_asked_once_per_parent_of_rows():
    """Only a path whose first step goes up, with nothing outside its predicates that reads the row."""
    from portalwatch.extract.fields import _upward

    assert all(map(_upward, ["ancestor::section[1]/h3", "..", "../td", "parent::tbody/preceding-sibling::caption",
                             "ancestor::div[@class='a]'][1]//h3/text()", "ancestor::x/@id", " ancestor::x[1]/h3 ",
                             "ancestor::x/following::td"]))
    assert not any(map(_upward, [None, "td", "./ancestor::x", "ancestor::x | td", "ancestor::x = td",
                                 "string(ancestor::x)", "(ancestor::x)[1]", "ancestor::x]", "ancestor::x[1",
                                 "ancestor-or-self::x", "'..'"]))


_CLASSES = st.lists(st.sampled_from(["a", "b", "A", "a-b", " ", "\t", "\n", "\xa0", "\x0c", "\u2003"]), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["td", "p", "span"]), _CLASSES), min_size=1, max_size=12))
def test_class_selectors_found_in_one_walk_are_what_xpath_finds(cells):
    """Selectors of an element name and classes are found in one walk over the page: the same
    elements, in the same order, as XPath's class test (which splits on XML whitespace only)."""
    from portalwatch.extract.fields import _by_class, _classed, matches

    body = "".join(f'<{tag} class="{"".join(parts)}">x</{tag}>' for tag, parts in cells)
    root = Selector(text=f"<html><body><div class='a'>{body}<!-- c --></div></body></html>").root
    selectors = ["td.a", "p.a.b", ".a", "*.b", "td", "TD.A", ".a-b", "span.a.a"]
    assert all(map(_classed, selectors))
    assert _by_class(root, selectors) == {css: matches(root, css, None) for css in selectors}
    assert not any(map(_classed, ["td#x.a", "td[k].a", "tr td", "td:first-child", "ns|td", "td.a::text"]))

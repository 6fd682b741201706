import unicodedata

import pytest

from portalwatch.profile.matching import name_key
from portalwatch.profile.registry import Registry, Unit


@pytest.mark.parametrize("a, b", [
    ("Phường Thắng Nhất", "P. Thắng Nhất"),
    ("Phường Thắng Nhất", "  phường   THẮNG NHẤT "),
    ("Phường Thắng Nhất", unicodedata.normalize("NFD", "Phường Thắng Nhất")),
    ("Phòng Văn hóa và Thông tin", "Phòng Văn hoá và Thông tin"),
    ("Ủy ban nhân dân", "Uỷ ban nhân dân"),
    ("Phòng Tài chính – Kế hoạch", "Phòng Tài chính - Kế hoạch"),
])
def test_same_name_written_differently(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize("a, b", [
    ("Phường Thắng Nhất", "Phường Thắng Nhì"),
    ("Hòa", "Hoa"),
    ("Phường 1", "Phường 11"),
])
def test_different_names_stay_different(a, b):
    assert name_key(a) != name_key(b)


@pytest.fixture()
def registry():
    return Registry(units={
        "phuong-thang-nhat": Unit("phuong-thang-nhat", "Ủy ban nhân dân Phường Thắng Nhất", "ward",
                                  aliases=("UBND Phường Thắng Nhất",)),
        "phuong-7": Unit("phuong-7", "Ủy ban nhân dân Phường 7", "ward"),
        "phong-van-hoa-thong-tin": Unit("phong-van-hoa-thong-tin", "Phòng Văn hóa và Thông tin", "office"),
    })


@pytest.mark.parametrize("written, unit_id", [
    ("P. Thắng Nhất", "phuong-thang-nhat"),
    ("Phường Thắng Nhất", "phuong-thang-nhat"),
    ("UBND phường Thắng Nhất", "phuong-thang-nhat"),
    ("Uỷ ban nhân dân phường thắng nhất", "phuong-thang-nhat"),
    (unicodedata.normalize("NFD", "UBND Phường 7"), "phuong-7"),
    ("P.7", "phuong-7"),
    ("Phòng Văn hoá và Thông tin", "phong-van-hoa-thong-tin"),
])
def test_registry_matches_variants(registry, written, unit_id):
    assert registry.match(written).id == unit_id


@pytest.mark.parametrize("written", ["Phường Thắng Nhì", "Phường 17", "Phòng Y tế", ""])
def test_registry_does_not_guess(registry, written):
    assert registry.match(written) is None


def test_two_units_sharing_a_name_is_a_registry_error():
    from portalwatch.errors import RegistryError
    with pytest.raises(RegistryError, match="also a name of unit 'a'"):
        Registry(units={"a": Unit("a", "Phường 7", "ward"), "b": Unit("b", "Ủy ban nhân dân Phường 7", "ward")})

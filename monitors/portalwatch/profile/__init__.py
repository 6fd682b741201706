"""Configuration of a monitored portal: its profile, its unit registry and its roster."""

from .loader import load_profile
from .schema import DIRECTORY, UNIT_PAGE, FieldSpec, LinkSpec, PageSpec, Profile

__all__ = ["load_profile", "Profile", "PageSpec", "FieldSpec", "LinkSpec", "UNIT_PAGE", "DIRECTORY"]

"""Extraction: rendered HTML -> raw records, as declared by the profile. Never fetches."""

from .records import extract_links, extract_next_page, extract_records

__all__ = ["extract_links", "extract_next_page", "extract_records"]

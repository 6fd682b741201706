"""Normalisation: raw records -> typed DataFrames (NFC text, E.164 phones, lower-case e-mails)."""

from .frames import DIRECTORY_COLUMNS, UNIT_COLUMNS, Frames, build_frames

__all__ = ["Frames", "build_frames", "UNIT_COLUMNS", "DIRECTORY_COLUMNS"]

"""Files are written whole or not at all: a failed write leaves the file before it and nothing else."""

from __future__ import annotations

import errno

import pytest

from portalwatch import files


def test_write_text_creates_folders_and_replaces_the_file(tmp_path):
    path = tmp_path / "nested" / "summary.json"
    files.write_text(path, "đêm thứ nhất")
    files.write_text(path, "đêm thứ hai")
    assert path.read_text(encoding="utf-8") == "đêm thứ hai"
    assert [p.name for p in path.parent.iterdir()] == ["summary.json"], "no temporary file left"


def test_a_failed_write_keeps_the_file_before_it(tmp_path):
    path = tmp_path / "report.html"
    path.write_text("đêm qua", encoding="utf-8")
    with pytest.raises(OSError, match="No space left"):
        with files.replacing(path) as tmp:
            tmp.write_text("cut sh", encoding="utf-8")           # the disk fills up mid-file
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
    assert path.read_text(encoding="utf-8") == "đêm qua"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_the_temporary_name_keeps_the_writer_s_extension(tmp_path):
    path = tmp_path / "workbook-2022.xlsx"
    with files.replacing(path, suffix=".xlsx") as tmp:
        assert tmp.parent == tmp_path and tmp.name.endswith(".tmp.xlsx") and tmp != path
        assert not path.exists(), "the file appears only once it is complete"
        tmp.write_bytes(b"PK")
    assert path.read_bytes() == b"PK" and [p.name for p in tmp_path.iterdir()] == [path.name]


def test_write_bytes(tmp_path):
    path = files.write_bytes(tmp_path / "report.pdf", b"%PDF-1.7")
    assert path.read_bytes() == b"%PDF-1.7"

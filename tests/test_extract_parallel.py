"""A large night's pages are parsed on two cores: a worker process takes a share, and the records
are those one process gives, in the pages' order."""

from __future__ import annotations

import dataclasses
import logging
import pickle
import re
import sys
from pathlib import Path

import pytest

from portalwatch.extract import parallel
from portalwatch.extract.kept import extract_key
from portalwatch.extract.processors import After, Before, Remove, build_processor
from portalwatch.extract.records import extract_records
from portalwatch.profile.schema import FieldSpec, PageSpec


def _jobs(nights, config):
    profile = config.profile
    return [(page, profile.page(page.page_type)) for page in nights[1].crawl.pages if page.page_type in profile.pages]


def test_a_worker_parses_a_share_and_the_records_are_those_of_one_process(nights, config, monkeypatch):
    jobs = _jobs(nights, config)
    alone = [extract_records(page, spec) for page, spec in jobs]
    parsed_here = []
    real = parallel.parse_records

    def here(page, spec):                 # the worker's process does not see this
        parsed_here.append(page.url)
        return real(page, spec)

    monkeypatch.setattr(parallel, "MIN_CHARS", 0)
    monkeypatch.setattr(parallel, "parse_records", here)
    assert parallel.extract_all(jobs) == alone
    answered = [page.url for page, _ in jobs if page.ok]
    assert 0 < len(parsed_here) < len(answered), "some pages parsed here, the others by the worker"
    assert any(page.page_type == "directory" for page, _ in jobs)


def test_below_the_threshold_one_process_parses_everything(nights, config, monkeypatch):
    jobs = _jobs(nights, config)
    monkeypatch.setattr(parallel, "_Worker", None)      # starting one would fail
    assert sum(len(page.html or "") for page, _ in jobs) < parallel.MIN_CHARS
    assert parallel.extract_all(jobs) == [extract_records(page, spec) for page, spec in jobs]


def test_a_worker_that_fails_leaves_its_share_here_with_a_warning(nights, config, monkeypatch, caplog):
    jobs = _jobs(nights, config)
    monkeypatch.setattr(parallel, "MIN_CHARS", 0)
    monkeypatch.setattr(sys, "executable", "/bin/false")
    with caplog.at_level(logging.WARNING, logger="portalwatch.extract.parallel"):
        assert parallel.extract_all(jobs) == [extract_records(page, spec) for page, spec in jobs]
    assert "extraction worker failed (exit status 1" in caplog.text


def test_an_error_extracting_a_page_in_the_worker_is_raised_here(nights, config, monkeypatch):
    jobs = _jobs(nights, config)
    broken = PageSpec(name="unit_page", fields=(FieldSpec(name="f", css="h1", clean=(Remove("("),)),))
    monkeypatch.setattr(parallel, "MIN_CHARS", 0)
    monkeypatch.setattr(parallel, "parse_records", lambda page, spec: [])   # this process's share reads nothing
    with pytest.raises(re.error):
        parallel.extract_all([(page, broken) for page, _ in jobs if page.ok])


def test_the_shares_are_about_even_in_characters():
    here, there = parallel._halves({0: 100, 1: 10, 2: 10, 3: 50, 4: 40, 5: 1})
    assert here == [0, 2] and there == [1, 3, 4, 5]       # 110 and 101 characters, each in page order


def test_processors_with_an_argument_travel_and_name_their_kind(config):
    for processor in (build_processor({"after": "Email:"}), build_processor({"before": "x"}),
                      build_processor({"remove": r"\d+"})):
        assert pickle.loads(pickle.dumps(processor)) == processor
    assert build_processor({"remove": r"\d+"})("a1b22 ") == "ab"
    profile = config.profile
    unit = profile.page("unit_page")

    def keyed(processor):
        fields = tuple(dataclasses.replace(f, clean=(processor,)) if f.name == "updated" else f for f in unit.fields)
        page = dataclasses.replace(unit, fields=fields)
        return extract_key(dataclasses.replace(profile, pages={**profile.pages, "unit_page": page}))

    assert len({keyed(After("Ngày cập nhật:")), keyed(Before("Ngày cập nhật:")), keyed(After("Cập nhật:"))}) == 3


def test_an_error_parsing_here_ends_the_worker(nights, config, monkeypatch):
    jobs = _jobs(nights, config)
    started = []
    real = parallel._Worker

    class Seen(real):
        def __init__(self, share):
            super().__init__(share)
            started.append(self)

    def here(page, spec):
        raise RuntimeError("extraction bug")

    monkeypatch.setattr(parallel, "MIN_CHARS", 0)
    monkeypatch.setattr(parallel, "_Worker", Seen)
    monkeypatch.setattr(parallel, "parse_records", here)
    with pytest.raises(RuntimeError, match="extraction bug"):
        parallel.extract_all(jobs)
    [worker] = started
    assert worker._process.poll() is not None and not Path(worker._folder.name).exists()

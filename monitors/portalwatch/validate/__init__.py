"""Validation: the suites of expectations/ run by Great Expectations over the night's DataFrames."""

from .suites import RuleSpec, SuiteSpec, load_suites

__all__ = ["RuleSpec", "SuiteSpec", "load_suites"]

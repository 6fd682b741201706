"""Findings: one record per problem, with a stable key, evidence and the rule that requires it."""

from .build import build_findings
from .model import CATEGORIES, Finding, read_findings, write_findings

__all__ = ["Finding", "CATEGORIES", "build_findings", "read_findings", "write_findings"]

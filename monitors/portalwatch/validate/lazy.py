"""Import a library without running the parts of its dependencies it imports but a night never calls.

Great Expectations imports SciPy (for its distribution tests: KL divergence, Kolmogorov-Smirnov) and
Altair (for charts in profiling renderers) as it registers every expectation. No suite in
expectations/ uses them, yet they are about a third of the import, which every night pays before it
validates anything. Inside :func:`deferred`, such modules are created but not run (the standard
library's :class:`importlib.util.LazyLoader`): a module runs on first use of one of its attributes,
so a suite that does use a distribution test still gets SciPy, only later. (Before Python 3.12 that
first use takes no lock: a night validates on one thread, so no two threads race to run a module.)
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import ModuleType

__all__ = ["DEFERRED", "deferred"]

#: Packages Great Expectations imports at start-up that the shipped suites never call.
DEFERRED = ("scipy", "altair")


class _LazyFinder(importlib.abc.MetaPathFinder):
    """Finds modules of the given packages as usual, and hands them out to be run on first use."""

    def __init__(self, roots: frozenset[str]) -> None:
        self.roots = roots

    def find_spec(self, name: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if name.partition(".")[0] not in self.roots:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


@contextmanager
def deferred(roots: Sequence[str] | None = None) -> Iterator[None]:
    """Within the block, modules of ``roots`` (default :data:`DEFERRED`) imported for the first time
    run on first use.

    Modules already imported stay as they are; those created in the block stay lazy after it."""
    finder = _LazyFinder(frozenset(DEFERRED if roots is None else roots))
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)

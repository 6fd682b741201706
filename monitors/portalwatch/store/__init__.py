"""History: runs, snapshots, records, findings' lifecycle and the outbox, in SQLite or PostgreSQL."""

from .lifecycle import Coverage
from .store import NightChanges, Store, default_url, open_store

__all__ = ["Store", "open_store", "default_url", "NightChanges", "Coverage"]

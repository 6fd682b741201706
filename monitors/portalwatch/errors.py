"""The exceptions portalwatch raises, one tree so the CLI can turn each into one clear line.

    PortalwatchError                 anything portalwatch reports to a user
    ├── ConfigError                  a configuration file is wrong (file, key, what is expected)
    │   ├── ProfileError             the portal profile
    │   ├── RegistryError            the unit registry or the personnel roster
    │   └── SuiteError               an expectation suite in expectations/
    ├── FetchError                   the portal could not be fetched
    │   ├── PortalUnreachable        not one page of the portal answered
    │   └── BrowserUnavailable       no Chromium that Playwright can drive
    ├── LayoutDrift                  the profile's selectors no longer match the portal
    ├── DeliveryError                an alert could not be delivered
    └── StoreError                   the history store failed

Library errors are wrapped with ``raise ... from exc`` so the cause stays in the log for ops,
while the user sees the message only.
"""

from __future__ import annotations

__all__ = [
    "PortalwatchError",
    "ConfigError",
    "ProfileError",
    "RegistryError",
    "SuiteError",
    "FetchError",
    "PortalUnreachable",
    "BrowserUnavailable",
    "LayoutDrift",
    "DeliveryError",
    "StoreError",
]


class PortalwatchError(Exception):
    """Base of every error portalwatch reports to a user; its message is meant to be read."""

    exit_code = 1
    #: The night's summary, when the error is how a night that ran to the end ended (the portal did
    #: not answer, or its layout drifted): the night is recorded and can still be shown.
    summary: dict | None = None


class ConfigError(PortalwatchError):
    """A configuration file is wrong. The message names the file, the key and what is expected."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None,
                 line: int | None = None) -> None:
        self.path, self.key, self.line = path, key, line
        where = []
        if path:
            where.append(f"{path}" + (f":{line}" if line else ""))
        if key:
            where.append(f"key '{key}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class ProfileError(ConfigError):
    """The portal profile is missing a key, has a wrong type or cannot be parsed."""


class RegistryError(ConfigError):
    """The unit registry or the roster of key personnel is wrong."""


class SuiteError(ConfigError):
    """An expectation suite file in expectations/ is wrong."""


class FetchError(PortalwatchError):
    """The portal, or a page of it, could not be fetched."""

    exit_code = 3


class PortalUnreachable(FetchError):
    """Not one page of the portal answered: a run notice for ops, never a finding about units.

    ``result`` keeps what the crawl saw (every page and its error), so the night can still be
    recorded and ops told once which pages failed."""

    def __init__(self, message: str, result: object = None) -> None:
        super().__init__(message)
        self.result = result


class BrowserUnavailable(FetchError):
    """No Chromium that Playwright can drive was found."""


class LayoutDrift(PortalwatchError):
    """A selector the profile needs matched nothing: the portal's markup changed."""

    exit_code = 4


class DeliveryError(PortalwatchError):
    """An alert could not be delivered; it stays in the outbox. ``retryable`` says whether a later
    attempt may succeed (a network failure) or not (invalid credentials, an unknown channel)."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class StoreError(PortalwatchError):
    """The history store could not be read or written."""

    exit_code = 5

"""Typed defaults, in one place, layered: defaults -> environment (deployment) -> portal profile.

Everything a deployment may need to change without editing a profile is read from the environment
here, with the ``PORTALWATCH_`` prefix, so a Prefect work pool or a systemd unit can set it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

__all__ = ["Settings", "CHROMIUM_FLAGS", "MAX_PAGE_BYTES", "load_settings", "int_setting", "http_url_setting"]

#: A bigger page is refused as "page too large": room for a large directory, while a CMS gone wrong
#: can serve hundreds of MiB. The default of PORTALWATCH_MAX_PAGE_BYTES and of every renderer.
MAX_PAGE_BYTES = 16 * 1024 * 1024

#: Flags that let Chromium run headless as root on a closed network: without the background
#: networking switches it keeps trying to reach Google's hosts.
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)


@dataclass(frozen=True, slots=True)
class Settings:
    """Deployment settings, from the environment. How a portal is fetched (concurrency, pace,
    timeouts, what the browser blocks) is the profile's ``render`` section, not a setting here."""

    chromium_path: str | None = None  # PORTALWATCH_CHROMIUM: an explicit browser binary
    snapshot_retention_days: int = 30  # PORTALWATCH_SNAPSHOT_DAYS: page snapshots older than this are pruned
    max_page_bytes: int = MAX_PAGE_BYTES  # PORTALWATCH_MAX_PAGE_BYTES: a bigger page is "page too large"
    render_retries: int = 2  # PORTALWATCH_RENDER_RETRIES: a 5xx, 429 or timeout is fetched again this often
    retry_backoff_s: float = 2.0  # PORTALWATCH_RETRY_BACKOFF_S: first wait before a retry, doubled each time
    #: PORTALWATCH_REPORTS_URL: where the output folder is published (an intranet web server), so that
    #: the messages link a report the units can open rather than a path on this machine
    reports_url: str | None = None
    env: dict[str, str] = field(default_factory=dict, repr=False)


def int_setting(env: dict[str, str], name: str, minimum: int, maximum: int) -> int:
    from .errors import ConfigError

    try:
        value = int(env[name])
    except ValueError:
        value = minimum - 1
    if not minimum <= value <= maximum:
        raise ConfigError(f"environment variable {name}={env[name]!r}: expected a whole number from {minimum} "
                          f"to {maximum}")
    return value


def http_url_setting(env: dict[str, str], name: str,
                     example: str = "https://intranet.example.gov.vn/portalwatch/", *, shown: bool = False) -> str:
    """An http(s) address with a host, ending in "/" so that paths join onto it. ``example`` is what
    the error shows: an address of the kind the variable holds (a Slack API root is not a web folder).

    No character a link cannot hold (a space, a quote, ``<``, ``>``, ``|``): messages would show the
    address as plain text, or a reader would cut it at the space. An address ``shown`` to people (in
    every message) holds no user name or password either: it would hand them to every unit."""
    from .alerts.escape import safe_url
    from .errors import ConfigError
    from .urls import http_url

    value = env[name].strip()
    # What the errors show of it: never a user name or password, whatever else is wrong.
    quoted = re.sub(r"(?<=//)[^/?#]*@", "***@", env[name])
    parts = http_url(value)
    if parts is None or parts.query or parts.fragment:
        raise ConfigError(f"environment variable {name}={quoted!r}: expected an http(s) address such as "
                          f"{example}")
    if safe_url(value) is None:
        raise ConfigError(f"environment variable {name}={quoted!r}: the address holds a character a link "
                          f"cannot (a space, a quote, <, >, | or a backslash): write it percent-encoded (a space "
                          f"as %20), such as {example}")
    if shown and (parts.username is not None or parts.password is not None):
        raise ConfigError(f"environment variable {name}: the address holds a user name or password, which every "
                          f"message would show to its readers; give the address alone, such as {example}, and "
                          f"protect the reports with the web server's own login")
    return value if value.endswith("/") else value + "/"


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the deployment's settings from the environment."""
    env = dict(os.environ if environ is None else environ)
    kwargs: dict[str, object] = {"env": env}
    if env.get("PORTALWATCH_CHROMIUM"):
        from .errors import ConfigError

        path = env["PORTALWATCH_CHROMIUM"]
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):   # told now, not by the first page
            raise ConfigError(f"environment variable PORTALWATCH_CHROMIUM={path!r}: not an executable file")
        kwargs["chromium_path"] = path
    if env.get("PORTALWATCH_SNAPSHOT_DAYS"):
        kwargs["snapshot_retention_days"] = int_setting(env, "PORTALWATCH_SNAPSHOT_DAYS", 0, 36_500)
    if env.get("PORTALWATCH_MAX_PAGE_BYTES"):
        kwargs["max_page_bytes"] = int_setting(env, "PORTALWATCH_MAX_PAGE_BYTES", 1024, 2**31 - 1)
    if env.get("PORTALWATCH_RENDER_RETRIES"):
        kwargs["render_retries"] = int_setting(env, "PORTALWATCH_RENDER_RETRIES", 0, 20)
    if env.get("PORTALWATCH_RETRY_BACKOFF_S"):
        from .errors import ConfigError

        try:
            kwargs["retry_backoff_s"] = float(env["PORTALWATCH_RETRY_BACKOFF_S"])
        except ValueError:
            kwargs["retry_backoff_s"] = -1.0
        if not 0 <= kwargs["retry_backoff_s"] <= 300:  # type: ignore[operator]
            raise ConfigError(f"environment variable PORTALWATCH_RETRY_BACKOFF_S="
                              f"{env['PORTALWATCH_RETRY_BACKOFF_S']!r}: expected seconds between 0 and 300")
    if env.get("PORTALWATCH_REPORTS_URL"):
        kwargs["reports_url"] = http_url_setting(env, "PORTALWATCH_REPORTS_URL", shown=True)
    return Settings(**kwargs)  # type: ignore[arg-type]

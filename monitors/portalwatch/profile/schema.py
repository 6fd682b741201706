"""What a portal looks like, as plain frozen dataclasses built from a profile file.

A profile is declarative (Scrapy's spiders and item loaders, as data): where to start, which links
lead to which page type, and for each page type the fields and how to read them. Code never knows
which portal or layout it reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..extract.processors import Processor

__all__ = ["FieldSpec", "LinkSpec", "PageSpec", "ContactRules", "CheckRules", "RenderRules",
           "Profile", "PolicyRules", "SectionRule", "SECTION_FIELDS", "SECTION_DUTIES", "DEFAULT_PLACEHOLDERS", "DEFAULT_QUIET_HOURS", "UNIT_PAGE", "DIRECTORY", "UNIT_FIELDS", "DIRECTORY_FIELDS"]

#: Page types whose records become the ``units`` and ``directory`` DataFrames.
UNIT_PAGE = "unit_page"
DIRECTORY = "directory"

#: The fields normalise/ knows for each of those page types (see DESIGN: DataFrames).
UNIT_FIELDS = ("unit_name", "intro", "address", "phone", "fax", "email", "leaders", "updated")
SECTION_FIELDS = ("title", "date", "deadline", "status")
#: What a section with a time-bound duty must show, and the fields each duty reads.
SECTION_DUTIES = {"current_week": ("date",), "open_until_deadline": ("deadline", "status")}
DIRECTORY_FIELDS = ("unit_name", "person_name", "position", "office_phone", "mobile", "email")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """How to read one field: a CSS or XPath selector, what to take, and its clean-up."""

    name: str
    css: str | None = None
    xpath: str | None = None
    attr: str | None = None          # take an attribute instead of the text
    many: bool = False               # a list of values (leaders) rather than one
    required: bool = False           # `profile check` fails when it matches on no page
    clean: tuple[Processor, ...] = ()

    @property
    def selector(self) -> str:
        return self.css if self.css is not None else f"xpath:{self.xpath}"


@dataclass(frozen=True, slots=True)
class LinkSpec:
    """Links on a page that lead to pages of another type."""

    to: str
    css: str | None = None
    xpath: str | None = None


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One page type of the portal."""

    name: str
    urls: tuple[str, ...] = ()               # start URLs (relative to base_url)
    # True: needs a browser (JavaScript); False: plain HTTP is enough; "auto": plain HTTP, and the
    # browser only when the served HTML lacks `wait_for`
    render: bool | str = True
    wait_for: str | None = None              # CSS selector that says the page is drawn
    links: tuple[LinkSpec, ...] = ()
    rows: str | None = None                  # CSS selector of one record per match (tables)
    fields: tuple[FieldSpec, ...] = ()
    next_page: str | None = None             # CSS selector of the "next page" link
    max_pages: int = 50                      # bound on pagination

    def field(self, name: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True, slots=True)
class ContactRules:
    """What a valid contact looks like on this portal."""

    region: str = "VN"
    area_codes: tuple[str, ...] = ()
    old_area_codes: dict[str, str] = field(default_factory=dict)   # renumbered landline codes, old -> new
    email_domains: tuple[str, ...] = ()


#: Texts that stand where information should be ("being updated", "...", "xxx").
DEFAULT_PLACEHOLDERS = ("Đang cập nhật", "Chưa có", "N/A", "...", "xxx")


@dataclass(frozen=True, slots=True)
class CheckRules:
    """Thresholds and lists the suites read (see expectations/)."""

    required: dict[str, tuple[str, ...]] = field(default_factory=dict)
    placeholders: tuple[str, ...] = DEFAULT_PLACEHOLDERS
    unit_page_max_age_working_days: int = 120
    fax_may_equal_phone: bool = False
    # Tonight's rows of a page type below this share of the last night's: the layout drifted (a
    # selector now matches a part of the page), not the units; their checks stand aside tonight.
    min_rows_ratio: float = 0.5


@dataclass(frozen=True, slots=True)
class SectionRule:
    """A section with a time-bound duty: the leaders' weekly schedule must show the current week;
    drafts for comment must not be listed as open after their deadline."""

    page: str                                 # the page type holding the section's items
    duty: str                                 # current_week | open_until_deadline
    responsible: str                          # the unit that must keep it current (a registry id)
    open_status: tuple[str, ...] = ("Đang lấy ý kiến",)

    @property
    def field(self) -> str:
        return "schedule" if self.duty == "current_week" else "draft"


#: When nothing is sent unless a profile says otherwise: the evening and the night.
DEFAULT_QUIET_HOURS = ("21:00", "07:00")


@dataclass(frozen=True, slots=True)
class PolicyRules:
    """How units are chased: deadlines and reminders in working days (alerts and reports read it)."""

    deadline_working_days: int = 5          # Law on Access to Information 2016, Art. 18(4): 5 working days
    reminder_every_working_days: int = 3
    escalate_after_deadline: bool = True
    #: Nothing is sent in between (the nightly audit runs at 01:30: units are not messaged at night);
    #: None (``quiet_hours: "off"``) sends at any hour.
    quiet_hours: tuple[str, str] | None = DEFAULT_QUIET_HOURS
    maintenance: tuple[tuple[str, str], ...] = ()   # (from, to) ISO date-times: nothing is sent


@dataclass(frozen=True, slots=True)
class RenderRules:
    """How the portal is fetched: how much at once, how fast, and what the browser leaves out."""

    concurrency: int = 4                    # pages drawn at once in the browser
    timeout_s: float = 20.0
    #: plain-HTTP requests at once (None: as many as ``concurrency``, and at least 8)
    http_concurrency: int | None = None
    #: least seconds between the start of two page requests: the portal's server is not rushed
    delay_s: float = 0.0
    #: the delay follows the server's answers (render/throttle.py): about ``target_concurrency``
    #: requests answered at once, the delay between ``delay_s`` and ``max_delay_s``
    auto_throttle: bool = False
    target_concurrency: float = 1.0
    max_delay_s: float = 10.0
    block: tuple[str, ...] = ("image", "font", "media")
    #: a page drawn by the browser is drawn again only if its HTML, a script or its data changed
    revalidate: bool = True


@dataclass(frozen=True, slots=True)
class Profile:
    """A portal: where it is, what may be visited, its page types, and the rules for its data."""

    name: str
    title: str
    base_url: str
    allowed_hosts: tuple[str, ...]
    pages: dict[str, PageSpec]
    registry_path: Path
    roster_path: Path | None
    contacts: ContactRules
    checks: CheckRules
    render: RenderRules
    date_formats: tuple[str, ...]
    policy: PolicyRules
    path: Path
    sections: tuple[SectionRule, ...] = ()

    def page(self, name: str) -> PageSpec:
        return self.pages[name]

    def with_base_url(self, base_url: str) -> "Profile":
        """The same profile pointed at another address (a mirror, a test copy, the sample portal).

        The address is checked as the profile's own ``base_url`` is: a mistyped one must stop the
        night before anything is fetched, not be recorded as a night the portal did not answer."""
        from dataclasses import replace

        from ..errors import ProfileError
        from ..urls import http_url

        parts = http_url(base_url)
        if parts is None or parts.query or parts.fragment:   # the site's root: pages' paths join onto it
            raise ProfileError(f"--base-url expects an http(s) URL such as http://127.0.0.1:8000/, "
                               f"found {base_url!r}" + (" (no query or fragment)" if parts is not None else ""))
        host = parts.hostname or ""
        base = base_url if base_url.endswith("/") else base_url + "/"
        return replace(self, base_url=base, allowed_hosts=(host,))

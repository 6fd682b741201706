"""Numbers as each language of the reports writes them: Vietnamese with a decimal comma and a dot
between thousands (11,81; 4.003), English as ops read them (11.81; 4,003).

One place for it, so a chart's tooltip and the table beside it never write the same score two ways."""

from __future__ import annotations

__all__ = ["decimal", "whole"]


def decimal(value: float | None, lang: str = "vi", digits: int = 2) -> str:
    """``value`` with ``digits`` decimals; "—" when there is none (not scored, nothing to show)."""
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "vi" else text


def whole(value: int, lang: str = "vi") -> str:
    """A count, its thousands grouped as the language groups them."""
    text = f"{value:,}"
    return text.replace(",", ".") if lang == "vi" else text

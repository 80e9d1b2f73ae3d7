"""Dates as users type them (CLI options, web query strings, API parameters)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from monitor.errors import MonitorError

__all__ = ["parse_when"]


def parse_when(value: str | None, *, end: bool = False, option: str = "date") -> datetime | None:
    """YYYY, YYYY-MM, YYYY-MM-DD or a full ISO timestamp; ``end`` rounds up."""
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 4 and text.isdigit():
            start = datetime(int(text), 1, 1, tzinfo=UTC)
            return start.replace(year=start.year + 1) if end else start
        if len(text) == 7:
            y, m = (int(p) for p in text.split("-"))
            start = datetime(y, m, 1, tzinfo=UTC)
            if end:
                return start.replace(year=y + m // 12, month=m % 12 + 1)
            return start
        if len(text) == 10:
            d = date.fromisoformat(text)
            moment = datetime(d.year, d.month, d.day, tzinfo=UTC)
            return moment.replace(hour=23, minute=59, second=59) if end else moment
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    except ValueError:
        raise MonitorError(
            f"{option}: expected YYYY, YYYY-MM, YYYY-MM-DD or an ISO timestamp, got {value!r}",
            code="bad_argument",
        ) from None

"""A server's times as instants, and instants as that server's times.

EXACT runs Django with `USE_TZ = False` and `TIME_ZONE = 'Europe/Berlin'`: it writes Berlin
wall-clock times without an offset, and reads the times it is given (a `last_edit_time__gte`
filter) the same way, through PostgreSQL, which takes a wall time that a DST change makes
ambiguous or impossible as standard time. `exact-desktop serve` writes UTC with its offset.
A clock handles both: a time with an offset is taken as written and answered with one; one
without is the server's wall time in its zone. The zone is Europe/Berlin unless the setting
EXACT_SERVER_TIME_ZONE names another, and it is checked against the HTTP `Date` of an answer
holding a time the server wrote just then (`check`: a token's last use at the start of each
sync, each push's creates): a server whose clock disagrees is then read by the offset it showed.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Europe/Berlin"  # EXACT's settings.py
ZONE_SETTING = "EXACT_SERVER_TIME_ZONE"
OFFSET_STEP = timedelta(minutes=15)  # zone offsets are whole quarters of an hour
STEP_BACK = timedelta(hours=1)  # past a DST change's repeated hour


class ClockError(ValueError):
    """A time that cannot be read, or a zone setting that names no zone."""


def configured_zone() -> tzinfo:
    name = os.environ.get(ZONE_SETTING) or DEFAULT_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ClockError(f"{ZONE_SETTING}={name!r} is not a time zone (e.g. Europe/Berlin, UTC)") from None


class ServerClock:
    def __init__(self, zone: tzinfo | None = None) -> None:
        self.zone = zone or configured_zone()
        self.writes_offsets: bool | None = None  # learned from the first time read

    def instant(self, text: str) -> datetime:
        """The UTC instant a server time stands for, as the server itself reads it."""
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except (TypeError, ValueError):
            raise ClockError(f"{text!r} is not a time") from None
        if self.writes_offsets is None:
            self.writes_offsets = parsed.tzinfo is not None
        if parsed.tzinfo is not None:
            return parsed.astimezone(UTC)
        return _as_standard_time(parsed, self.zone).astimezone(UTC)

    def text(self, instant: datetime) -> str:
        """`instant` as this server writes times, never a wall time it would read as later (in the
        hour a DST change repeats, the earlier pass is written as the hour before it)."""
        if self.writes_offsets:
            return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")
        wall = instant.astimezone(self.zone)
        while self.instant(_naive(wall)) > instant:
            wall = (wall - STEP_BACK).astimezone(self.zone)
        return _naive(wall)

    def check(self, date_header: str | None, written: str | None) -> str | None:
        """Compares the wall time of something the server just wrote with the `Date` of its
        answer; when the zone does not fit, the clock takes the offset seen, and says so."""
        if not date_header or not written or self.writes_offsets:
            return None
        now = date_instant(date_header)
        try:
            wall = datetime.fromisoformat(written)
        except (TypeError, ValueError):
            return None
        if now is None:
            return None
        if wall.tzinfo is not None:
            return None
        seen = round((wall - now.replace(tzinfo=None)) / OFFSET_STEP) * OFFSET_STEP
        expected = now.astimezone(self.zone).utcoffset()
        if seen == expected:
            return None
        self.zone = timezone(seen)
        return f"the server's clock reads {_offset(seen)} from UTC, not {_offset(expected)}: its times are read so"


def date_instant(date_header: str | None) -> datetime | None:
    """The instant an HTTP `Date` header names (to the second, never later than the answer)."""
    try:
        return parsedate_to_datetime(date_header).astimezone(UTC) if date_header else None
    except (TypeError, ValueError):
        return None


def _as_standard_time(wall: datetime, zone: tzinfo) -> datetime:
    """A wall time in `zone` as PostgreSQL reads it: a repeated one as its second pass (fold=1),
    a skipped one by the offset before the change (fold=0)."""
    first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    changes = first.utcoffset() != second.utcoffset()
    exists = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall  # a skipped one does not
    return second if changes and exists else first


def _naive(wall: datetime) -> str:
    return wall.replace(tzinfo=None).isoformat()


def _offset(value: timedelta | None) -> str:
    minutes = int((value or timedelta()).total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

"""EXACT's times are Berlin wall-clock times without an offset: read and written back as the
server itself reads them, the pull cursor neither skips nor repeats an hour across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from exact_desktop.rest.server_clock import ClockError, ServerClock

BERLIN = ZoneInfo("Europe/Berlin")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def exact_clock() -> ServerClock:
    clock = ServerClock(BERLIN)
    clock.instant("2026-01-01T00:00:00")  # it has seen that this server writes no offset
    return clock


def test_a_time_without_offset_is_berlin_wall_time() -> None:
    clock = exact_clock()
    assert clock.instant("2026-12-06T12:08:27.3") == utc("2026-12-06T11:08:27.3")  # winter: +1
    assert clock.instant("2026-07-01T12:00:00") == utc("2026-07-01T10:00:00")  # summer: +2
    assert clock.text(utc("2026-12-06T11:08:27.3")) == "2026-12-06T12:08:27.300000"


def test_a_server_that_writes_offsets_is_read_and_answered_with_them() -> None:
    clock = ServerClock(BERLIN)
    assert clock.instant("2026-12-06T11:08:27.300000Z") == utc("2026-12-06T11:08:27.3")
    assert clock.text(utc("2026-12-06T11:08:27.3")) == "2026-12-06T11:08:27.300000Z"


@pytest.mark.parametrize("change", ["2026-03-29", "2026-10-25"])
def test_the_cursor_neither_skips_nor_repeats_an_hour_across_a_dst_change(change: str) -> None:
    """Every server time of the night, a minute apart, as the server reads it: the `since` sent
    for it less a minute is read by the server as exactly that instant, or, in the hour a change
    repeats (where the server has no times of its own), no later and at most an hour earlier."""
    clock = exact_clock()
    start = datetime.fromisoformat(f"{change}T00:00:00")
    walls = [(start + timedelta(minutes=m)).isoformat() for m in range(4 * 60)]
    server_instants = {clock.instant(w) for w in walls}
    for wall in walls:
        wanted = clock.instant(wall) - timedelta(minutes=1)
        read = clock.instant(clock.text(wanted))
        assert read <= wanted, (wall, clock.text(wanted))  # never later: nothing skipped
        assert wanted - read <= timedelta(hours=1), wall
        if read != wanted:  # only where the server never writes a time
            assert not any(read < t <= wanted for t in server_instants), wall


def test_the_repeated_and_the_skipped_hour_are_read_as_standard_time() -> None:
    """As PostgreSQL reads a naive time in Europe/Berlin (EXACT's database does the filtering)."""
    clock = exact_clock()
    assert clock.instant("2026-10-25T02:30:00") == utc("2026-10-25T01:30:00")  # the second 02:30 (CET)
    assert clock.instant("2026-03-29T02:30:00") == utc("2026-03-29T01:30:00")  # 02:30 CET, which is 03:30 CEST


def test_the_zone_is_checked_against_the_date_of_an_answer() -> None:
    clock = exact_clock()
    assert clock.check("Sun, 06 Dec 2026 11:08:28 GMT", "2026-12-06T12:08:27.3") is None
    note = clock.check("Sun, 06 Dec 2026 11:08:28 GMT", "2026-12-06T06:08:27.3")  # a server on New York time
    assert note and "-05:00" in note and "+01:00" in note
    assert clock.instant("2026-12-06T06:08:27.3") == utc("2026-12-06T11:08:27.3")


def test_a_zone_setting_that_names_no_zone_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXACT_SERVER_TIME_ZONE", "Mars/Olympus")
    with pytest.raises(ClockError, match="EXACT_SERVER_TIME_ZONE='Mars/Olympus' is not a time zone"):
        ServerClock()

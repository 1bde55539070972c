"""Deadlines counted in working hours (pure functions, no Odoo imports).

``add_working_hours(start, hours, schedule, holidays, tz)`` returns the moment
``hours`` working hours after ``start`` on a weekly ``schedule`` of local
working intervals, skipping ``holidays``, in the time zone ``tz``.

Conventions (those of Odoo's database): ``start``, the holidays and the result
are naive datetimes in UTC; the schedule is expressed in local time of ``tz``.
"""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

# How far ahead we look for working time before giving up (a schedule with
# working hours always finds them within a week, plus the holidays).
MAX_DAYS = 3 * 366


def _to_utc_naive(local_dt):
    return local_dt.astimezone(timezone.utc).replace(tzinfo=None)


def _subtract(intervals, holes):
    """``intervals`` minus ``holes`` (both lists of ``(start, end)`` pairs)."""
    result = []
    for start, end in intervals:
        pieces = [(start, end)]
        for hole_start, hole_end in holes:
            next_pieces = []
            for piece_start, piece_end in pieces:
                if hole_end <= piece_start or hole_start >= piece_end:
                    next_pieces.append((piece_start, piece_end))
                    continue
                if piece_start < hole_start:
                    next_pieces.append((piece_start, hole_start))
                if hole_end < piece_end:
                    next_pieces.append((hole_end, piece_end))
            pieces = next_pieces
        result.extend(pieces)
    return result


def working_intervals(day, schedule, tz):
    """The working intervals of the local calendar ``day`` (a ``date``), as
    naive UTC ``(start, end)`` pairs, sorted. ``schedule`` is an iterable of
    ``(weekday, hour_from, hour_to)`` with Monday = 0 and hours as floats of
    local time (``hour_to`` may be 24)."""
    zone = ZoneInfo(tz or "UTC")
    midnight = datetime.combine(day, time.min)
    intervals = []
    for weekday, hour_from, hour_to in schedule:
        if int(weekday) != day.weekday() or hour_to <= hour_from:
            continue
        start = (midnight + timedelta(hours=hour_from)).replace(tzinfo=zone)
        end = (midnight + timedelta(hours=hour_to)).replace(tzinfo=zone)
        intervals.append((_to_utc_naive(start), _to_utc_naive(end)))
    return sorted(intervals)


def add_working_hours(
    start, hours, schedule=(), holidays=(), tz="UTC", round_the_clock=False
):
    """Return ``start`` plus ``hours`` working hours (naive UTC datetimes).

    :param start: naive datetime in UTC (the opening time)
    :param hours: working hours to add (>= 0, float)
    :param schedule: iterable of ``(weekday, hour_from, hour_to)`` local intervals
    :param holidays: iterable of naive UTC ``(start, end)`` intervals without work
    :param tz: IANA name of the time zone the schedule is expressed in
    :param round_the_clock: count every hour of every day (schedule ignored)
    :raises ValueError: negative hours, or no working time in the schedule
    """
    if hours < 0:
        raise ValueError("hours must not be negative")
    if round_the_clock:
        return start + timedelta(hours=hours)
    schedule = [tuple(item) for item in schedule]
    if not any(hour_to > hour_from for _weekday, hour_from, hour_to in schedule):
        raise ValueError("the schedule has no working time")
    holidays = sorted(
        (h_start, h_end) for h_start, h_end in holidays if h_end > h_start
    )
    remaining = timedelta(hours=hours)
    zone = ZoneInfo(tz or "UTC")
    # The local day of ``start``, and the day before (an interval of the previous
    # local day may still run in UTC terms).
    day = start.replace(tzinfo=timezone.utc).astimezone(zone).date() - timedelta(days=1)
    for _offset in range(MAX_DAYS):
        intervals = working_intervals(day, schedule, tz)
        for interval_start, interval_end in _subtract(intervals, holidays):
            interval_start = max(interval_start, start)
            if interval_end <= interval_start:
                continue
            available = interval_end - interval_start
            if remaining <= available:
                return interval_start + remaining
            remaining -= available
        day += timedelta(days=1)
    raise ValueError(f"no working time found within {MAX_DAYS} days")

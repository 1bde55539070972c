"""Catch-up arithmetic of support terms (doc/rules.md, "Continuity and
catch-up"), without Odoo.

Terms extend coverage from the current expiry, never from today. Term ``k``
(1-based) of a renewal ends ``k * term_months`` months after the expiry it
extends, always computed from that anchor (never chained term after term), so
that a 29 February or 31st anchor comes back whenever the calendar allows it.
A deployment never covered starts on the order date.

All dates are ``datetime.date``; coverage is inclusive of both ends.
"""

import datetime

from dateutil.relativedelta import relativedelta

from .quantity import is_whole

ONE_DAY = datetime.timedelta(days=1)


def _check_positive(value, what):
    if not is_whole(value):
        raise ValueError(f"{what} must be a positive whole number, got {value!r}")


def _check_date(value, what):
    # datetime is a subclass of date: refuse it, a time part has no meaning here.
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValueError(f"{what} must be a date, got {value!r}")


def catch_up_terms(coverage_end, order_date, term_months=12):
    """Return the smallest number of terms (at least 1) whose purchase on
    ``order_date`` brings the expiry strictly after ``order_date``.

    ``coverage_end`` is the current expiry, or ``None`` when the deployment was
    never covered (then one term is enough: it starts on the order date).

    >>> catch_up_terms(datetime.date(2012, 9, 30), datetime.date(2017, 6, 15))
    5
    """
    _check_positive(term_months, "term_months")
    _check_date(order_date, "order_date")
    if coverage_end is None:
        return 1
    _check_date(coverage_end, "coverage_end")
    months = (
        (order_date.year - coverage_end.year) * 12
        + order_date.month
        - coverage_end.month
    )
    # Every k below this start ends in a month before the order's month, so it
    # is too short: start there and step up (at most two steps).
    terms = max(1, months // term_months - 1)
    while coverage_end + relativedelta(months=terms * term_months) <= order_date:
        terms += 1
    return terms


def term_periods(coverage_end, order_date, terms, term_months=12):
    """Return the ``(date_start, date_end)`` of each of ``terms`` terms bought
    on ``order_date`` for a coverage currently ending on ``coverage_end``
    (``None``: never covered).

    Covered before: term k ends on ``coverage_end + k * term_months`` months and
    starts the day after the previous end (the first one the day after
    ``coverage_end``), whatever ``order_date`` is.
    Never covered: the first term starts on ``order_date`` and term k ends on
    ``order_date + k * term_months`` months minus one day.
    """
    _check_positive(terms, "terms")
    _check_positive(term_months, "term_months")
    _check_date(order_date, "order_date")
    if coverage_end is None:
        anchor, shift, start = order_date, -ONE_DAY, order_date
    else:
        _check_date(coverage_end, "coverage_end")
        anchor, shift, start = (
            coverage_end,
            datetime.timedelta(0),
            coverage_end + ONE_DAY,
        )
    periods = []
    for k in range(1, terms + 1):
        end = anchor + relativedelta(months=k * term_months) + shift
        periods.append((start, end))
        start = end + ONE_DAY
    return periods


def new_expiry(coverage_end, order_date, terms, term_months=12):
    """Return the expiry after buying ``terms`` terms (end of the last one)."""
    return term_periods(coverage_end, order_date, terms, term_months)[-1][1]

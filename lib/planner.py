"""The order of terms on one order: several lines of one deployment extend
one after another (doc/rules.md, "Selling per deployment" and "Continuity and
catch-up"), without Odoo.

One planner serves the line's proposal (catch-up terms, new expiry), the
apply-to-all wizard, the confirmation check and the confirmation itself.
"""

from collections import namedtuple

from . import terms as term_math

#: What one line does: the expiry it extends from (None: never covered), the
#: catch-up terms it needs from there, its terms' periods and its new expiry.
LinePlan = namedtuple("LinePlan", "extends_from catch_up periods new_expiry")


def plan_lines(requests, order_date):
    """Plan the terms of several lines, in order.

    :param requests: ``(deployment_key, current_end, terms, term_months)`` per
        line, in the order's line order. ``current_end`` is the deployment's
        expiry before the order (None: never covered); only the first line of
        a deployment uses it, the next ones extend from the previous line's
        new expiry. ``terms`` may be 0 (no valid quantity yet): the line then
        has no periods and the next line extends from the same expiry.
    :param order_date: the day the order is placed (catch-up reference).
    :return: a ``LinePlan`` per request, in the same order.

    >>> import datetime
    >>> d = datetime.date
    >>> plans = plan_lines(
    ...     [("dep", d(2012, 9, 30), 3, 12), ("dep", d(2012, 9, 30), 2, 12)],
    ...     d(2017, 6, 15),
    ... )
    >>> [plan.catch_up for plan in plans], [plan.new_expiry for plan in plans]
    ([5, 2], [datetime.date(2015, 9, 30), datetime.date(2017, 9, 30)])
    """
    ends = {}
    plans = []
    for deployment, current_end, terms, term_months in requests:
        end = ends.get(deployment, current_end)
        catch_up = term_math.catch_up_terms(end, order_date, term_months)
        periods = (
            term_math.term_periods(end, order_date, terms, term_months)
            if terms > 0
            else []
        )
        new_expiry = periods[-1][1] if periods else None
        if periods:
            ends[deployment] = new_expiry
        plans.append(LinePlan(end, catch_up, periods, new_expiry))
    return plans

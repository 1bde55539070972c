"""The one check of the addon's whole numbers (credits, days, months, terms).

Pure function, no Odoo import: the ledger (``support.credit.lot._check_whole``),
the cards and the term arithmetic each word their own message around it.
"""


def is_whole(value, negative=False):
    """Whether ``value`` is a whole number above zero (with ``negative``: any
    whole number but zero, e.g. an adjustment that removes credits).

    A whole number is an ``int``; ``True`` and ``False`` are not numbers here,
    and neither is ``2.0``.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return value != 0 if negative else value > 0

"""First-expiring-first-out allocation of an amount of credits over lots.

Pure function, no Odoo import: the ledger (``support.credit.lot._consume``)
locks and reads the lots, this module only decides how much to take from each.
"""


def allocate(lots, amount, today):
    """Split ``amount`` over ``lots``, drawing from the lot that expires first.

    :param lots: iterable of ``(lot_id, remaining, expiry_date)``; ``expiry_date``
        is a ``datetime.date``. Lots with ``expiry_date < today`` (expired) or
        with nothing remaining are never drawn from. Ties on the expiry date are
        broken by the lowest ``lot_id``.
    :param amount: the positive whole amount to allocate.
    :param today: the ``datetime.date`` against which expiry is judged; a lot
        expiring on ``today`` is still usable.
    :return: ``(allocations, uncovered)`` where ``allocations`` is a list of
        ``(lot_id, quantity)`` with ``quantity > 0``, in the order drawn, and
        ``uncovered`` is the part of ``amount`` no lot could cover (``>= 0``).
    :raises ValueError: if ``amount`` is not positive.
    """
    if amount <= 0:
        raise ValueError(f"The amount to allocate must be positive, got {amount!r}.")
    usable = sorted(
        (
            (expiry_date, lot_id, remaining)
            for lot_id, remaining, expiry_date in lots
            if remaining > 0 and expiry_date >= today
        ),
    )
    allocations = []
    rest = amount
    for _expiry_date, lot_id, remaining in usable:
        if not rest:
            break
        taken = min(remaining, rest)
        allocations.append((lot_id, taken))
        rest -= taken
    return allocations, rest

"""First-expiring-first-out allocation of an amount of credits over lots.

Pure functions, no Odoo import: the ledger (``support.credit.lot._consume``)
locks and reads the lots, this module only decides how much to take from each,
and what the lots read say about the balance left (``Outlook``).
"""

from typing import NamedTuple


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


class Outlook(NamedTuple):
    """What an organization's open lots (in one company) hold, as far as the
    ledger read them: its first-expiring lots, in order, and not necessarily
    all of them. Enough, most of the time, to tell whether its credits run low
    without summing every lot.

    - ``balance``: the credits of the lots read; the whole balance when
      ``complete``, else a lower bound;
    - ``next_expiry``: the soonest expiry of a lot read that holds credits
      (``None`` when none does): the soonest of all, since the lots not read
      expire later;
    - ``horizon``: the expiry of the last lot read: every lot not read expires
      on or after it (``None`` when no lot was read);
    - ``complete``: every open lot was read.
    """

    balance: int
    next_expiry: object
    horizon: object
    complete: bool

    @classmethod
    def of(cls, lots, complete):
        """The outlook of ``lots``: ``(remaining, expiry_date)`` of the lots
        read, first-expiring first."""
        lots = list(lots)
        return cls(
            balance=sum(remaining for remaining, _expiry in lots),
            next_expiry=next(
                (expiry for remaining, expiry in lots if remaining > 0), None
            ),
            horizon=lots[-1][1] if lots else None,
            complete=complete,
        )

    def is_low(self, threshold, soon):
        """Whether the credits run low: fewer than ``threshold`` left, or some
        expiring on or before ``soon``. ``None`` when the lots read cannot
        tell (the balance must then be summed), and always when no lot was
        read (the organization may never have had credits)."""
        if self.horizon is None:
            return None
        if self.next_expiry is not None:
            expiring = self.next_expiry <= soon
        elif self.complete or self.horizon > soon:
            expiring = False
        else:
            expiring = None
        if expiring:
            return True
        if self.balance < threshold:
            return True if self.complete else None
        return None if expiring is None else False

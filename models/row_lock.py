# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Row locks: one helper for every model of the addon that must read rows
and act on them without another transaction slipping in between.

Odoo's own ``BaseModel.lock_for_update()`` skips the rows another
transaction holds and raises; the addon's rules (a card claimed once, a credit
spent once, a payment granting once) must *wait* for the holder instead, and
then see what it committed.
"""

from odoo.tools import SQL


def lock_rows(records, fnames=None):
    """Lock the rows of ``records`` until the end of the transaction.

    Waits for any concurrent holder, and always locks in id order, so that
    two transactions locking overlapping sets cannot deadlock. Then forgets
    the cached values of ``fnames`` (all fields when ``None``) on these
    records, so that the next read comes from the database.

    Odoo's transactions are REPEATABLE READ: when the holder has changed a
    row and commits, the waiting ``SELECT ... FOR UPDATE`` fails to serialize
    instead of returning; Odoo retries the request (``odoo.service.model.
    retrying``), and the retry sees the change.

    Records not yet in the database (new ids) are left out.

    :param records: a recordset of any model stored in a table.
    :param list fnames: the fields to read again (default: all).
    :return: ``records``.
    """
    ids = sorted({id_ for id_ in records._ids if isinstance(id_, int)})
    if ids:
        records.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR UPDATE",
                SQL.identifier(records._table),
                tuple(ids),
            )
        )
    records.invalidate_recordset(fnames)
    return records

from datetime import timedelta

from psycopg2 import errors

from odoo import api, fields
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestConsumeLocksOnlyWhatItNeeds(CommittedCase):
    """A consumption locks the lots it draws from, first-expiring first, and
    not the organization's other lots: another transaction may refund to,
    adjust or consume from those meanwhile. Two real transactions (two
    database cursors); the fixtures are committed and deleted afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env() as env:
            cls.org_id = cls._commit(
                cls._create_organization("Lock Test Org", env=env)
            ).id
            today = fields.Date.context_today(env.user)
            # 40 lots of 10 credits, the first-expiring one created last
            lots = env["support.credit.lot"]._grant_many(
                [
                    {
                        "partner_id": cls.org_id,
                        "quantity": 10,
                        "expiry_date": today + timedelta(days=100 - i),
                        "reason": "Lock test",
                    }
                    for i in range(40)
                ]
            )
            cls.fifo_ids = lots.sorted(lambda lot: (lot.expiry_date, lot.id)).ids

    def _locked_by_other(self, cr, lot_ids):
        """Which of ``lot_ids`` another transaction holds (a lock that cannot
        be taken at once)."""
        locked = []
        for lot_id in lot_ids:
            cr.execute("SAVEPOINT probe")
            try:
                cr.execute(
                    SQL(
                        "SELECT id FROM support_credit_lot WHERE id = %s"
                        " FOR UPDATE NOWAIT",
                        lot_id,
                    )
                )
            except errors.LockNotAvailable:
                locked.append(lot_id)
            cr.execute("ROLLBACK TO SAVEPOINT probe")
        return locked

    @mute_logger("odoo.sql_db")
    def test_locks_the_lots_drawn_from(self):
        with self.registry.cursor() as spender, self.registry.cursor() as other:
            env = api.Environment(spender, api.SUPERUSER_ID, {})
            org = env["res.partner"].browse(self.org_id)
            # 25 credits: the first three lots, over one locking statement
            moves, uncovered = env["support.credit.lot"]._consume(org, 25, "Lock test")
            self.assertEqual((moves.lot_id.ids, uncovered), (self.fifo_ids[:3], 0))
            self.assertEqual(
                self._locked_by_other(other, self.fifo_ids), self.fifo_ids[:3]
            )
            spender.rollback()
            # 355 credits: 36 lots, more than one statement looks at
            moves, uncovered = env["support.credit.lot"]._consume(org, 355, "Lock test")
            self.assertEqual(sorted(moves.mapped("quantity")), [-10] * 35 + [-5])
            self.assertEqual(set(moves.lot_id.ids), set(self.fifo_ids[:36]))
            self.assertEqual(
                self._locked_by_other(other, self.fifo_ids), self.fifo_ids[:36]
            )
            spender.rollback()
            # more than the organization holds: every lot, and the rest uncovered
            moves, uncovered = env["support.credit.lot"]._consume(org, 450, "Lock test")
            self.assertEqual((len(moves), uncovered), (40, 50))
            self.assertEqual(self._locked_by_other(other, self.fifo_ids), self.fifo_ids)
            spender.rollback()

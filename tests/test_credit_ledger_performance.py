from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL

from .common import CreditLedgerCase

MOVES = 10_000
BATCH = 1_000


@tagged("post_install", "-at_install")
@freeze_time("2025-01-15 12:00:00")
class TestCreditLedgerPerformance(CreditLedgerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lot = cls.Lot
        Move = cls.env["support.credit.move"]
        today = date(2025, 1, 15)

        # Organization A: 100 lots, a few hundred consumptions through the API...
        Lot._grant_many(
            [
                {
                    "partner_id": cls.org_a.id,
                    "quantity": 60,
                    "expiry_date": today + timedelta(days=i),
                    "reason": f"Pack {i}",
                }
                for i in range(100)
            ]
        )
        for i in range(300):
            Lot._consume(cls.contact_a, 17, f"Ticket {i}")
        # ...then grants in batches until its ledger holds 10,000 moves.
        count = Move.search_count([("partner_id", "=", cls.org_a.id)])
        while count < MOVES:
            size = min(BATCH, MOVES - count)
            Lot._grant_many(
                [
                    {
                        "partner_id": cls.org_a.id,
                        "quantity": 5,
                        "expiry_date": today + timedelta(days=i % 700),
                        "reason": "Bulk",
                    }
                    for i in range(size)
                ]
            )
            count += size

        # 48 more organizations with a little credit, 50 in all.
        others = cls.env["res.partner"].create(
            [{"name": f"Org {i}", "is_company": True} for i in range(48)]
        )
        Lot._grant_many(
            [
                {
                    "partner_id": org.id,
                    "quantity": 10 + i,
                    "expiry_date": today,
                    "reason": "Pack",
                }
                for i, org in enumerate(others)
            ]
        )
        cls.fifty = cls.org_a + cls.contact_b + others
        cls.env.flush_all()

    def _read_balances(self, partners):
        partners = partners.with_user(self.support_user)
        partners.invalidate_recordset()
        return partners.mapped("support_credit_balance")

    def test_balance_costs_the_same_whatever_the_moves_and_partners(self):
        self.assertEqual(
            self.env["support.credit.move"].search_count(
                [("partner_id", "=", self.org_a.id)]
            ),
            MOVES,
        )
        [[expected]] = self.env.execute_query(
            SQL(
                "SELECT SUM(quantity) FROM support_credit_move WHERE partner_id = %s",
                self.org_a.id,
            )
        )
        self._read_balances(self.org_a)  # warm the caches (access rules, user)

        # One query to read the partner, one grouped query for the balance.
        with self.assertQueryCount(2):
            self.assertEqual(self._read_balances(self.org_a), [expected])
        with self.assertQueryCount(2):
            balances = self._read_balances(self.fifty)
        self.assertEqual(len(balances), 50)
        self.assertEqual(balances[:3], [expected, 0, 10])

from contextlib import closing
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import CreditLedgerCase, examples

START = datetime(2025, 1, 15, 12, 0)

ORG = st.sampled_from(["org_a", "org_b"])
STEP = st.one_of(
    st.tuples(st.just("grant"), ORG, st.integers(1, 50), st.integers(0, 60)),
    st.tuples(st.just("consume"), ORG, st.integers(1, 80)),
    st.tuples(st.just("refund"), st.integers(0, 1000), st.integers(1, 30)),
    st.tuples(st.just("expire"), st.integers(1, 45)),
    st.tuples(
        st.just("adjust"), st.integers(0, 1000), st.integers(-40, 40).filter(bool)
    ),
)


@tagged("post_install", "-at_install")
class TestCreditLedgerProperties(CreditLedgerCase):
    """Random sequences of grants, consumptions, refunds, expiries and
    adjustments keep the ledger consistent after every step."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.orgs = cls.org_a + cls.org_b

    def test_ledger_invariants_hold_after_every_step(self):
        with (
            freeze_time(START) as frozen,
            patch.object(self.env.cr, "commit", lambda: None),
        ):
            # The expiry cron commits each batch; inside a test the commit is
            # a no-op and each example is rolled back to its savepoint.

            @settings(max_examples=examples(200), deadline=None, database=None)
            @given(steps=st.lists(STEP, min_size=1, max_size=8))
            def run(steps):
                frozen.move_to(START)
                with closing(self.env.cr.savepoint()):
                    for step in steps:
                        getattr(self, f"_step_{step[0]}")(frozen, *step[1:])
                        self._check_invariants()

            run()

    # ------------------------------------------------------------------
    # Steps: each one also checks its own immediate outcome.
    # ------------------------------------------------------------------
    def _step_grant(self, frozen, org, quantity, days):
        today = fields.Date.context_today(self.Lot)
        lot = self.Lot._grant(
            getattr(self, org), quantity, today + timedelta(days=days), "Grant"
        )
        self.assertEqual((lot.remaining, lot.state), (quantity, "active"))

    def _step_consume(self, frozen, org, quantity):
        partner = getattr(self, org)
        available = self._balance(partner)
        moves, uncovered = self.Lot._consume(partner, quantity, "Consume")
        covered = min(quantity, available)
        self.assertEqual(uncovered, quantity - covered)
        self.assertEqual(sum(moves.mapped("quantity")), -covered)
        self.assertEqual(self._balance(partner), available - covered)

    def _step_refund(self, frozen, pick, validity_days):
        consumed = self.Move.search(
            [("partner_id", "in", self.orgs.ids), ("move_type", "=", "consume")],
            order="id",
        )
        if not consumed:
            return
        move = consumed[pick % len(consumed)]
        already = bool(move.refund_ids)
        refunds = self.Move._refund(move, "Refund", validity_days=validity_days)
        if already:
            self.assertFalse(refunds, "a move is refunded once")
        else:
            self.assertEqual(refunds.mapped("quantity"), [-move.quantity])
            self.assertGreaterEqual(
                refunds.lot_id.expiry_date, fields.Date.context_today(self.Lot)
            )
        self.assertEqual(len(move.refund_ids), 1)

    def _step_expire(self, frozen, days):
        frozen.tick(timedelta(days=days))
        self.env.invalidate_all()
        self.env["support.credit.lot"]._cron_expire()
        self.env.invalidate_all()
        today = fields.Date.context_today(self.Lot)
        self.assertFalse(
            self.Lot.search(
                [
                    ("partner_id", "in", self.orgs.ids),
                    ("expiry_date", "<", today),
                    ("remaining", "!=", 0),
                ]
            ),
            "after the cron, expired lots hold nothing",
        )

    def _step_adjust(self, frozen, pick, quantity):
        lots = self.Lot.search([("partner_id", "in", self.orgs.ids)], order="id")
        if not lots:
            return
        lot = lots[pick % len(lots)]
        before = lot.remaining
        expired = lot.expiry_date < fields.Date.context_today(self.Lot)
        if expired or before + quantity < 0:
            with self.assertRaises(UserError), self.env.cr.savepoint():
                lot._adjust(quantity, "Adjust")
            self.assertEqual(lot.remaining, before)
        else:
            lot._adjust(quantity, "Adjust")
            self.assertEqual(lot.remaining, before + quantity)

    # ------------------------------------------------------------------
    # Invariants
    # ------------------------------------------------------------------
    def _check_invariants(self):
        self.env.flush_all()
        today = fields.Date.context_today(self.Lot)
        rows = self.env.execute_query(
            SQL(
                """
            SELECT lot.id, lot.partner_id, lot.remaining, lot.expiry_date,
                   COALESCE(SUM(move.quantity), 0)
              FROM support_credit_lot lot
         LEFT JOIN support_credit_move move ON move.lot_id = lot.id
             WHERE lot.partner_id IN %s
          GROUP BY lot.id
            """,
                tuple(self.orgs.ids),
            )
        )
        expected_balance = dict.fromkeys(self.orgs.ids, 0)
        for lot_id, partner_id, remaining, expiry_date, total in rows:
            self.assertGreaterEqual(remaining, 0, f"lot {lot_id} below zero")
            self.assertEqual(
                remaining, total, f"lot {lot_id}: remaining is not the sum of its moves"
            )
            if expiry_date >= today:
                expected_balance[partner_id] += total
        # Organizations, and their contacts, in one read.
        partners = self.orgs + self.contact_a + self.contact_b
        partners.invalidate_recordset(["support_credit_balance"])
        self.assertEqual(
            partners.mapped("support_credit_balance"),
            [
                expected_balance[partner.commercial_partner_id.id]
                for partner in partners
            ],
            "balance == sum of the moves of unexpired lots",
        )
        [[late_consumptions]] = self.env.execute_query(
            SQL(
                """
            SELECT COUNT(*)
              FROM support_credit_move move
              JOIN support_credit_lot lot ON lot.id = move.lot_id
             WHERE move.move_type = 'consume'
               AND lot.expiry_date < move.date::date
               AND lot.partner_id IN %s
            """,
                tuple(self.orgs.ids),
            )
        )
        self.assertEqual(late_consumptions, 0, "a consumption drew from an expired lot")

"""An order cancelled and confirmed again, more than once (issue 12): each
confirmation restores what the cancellation before it took back, and nothing
else. A card replaced in an earlier cycle is never issued again."""

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SupportSaleCase

TODAY = "2025-03-01"


@tagged("post_install", "-at_install")
class TestCardReinstate(SupportSaleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.support_manager = new_test_user(
            cls.env,
            login="reinstate_support_manager",
            groups="support_contract.group_support_manager",
        )
        cls.accountant = new_test_user(
            cls.env,
            login="reinstate_accountant",
            groups="account.group_account_invoice",
        )
        cls.claimer = cls.env["res.partner"].create(
            {"name": "Reinstate Claimer", "is_company": True}
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _cancel_and_confirm_again(self, order):
        order._action_cancel()
        self.assertEqual(order.state, "cancel")
        order.action_draft()
        order.action_confirm()
        self.assertEqual(order.state, "sale")

    def _live_cards(self, line):
        """The cards of ``line`` that carry credits: active, or claimed."""
        return line.support_card_ids.filtered(
            lambda card: card.state in ("active", "claimed")
        )

    def _claim_for_the_claimer(self, card):
        result = self._claim(
            self.support_manager, card.code, self.claimer, remote_addr="10.0.0.9"
        )
        self.assertTrue(result.success, result.message)
        return result

    def _assert_ledger_consistent(self, partners):
        """Every lot equals its moves; every balance equals its lots."""
        for partner in partners:
            lots = self._lots(partner)
            for lot in lots:
                moves = self.env["support.credit.move"].search(
                    [("lot_id", "=", lot.id)]
                )
                self.assertEqual(
                    lot.remaining,
                    sum(moves.mapped("quantity")),
                    f"{lot.display_name} equals its moves",
                )
            self.assertEqual(self._balance(partner), sum(lots.mapped("remaining")))

    # ------------------------------------------------------------------
    # Granted at confirmation
    # ------------------------------------------------------------------
    @freeze_time(TODAY)
    def test_two_cycles_leave_one_active_card_per_card_line(self):
        order = self._confirmed(
            [
                self._pack_line(1, support_credit_choice="card"),
                self._contract_line(qty=1, support_credit_choice="card"),
                self._pack_line(1),
            ]
        )
        pack_card_line, contract_card_line, org_line = order.order_line
        first = order.order_line.support_card_ids
        self.assertEqual(len(first), 2)
        self.assertEqual(self.org.support_credit_balance, 60)

        self._cancel_and_confirm_again(order)
        self._cancel_and_confirm_again(order)

        for line, credits in ((pack_card_line, 60), (contract_card_line, 120)):
            live = self._live_cards(line)
            self.assertEqual(
                len(live), 1, f"one card for {line.product_id.name}, not one per cycle"
            )
            self.assertRecordValues(live, [{"state": "active", "credits": credits}])
            self.assertEqual(
                len(line.support_card_ids),
                3,
                "the first card, one per confirmation again",
            )
        self.assertEqual(
            set(
                (
                    order.order_line.support_card_ids
                    - self._live_cards(order.order_line)
                ).mapped("state")
            ),
            {"cancelled"},
        )
        # each cancelled card names the card that replaced it
        for line in (pack_card_line, contract_card_line):
            cards = line.support_card_ids.sorted("id")
            self.assertEqual(cards[0].replaced_by_id, cards[1])
            self.assertEqual(cards[1].replaced_by_id, cards[2])
            self.assertFalse(cards[2].replaced_by_id)
        # the organization's lot: granted once, withdrawn and given back twice
        lot = self._lots()
        self.assertEqual(len(lot), 1)
        self.assertEqual((lot.quantity, lot.remaining), (60, 60))
        self.assertEqual(org_line.support_credit_state, "granted")
        self._assert_ledger_consistent(self.org | self.claimer)

    @freeze_time(TODAY)
    def test_card_claimed_between_cycles_is_not_replaced(self):
        order = self._confirmed([self._pack_line(1, support_credit_choice="card")])
        line = order.order_line
        first = line.support_card_ids
        self._cancel_and_confirm_again(order)
        second = line.support_card_ids - first
        self.assertEqual(second.state, "active")
        self._claim_for_the_claimer(second)

        # cancelled with a claimed card: it stays claimed; confirmed again, the
        # claimed card still carries the line's credits: nothing is issued
        self._cancel_and_confirm_again(order)
        self.assertEqual(second.state, "claimed")
        self.assertEqual(line.support_card_ids, first | second, "no card issued again")
        self.assertEqual(self._live_cards(line), second)
        self._cancel_and_confirm_again(order)
        self.assertEqual(line.support_card_ids, first | second)

        self.assertFalse(self._lots(), "a card is not the buyer's credits")
        self.assertEqual(self._lots(self.claimer).mapped("quantity"), [60])
        self._assert_ledger_consistent(self.org | self.claimer)

    @freeze_time(TODAY)
    def test_card_claimed_before_the_first_cancellation(self):
        order = self._confirmed([self._pack_line(2, support_credit_choice="card")])
        card = order.order_line.support_card_ids
        self._claim_for_the_claimer(card)
        self._cancel_and_confirm_again(order)
        self._cancel_and_confirm_again(order)
        self.assertEqual(order.order_line.support_card_ids, card)
        self.assertEqual(card.state, "claimed")
        self.assertEqual(self._lots(self.claimer).mapped("quantity"), [120])
        self._assert_ledger_consistent(self.org | self.claimer)

    # ------------------------------------------------------------------
    # Granted on payment
    # ------------------------------------------------------------------
    @freeze_time(TODAY)
    def test_card_granted_on_payment_over_two_cycles_then_a_credit_note(self):
        self.env.company.support_credit_grant = "paid"
        order = self._confirmed([self._pack_line(1, support_credit_choice="card")])
        line = order.order_line
        invoice = self._invoice(order)
        self._pay(invoice)
        self.assertEqual(len(line.support_card_ids), 1)

        self._cancel_and_confirm_again(order)
        self._cancel_and_confirm_again(order)
        live = self._live_cards(line)
        self.assertEqual(len(live), 1, "one card for the one invoice line paid")
        grant = self.env["support.invoice.credit"].search(
            [("sale_line_id", "=", line.id), ("kind", "=", "grant")]
        )
        self.assertEqual(len(grant), 1)
        self.assertIn(
            live, grant.card_ids, "the grant holds the card that carries its credits"
        )
        self.assertEqual(line.support_credit_state, "granted")

        # the credit note cancels that card, and no card is left carrying credits
        self._credit_note(invoice, reason="Returned")
        self.assertFalse(self._live_cards(line))
        self.assertEqual(line.support_credits_owed, 0)
        self._assert_ledger_consistent(self.org)

    def test_replacement_link_is_written_by_the_rules_alone(self):
        order = self._confirmed([self._pack_line(1, support_credit_choice="card")])
        card = order.order_line.support_card_ids
        self._cancel_and_confirm_again(order)
        other = self.env["support.credit.card"].create(
            {"credits": 5, "buyer_partner_id": self.org.id}
        )
        with self.assertRaises(AccessError):
            card.with_user(self.support_manager).write({"replaced_by_id": other.id})
        with self.assertRaises(AccessError):
            self.env["support.credit.card"].with_user(self.support_manager).create(
                {
                    "credits": 5,
                    "buyer_partner_id": self.org.id,
                    "replaced_by_id": other.id,
                }
            )
        self.assertNotEqual(card.replaced_by_id, other)

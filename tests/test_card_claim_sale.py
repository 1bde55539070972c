from odoo import Command
from odoo.tests import TransactionCase, tagged

from .common_card_claim import CardClaimCommon


@tagged("post_install", "-at_install")
class TestCardClaimSale(CardClaimCommon, TransactionCase):
    """Cards sold on an order: mailed once when issued, printable from the
    order, cancelled with the order unless already claimed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_card_claim(cls.env)
        cls.pack = cls.env["product.product"].create(
            {
                "name": "Support Credits - 60 minutes",
                "type": "service",
                "list_price": 100.0,
                "support_kind": "credit_pack",
                "support_credits": 60,
            }
        )

    def _confirmed_order(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.buyer_contact.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": self.pack.id,
                            "product_uom_qty": qty,
                            "support_credit_choice": "card",
                        }
                    )
                    for qty in (1, 2, 3)
                ],
            }
        )
        order.action_confirm()
        cards = order.order_line.support_card_ids.sorted("credits")
        self.assertEqual(cards.mapped("credits"), [60, 120, 180])
        return order, cards

    def test_confirmation_mails_each_card_once(self):
        order, cards = self._confirmed_order()
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search(
                [
                    ("model", "=", "support.credit.card"),
                    ("res_id", "in", cards.ids),
                ]
            )
        )
        self.assertEqual(
            sorted(mails.mapped("res_id")), sorted(cards.ids), "one mail per card"
        )
        self.assertEqual(
            mails.recipient_ids, self.buyer_contact, "to the contact who ordered"
        )
        for card in cards:
            mail = mails.filtered(lambda m, card=card: m.res_id == card.id)
            self.assertIn(card.code_display, mail.body_html)
            self.assertIn(order.name, mail.body_html)

    def test_print_from_order(self):
        order, cards = self._confirmed_order()
        action = order.with_user(self.manager).action_print_support_cards()
        self.assertEqual(
            action["report_name"], "support_contract.report_support_credit_card"
        )
        self.assertEqual(action["context"]["active_ids"], cards.sorted("id").ids)

    def test_cancel_order_cancels_unclaimed_cards(self):
        order, cards = self._confirmed_order()
        claimed = cards[1]
        self.assertTrue(self._claim(self.claimer_user, claimed.code).success)
        lot = self.Lot.sudo().search([("card_id", "=", claimed.id)])
        action = order.action_cancel()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(cards.mapped("state"), ["cancelled", "claimed", "cancelled"])
        self.assertEqual(claimed.claimed_partner_id, self.claimer)
        self.assertEqual(
            lot.remaining, 120, "the claimed credits stay with the claimer"
        )
        # the user is told which cards were already claimed
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn(claimed.display_name, action["params"]["message"])
        self.assertIn("Globex", action["params"]["message"])
        message = order.message_ids[0]
        self.assertIn("Already claimed", message.body)
        self.assertIn(claimed.display_name, message.body)
        self.assertIn(cards[0].display_name, message.body)
        # a cancelled card can no longer be claimed
        result = self._claim(self.claimer_user, cards[0].code)
        self.assertEqual(result.reason, "cancelled")

    def test_cancel_order_without_claimed_cards(self):
        order, cards = self._confirmed_order()
        self.assertIs(order.action_cancel(), True)
        self.assertEqual(set(cards.mapped("state")), {"cancelled"})

from odoo.tests import tagged

from .common import CardClaimCase


@tagged("post_install", "-at_install")
class TestCardClaimSale(CardClaimCase):
    """Cards sold on an order: mailed once when issued, printable from the
    order, cancelled with the order unless already claimed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pack = cls._create_pack_product("Support Credits - 60 minutes")

    def _confirmed_order(self):
        order = self._create_order(
            [
                {
                    "product_id": self.pack.id,
                    "product_uom_qty": qty,
                    "support_credit_choice": "card",
                }
                for qty in (1, 2, 3)
            ],
            partner=self.buyer_contact,
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

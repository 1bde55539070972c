"""Credits granted when the invoice is paid (issue 11): the company setting,
payment, second reconciliation, credit notes, consumption before them, cards."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SupportSaleCase

TODAY = "2025-03-01"


@tagged("post_install", "-at_install")
class TestGrantOnPayment(SupportSaleCase):
    """A salesman confirms, an accountant (Billing) invoices, registers the
    payment and reverses the invoice; the ledger says what happened."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env, login="grant_salesman", groups="sales_team.group_sale_salesman"
        )
        cls.accountant = new_test_user(
            cls.env, login="grant_accountant", groups="account.group_account_invoice"
        )
        cls.support_manager = new_test_user(
            cls.env,
            login="grant_support_manager",
            groups="support_contract.group_support_manager",
        )
        cls.claimer = cls.env["res.partner"].create(
            {"name": "Claimer Inc", "is_company": True}
        )
        cls.Lot = cls.env["support.credit.lot"]
        cls.Move = cls.env["support.credit.move"]

    def setUp(self):
        super().setUp()
        self.env.company.support_credit_grant = "paid"

    # ------------------------------------------------------------------
    # Helpers: what each user does (and SupportSaleCase's _invoice, _pay,
    # _credit_note: the accountant's)
    # ------------------------------------------------------------------
    def _confirmed(self, lines):
        """The salesman quotes and confirms (the test reads as superuser)."""
        return super()._confirmed(lines, user=self.salesman)

    def _adjustments(self, credit_note):
        return self.Move.search(
            [("move_type", "=", "adjust"), ("origin", "=", credit_note.name)]
        )

    # ------------------------------------------------------------------
    # The setting
    # ------------------------------------------------------------------
    def test_default_grants_at_confirmation_and_payment_adds_nothing(self):
        self.env.company.support_credit_grant = "confirm"
        company = self.env["res.company"].create({"name": "Fresh Company"})
        self.assertEqual(
            company.support_credit_grant, "confirm", "today's behaviour is the default"
        )
        with freeze_time(TODAY):
            order = self._confirmed([self._contract_line(qty=1), self._pack_line(1)])
            self.assertEqual(self._balance(), 180)
            self.assertEqual(
                order.order_line.mapped("support_credit_state"), ["granted", "granted"]
            )
            invoice = self._invoice(order)
            self._pay(invoice)
            self.assertEqual(self._balance(), 180, "the payment grants nothing more")
            credit_note = self._credit_note(invoice)
            self.assertEqual(
                self._balance(), 180, "a credit note withdraws nothing either"
            )
            self.assertFalse(self._adjustments(credit_note))
        self.assertFalse(
            self.env["support.invoice.credit"].search([("order_id", "=", order.id)])
        )

    def test_setting_is_in_settings(self):
        settings = self.env["res.config.settings"].create(
            {"support_credit_grant": "confirm"}
        )
        settings.execute()
        self.assertEqual(self.env.company.support_credit_grant, "confirm")

    def test_switching_the_setting_leaves_confirmed_orders_under_their_rule(self):
        with freeze_time(TODAY):
            on_payment = self._confirmed([self._pack_line(1)])
            self.env.company.support_credit_grant = "confirm"
            at_confirmation = self._confirmed([self._pack_line(2)])
            self.assertEqual(
                self._balance(), 120, "only the order confirmed under 'confirm' granted"
            )
            self.env.company.support_credit_grant = "paid"
            self._pay(self._invoice(at_confirmation))
            self.assertEqual(self._balance(), 120, "its payment grants nothing twice")
            self.env.company.support_credit_grant = "confirm"
            self._pay(self._invoice(on_payment))
            self.assertEqual(
                self._balance(),
                180,
                "a line confirmed under 'paid' still waits for its payment",
            )

    # ------------------------------------------------------------------
    # Confirmation and payment
    # ------------------------------------------------------------------
    @freeze_time(TODAY)
    def test_confirmation_makes_the_terms_but_grants_nothing(self):
        order = self._confirmed([self._contract_line(qty=1), self._pack_line(1)])
        self.assertEqual(self._balance(), 0)
        self.assertFalse(self._lots())
        self.assertEqual(
            self.deployment.coverage_end,
            date(2026, 2, 28),
            "coverage follows the confirmation",
        )
        self.assertEqual(order.order_line.support_term_ids.credits, 120)
        self.assertEqual(
            order.order_line.mapped("support_credit_state"), ["awaiting", "awaiting"]
        )
        self.assertIn("granted when the invoice is paid", order.message_ids[0].body)
        self.assertIn(
            "Credits are granted when the invoice is paid",
            order.order_line[0]._support_summary(),
        )

    def test_payment_grants_the_credits_once(self):
        with freeze_time(TODAY):
            order = self._confirmed([self._contract_line(qty=1), self._pack_line(2)])
            invoice = self._invoice(order)
            self.assertEqual(self._balance(), 0, "posting the invoice grants nothing")
        with freeze_time("2025-03-10"):
            self._pay(invoice)
            self.assertEqual(self._balance(), 240)
            self.assertRecordValues(
                self._lots().sorted("expiry_date"),
                [
                    {
                        "quantity": 120,
                        "remaining": 120,
                        "expiry_date": date(2026, 2, 28),
                        "contract_term_id": order.order_line[0].support_term_ids.id,
                    },
                    {
                        "quantity": 120,
                        "remaining": 120,
                        "expiry_date": date(2026, 3, 10),
                        "contract_term_id": False,
                    },
                ],
            )
            grants = self.Move.search([("lot_id", "in", self._lots().ids)])
            self.assertEqual(grants.mapped("move_type"), ["grant", "grant"])
            self.assertEqual(
                set(grants.mapped("reason")),
                {f"Invoice {invoice.name} paid (order {order.name})"},
            )
            self.assertEqual(
                order.order_line.mapped("support_credit_state"), ["granted", "granted"]
            )
            self.assertIn(
                f"Invoice {invoice.name} paid: support credits granted",
                order.message_ids[0].body,
            )
            # a second reconciliation (payment removed and matched again)
            # grants nothing more
            receivable = invoice.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
            payment_line = receivable.matched_credit_ids.credit_move_id
            receivable.remove_move_reconcile()
            self.assertEqual(invoice.payment_state, "not_paid")
            (receivable | payment_line).reconcile()
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
            invoice._invoice_paid_hook()
            self.assertEqual(self._balance(), 240)
            self.assertEqual(len(self._lots()), 2)
            self.assertEqual(
                len(
                    self.env["support.invoice.credit"].search(
                        [("order_id", "=", order.id)]
                    )
                ),
                2,
            )

    @freeze_time(TODAY)
    def test_partial_invoicing_grants_per_invoiced_line(self):
        order = self._confirmed([self._contract_line(qty=2)])
        line = order.order_line
        first = self._invoice(order, {line: 1})
        self._pay(first)
        self.assertEqual(self._balance(), 120)
        self.assertEqual(
            self._lots().expiry_date, date(2026, 2, 28), "the first term is paid first"
        )
        self.assertEqual(line.support_credit_state, "partial")
        second = self._invoice(order)
        self.assertEqual(second.invoice_line_ids.quantity, 1)
        self._pay(second)
        self.assertEqual(self._balance(), 240)
        self.assertEqual(
            self._lots().sorted("expiry_date").mapped("expiry_date"),
            [date(2026, 2, 28), date(2027, 2, 28)],
        )
        self.assertEqual(line.support_credit_state, "granted")

    # ------------------------------------------------------------------
    # Credit notes
    # ------------------------------------------------------------------
    @freeze_time(TODAY)
    def test_full_credit_note_withdraws_with_an_adjustment_and_its_reason(self):
        order = self._confirmed([self._contract_line(qty=1), self._pack_line(1)])
        invoice = self._invoice(order)
        self._pay(invoice)
        self.assertEqual(self._balance(), 180)
        credit_note = self._credit_note(invoice)
        self.assertEqual(self._balance(), 0)
        adjustments = self._adjustments(credit_note)
        self.assertEqual(sorted(adjustments.mapped("quantity")), [-120, -60])
        self.assertEqual(
            set(adjustments.mapped("reason")),
            {
                f"Credit note {credit_note.name} reverses invoice {invoice.name}"
                f" (order {order.name})"
            },
        )
        self.assertEqual(
            order.order_line.mapped("support_credit_state"), ["awaiting", "awaiting"]
        )
        self.assertEqual(order.order_line.mapped("support_credits_owed"), [0, 0])
        self.assertEqual(
            self.deployment.coverage_end,
            date(2026, 2, 28),
            "the credit note does not end coverage",
        )
        self.assertIn("120 credits withdrawn", order.message_ids[0].body)
        # posted again after a reset to draft, it withdraws nothing more
        credit_note.button_draft()
        credit_note.action_post()
        self.assertEqual(len(self._adjustments(credit_note)), 2)
        for lot in self._lots():
            self.assertEqual(lot.remaining, sum(lot.move_ids.mapped("quantity")))
        # invoiced and paid again, the credits come back once
        self._pay(self._invoice(order))
        self.assertEqual(self._balance(), 180)

    @freeze_time(TODAY)
    def test_consumed_credits_stay_consumed_and_are_owed(self):
        order = self._confirmed([self._pack_line(3)])
        invoice = self._invoice(order)
        self._pay(invoice)
        self.Lot.sudo()._consume(self.org, 100, "Work done")
        self.assertEqual(self._balance(), 80)
        line = order.order_line
        # one pack of three reversed: 60 credits remain to withdraw, nothing owed
        first = self._credit_note(invoice, {line: 1})
        self.assertEqual(self._adjustments(first).mapped("quantity"), [-60])
        self.assertEqual(self._balance(), 20)
        self.assertEqual(line.support_credits_owed, 0)
        self.assertEqual(line.support_credit_state, "partial")
        # the other two: 20 are left to withdraw, the 100 consumed are owed
        second = self._credit_note(invoice, {line: 2})
        self.assertEqual(self._adjustments(second).mapped("quantity"), [-20])
        self.assertEqual(self._balance(), 0)
        self.assertEqual(line.support_credits_owed, 100)
        self.assertEqual(line.support_credit_state, "awaiting")
        self.assertIn(
            "100 credits consumed cannot be withdrawn and are owed",
            order.message_ids[0].body,
        )
        lot = self._lots()
        self.assertEqual(lot.remaining, 0, "never below what was consumed")
        self.assertEqual(
            -sum(
                lot.move_ids.filtered(lambda move: move.move_type == "consume").mapped(
                    "quantity"
                )
            ),
            100,
        )

    @freeze_time(TODAY)
    def test_full_refund_and_new_invoice_grants_for_the_new_invoice_once(self):
        order = self._confirmed([self._pack_line(3)])
        invoice = self._invoice(order)
        self._pay(invoice)
        self.assertEqual(self._balance(), 180)
        # "Full refund and new draft invoice": the payment is freed, the credit
        # note cancels the invoice, a new draft invoice bills the same line
        reversal = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"reason": "Wrong address", "journal_id": invoice.journal_id.id})
        )
        new_invoice = (
            self.env["account.move"]
            .browse(reversal.modify_moves()["res_id"])
            .with_user(self.accountant)
        )
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(self._balance(), 0)
        new_invoice.action_post()
        self.assertEqual(self._balance(), 0, "not paid yet")
        outstanding = new_invoice.invoice_outstanding_credits_debits_widget["content"]
        new_invoice.js_assign_outstanding_line(outstanding[0]["id"])
        self.assertIn(new_invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(
            self._balance(), 180, "the freed payment now pays the new invoice"
        )
        self.assertEqual(order.order_line.support_credit_state, "granted")

    @freeze_time(TODAY)
    def test_down_payment_grants_nothing_the_final_invoice_does(self):
        order = self._confirmed([self._contract_line(qty=1), self._pack_line(1)])
        # the salesman asks for a down payment (Odoo's wizard), the accountant posts it
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_user(self.salesman)
            .with_context(active_model="sale.order", active_ids=order.ids)
            .create({"advance_payment_method": "percentage", "amount": 50})
        )
        wizard.create_invoices()
        down_payment = order.invoice_ids
        down_payment.with_user(self.accountant).action_post()
        self._pay(down_payment)
        self.assertEqual(
            self._balance(), 0, "a down payment pays no line: nothing is granted"
        )
        self.assertEqual(
            order.order_line.filtered("support_kind").mapped("support_credit_state"),
            ["awaiting"] * 2,
        )
        final = order.with_user(self.accountant)._create_invoices(final=True)
        final.action_post()
        self._pay(final)
        self.assertEqual(self._balance(), 180)

    @freeze_time(TODAY)
    def test_partial_credit_note_of_a_contract_line_gives_back_its_last_term(self):
        order = self._confirmed([self._contract_line(qty=2)])
        invoice = self._invoice(order)
        self._pay(invoice)
        first_lot, last_lot = self._lots().sorted("expiry_date")
        credit_note = self._credit_note(invoice, {order.order_line: 1})
        self.assertEqual(self._adjustments(credit_note).lot_id, last_lot)
        self.assertEqual((first_lot.remaining, last_lot.remaining), (120, 0))
        self.assertEqual(order.order_line.support_credit_state, "partial")
        self.assertEqual(
            self.deployment.coverage_end,
            date(2027, 2, 28),
            "coverage is the order's business",
        )

    @freeze_time(TODAY)
    def test_invoice_paid_while_the_order_is_cancelled_grants_when_confirmed_again(
        self,
    ):
        order = self._confirmed([self._pack_line(1)])
        invoice = self._invoice(order)
        order.with_user(self.salesman)._action_cancel()
        self._pay(invoice)
        self.assertEqual(self._balance(), 0, "a cancelled order grants nothing")
        self.assertEqual(order.order_line.support_credit_state, "withdrawn")
        order.with_user(self.salesman).action_draft()
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(self._balance(), 60)
        # cancelled and confirmed again: what was granted comes back, once
        order.with_user(self.salesman)._action_cancel()
        self.assertEqual(self._balance(), 0)
        order.with_user(self.salesman).action_draft()
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(self._balance(), 60)
        self.assertEqual(len(self._lots()), 1)

    @freeze_time(TODAY)
    def test_credit_note_before_payment_lowers_what_the_payment_grants(self):
        order = self._confirmed([self._pack_line(3)])
        invoice = self._invoice(order)
        credit_note = self._credit_note(invoice, {order.order_line: 1})
        self.assertFalse(self._adjustments(credit_note))
        self._pay(invoice)
        self.assertEqual(self._balance(), 120, "two packs paid")

    # ------------------------------------------------------------------
    # Cards
    # ------------------------------------------------------------------
    @freeze_time(TODAY)
    def test_cards_are_issued_on_payment_and_cancelled_by_the_credit_note(self):
        order = self._confirmed([self._pack_line(2, support_credit_choice="card")])
        line = order.order_line
        self.assertFalse(line.support_card_ids, "no card before the payment")
        invoice = self._invoice(order)
        self._pay(invoice)
        card = line.support_card_ids
        self.assertRecordValues(
            card, [{"credits": 120, "state": "active", "expiry_date": date(2026, 3, 1)}]
        )
        self.assertEqual(self._balance(), 0, "a card is not the buyer's credits")
        # one of two reversed: the card is cancelled, a card of 60 replaces it
        self._credit_note(invoice, {line: 1})
        self.assertEqual(card.state, "cancelled")
        replacement = line.support_card_ids - card
        self.assertRecordValues(replacement, [{"credits": 60, "state": "active"}])
        # the rest reversed: the replacement is cancelled too
        self._credit_note(invoice, {line: 1})
        self.assertEqual(replacement.state, "cancelled")
        self.assertEqual(line.support_credits_owed, 0)

    @freeze_time(TODAY)
    def test_claimed_card_stays_claimed_and_its_credits_are_owed(self):
        order = self._confirmed([self._pack_line(1, support_credit_choice="card")])
        invoice = self._invoice(order)
        self._pay(invoice)
        card = order.order_line.support_card_ids
        result = self._claim(
            self.support_manager, card.code, self.claimer, remote_addr="10.0.0.7"
        )
        self.assertTrue(result.success)
        self._credit_note(invoice)
        self.assertEqual(card.state, "claimed")
        self.assertEqual(
            self._balance(self.claimer), 60, "the claimer keeps the credits"
        )
        self.assertEqual(order.order_line.support_credits_owed, 60)
        self.assertIn("cannot be withdrawn and are owed", order.message_ids[0].body)

    @freeze_time(TODAY)
    def test_card_cancelled_by_a_credit_note_is_not_reissued_on_confirming_again(self):
        order = self._confirmed([self._pack_line(1, support_credit_choice="card")])
        invoice = self._invoice(order)
        self._pay(invoice)
        self._credit_note(invoice)
        order._action_cancel()
        order.action_draft()
        order.action_confirm()
        self.assertEqual(
            order.order_line.support_card_ids.mapped("state"), ["cancelled"]
        )

    # ------------------------------------------------------------------
    # Guards
    # ------------------------------------------------------------------
    @freeze_time(TODAY)
    def test_nobody_writes_what_was_granted(self):
        order = self._confirmed([self._pack_line(1)])
        self._pay(self._invoice(order))
        line = order.order_line
        for user in (self.salesman, self.accountant):
            for field, value in (
                ("support_grant_on_payment", False),
                ("support_paid_qty", 0),
                ("support_credits_owed", 0),
            ):
                with (
                    self.subTest(user=user.login, field=field),
                    self.assertRaises(AccessError),
                ):
                    line.with_user(user).write({field: value})
            record = (
                self.env["support.invoice.credit"]
                .with_user(user)
                .search([("order_id", "=", order.id)])
            )
            self.assertEqual(record.credits, 60, "readable")
            with self.assertRaises(AccessError):
                record.write({"credits": 600})

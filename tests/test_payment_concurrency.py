"""Two payments of one invoice committed at the same moment, under the company
setting "grant credits when the invoice is paid" (issue 12): the credits of
each invoice line are granted exactly once.

Two threads with two real database cursors (two transactions), each an
accountant registering a payment as an HTTP request would (Odoo's
``retrying``: a transaction that fails to serialize is rolled back and run
again). The fixtures are committed, so that both transactions see them, and
deleted afterwards.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestPaymentConcurrency(CommittedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env() as env:
            company = env.company
            cls._commit_write(company, support_credit_grant="paid")
            org = cls._commit(cls._create_organization("Concurrent Payer", env=env))
            contact = cls._commit(
                cls._create_contact(org, "Pat Payer", email="pat@example.com", env=env)
            )
            product = cls._commit(
                cls._create_pack_product(
                    "Concurrent support credits, 60 minutes", env=env
                )
            )
            accountant = cls._commit(
                new_test_user(
                    env,
                    "concurrent_payment_accountant",
                    groups="account.group_account_invoice",
                    company_id=company.id,
                    company_ids=[Command.set(company.ids)],
                )
            )
            cls.invoice_ids = {}
            for key, choice in (
                ("full", "organization"),
                ("halves", "organization"),
                ("card", "card"),
                ("hook", "organization"),
            ):
                order = cls._commit(
                    cls._create_order(
                        [
                            {
                                "product_id": product.id,
                                "product_uom_qty": 2,
                                "support_credit_choice": choice,
                            }
                        ],
                        partner=contact,
                        env=env,
                    )
                )
                order.action_confirm()
                invoice = cls._commit(order._create_invoices())
                invoice.action_post()
                cls.invoice_ids[key] = invoice.id
            # paid, and its grant not made yet: Odoo calls the paid hook again
            # on each reconciliation that leaves an invoice paid or in payment
            with patch.object(
                type(env["support.invoice.credit"]), "_grant_paid", return_value=None
            ):
                env["account.payment.register"].with_context(
                    active_model="account.move",
                    active_ids=[cls.invoice_ids["hook"]],
                ).create({})._create_payments()
            cls.accountant_id = accountant.id

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _pay_at_once(self, invoice_id, amounts):
        """Two accountants each register a payment of ``invoice_id`` (for the
        amount given, or what is due) at the same moment; both transactions
        have seen the invoice unpaid before either commits.

        :return: the outcomes, ``"paid"`` or the refusal's message, in no order.
        """
        barrier = threading.Barrier(2)

        def pay(index):
            with self.committed_env(self.accountant_id) as env:
                invoice = env["account.move"].browse(invoice_id)
                self.assertEqual(
                    invoice.payment_state, "not_paid"
                )  # both snapshots taken
                barrier.wait(timeout=10)

                def register():
                    vals = {"amount": amounts[index]} if amounts[index] else {}
                    env["account.payment.register"].with_context(
                        active_model="account.move",
                        active_ids=[invoice_id],
                    ).create(vals)._create_payments()

                try:
                    retrying(register, env)
                except (UserError, ValidationError) as exc:
                    env.cr.rollback()
                    return str(exc)
                return "paid"

        # The test runner holds the registry lock while post-install tests
        # run; the threads only look the (loaded) registry up.
        with (
            patch.object(Registry, "_lock", DummyRLock()),
            ThreadPoolExecutor(max_workers=2) as executor,
        ):
            futures = [executor.submit(pay, index) for index in range(2)]
            return [future.result(timeout=120) for future in futures]

    def _granted(self, invoice_id):
        """``(grants, lots, cards, paid quantity, payment state)`` of the
        invoice's line, as committed."""
        with self.committed_env() as env:
            invoice = env["account.move"].browse(invoice_id)
            sale_line = invoice.invoice_line_ids.sale_line_ids
            grants = env["support.invoice.credit"].search(
                [("sale_line_id", "=", sale_line.id)]
            )
            lots = env["support.credit.lot"].search(
                [("sale_line_id", "=", sale_line.id)]
            )
            cards = env["support.credit.card"].search(
                [("sale_line_id", "=", sale_line.id)]
            )
            return (
                [(grant.kind, grant.quantity, grant.credits) for grant in grants],
                sorted(lots.mapped("quantity")),
                sorted(cards.mapped("credits")),
                sale_line.support_paid_qty,
                invoice.payment_state,
            )

    def _assert_one_paid_one_refused(self, outcomes):
        self.assertEqual(outcomes.count("paid"), 1, outcomes)
        refusal = next(outcome for outcome in outcomes if outcome != "paid")
        self.assertIn("nothing left to pay", refusal)

    def _assert_granted_once(self, invoice_id, lots, cards):
        grants, granted_lots, granted_cards, paid_qty, payment_state = self._granted(
            invoice_id
        )
        self.assertIn(payment_state, ("paid", "in_payment"))
        self.assertEqual(
            grants, [("grant", 2.0, 120)], "one grant for the invoice line"
        )
        self.assertEqual(granted_lots, lots)
        self.assertEqual(granted_cards, cards)
        self.assertEqual(paid_qty, 2.0)

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------
    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_two_full_payments_at_once_grant_once(self):
        outcomes = self._pay_at_once(self.invoice_ids["full"], [None, None])
        # the loser waited for the winner, was run again, and found nothing
        # left to pay: it fails cleanly, with the accounting's own message
        self._assert_one_paid_one_refused(outcomes)
        self._assert_granted_once(self.invoice_ids["full"], lots=[120], cards=[])

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_two_halves_paid_at_once_grant_once(self):
        # each payment alone leaves the invoice partly paid; together they pay it
        invoice_id = self.invoice_ids["halves"]
        with self.committed_env() as env:
            total = env["account.move"].browse(invoice_id).amount_total
        outcomes = self._pay_at_once(invoice_id, [total / 2, total / 2])
        self.assertEqual(
            outcomes, ["paid", "paid"], "the second payment, run again, pays the rest"
        )
        self._assert_granted_once(invoice_id, lots=[120], cards=[])

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_two_full_payments_of_a_card_line_issue_one_card(self):
        outcomes = self._pay_at_once(self.invoice_ids["card"], [None, None])
        self._assert_one_paid_one_refused(outcomes)
        self._assert_granted_once(self.invoice_ids["card"], lots=[], cards=[120])

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_the_paid_hook_twice_at_once_grants_once(self):
        """The addon's own guard, whatever the accounting serializes: two
        transactions run the paid hook of one invoice at once. The second
        waits for the first, is run again, and finds the credits granted."""
        invoice_id = self.invoice_ids["hook"]
        barrier = threading.Barrier(2)

        def hook(index):
            with self.committed_env(self.accountant_id) as env:
                invoice = env["account.move"].browse(invoice_id)
                self.assertIn(
                    invoice.payment_state, ("paid", "in_payment")
                )  # both snapshots taken
                barrier.wait(timeout=10)
                try:
                    retrying(invoice._invoice_paid_hook, env)
                except ValidationError as exc:
                    env.cr.rollback()
                    return str(exc)
                return "done"

        with (
            patch.object(Registry, "_lock", DummyRLock()),
            ThreadPoolExecutor(max_workers=2) as executor,
        ):
            futures = [executor.submit(hook, index) for index in range(2)]
            outcomes = [future.result(timeout=120) for future in futures]
        self.assertEqual(
            outcomes, ["done", "done"], "the loser is run again, not refused"
        )
        self._assert_granted_once(invoice_id, lots=[120], cards=[])

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import SupportSaleCase


@tagged("post_install", "-at_install")
class TestSupportSale(SupportSaleCase):
    @freeze_time("2017-06-15")
    def test_catch_up_seed_example(self):
        """Expiry 2012-09-30, ordered 2017-06-15: 5 terms, new expiry 2017-09-30."""
        self._cover_until(self.deployment, date(2012, 9, 30))
        order = self._create_order([self._contract_line(qty=1, deployment=False)])
        with Form(order) as form:
            with form.order_line.edit(0) as line:
                line.support_deployment_id = self.deployment
                self.assertEqual(
                    line.product_uom_qty, 5, "the catch-up quantity is proposed"
                )
        line = order.order_line
        self.assertEqual(line.support_catch_up_terms, 5)
        self.assertEqual(line.support_new_expiry, date(2017, 9, 30))
        order.action_confirm()
        self.assertEqual(self.deployment.coverage_end, date(2017, 9, 30))
        contract = self.deployment.contract_ids
        self.assertEqual(
            len(contract), 1, "the existing contract is extended, not duplicated"
        )
        self.assertEqual(len(contract.term_ids), 6)

    @freeze_time("2017-06-15")
    def test_too_few_terms_refused_with_the_number_needed(self):
        self._cover_until(self.deployment, date(2012, 9, 30))
        order = self._create_order([self._contract_line(qty=3)])
        with self.assertRaisesRegex(UserError, "at least 5 terms"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertEqual(self.deployment.coverage_end, date(2012, 9, 30))

    @freeze_time("2017-06-15")
    def test_never_covered_starts_on_order_date(self):
        order = self._create_order([self._contract_line(qty=1)])
        self.assertEqual(order.order_line.support_catch_up_terms, 1)
        order.action_confirm()
        term = self.deployment.contract_ids.term_ids
        self.assertRecordValues(
            term, [{"date_start": date(2017, 6, 15), "date_end": date(2018, 6, 14)}]
        )

    @freeze_time("2017-06-15")
    def test_not_lapsed_extends_from_expiry_not_from_today(self):
        self._cover_until(self.deployment, date(2017, 8, 31))
        order = self._create_order([self._contract_line(qty=2)])
        self.assertEqual(order.order_line.support_catch_up_terms, 1)
        order.action_confirm()
        self.assertEqual(self.deployment.coverage_end, date(2019, 8, 31))

    def test_missing_deployment_names_the_line(self):
        order = self._create_order(
            [
                self._pack_line(1),
                self._contract_line(qty=1, deployment=False),
            ]
        )
        with self.assertRaisesRegex(
            UserError, rf"{order.name}, line 2 .*choose the deployment"
        ):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertFalse(
            self._lots(), "nothing is granted when confirmation is refused"
        )

    def test_zero_or_fractional_quantity_refused(self):
        order = self._create_order([self._contract_line(qty=1.5)])
        with self.assertRaisesRegex(UserError, "whole number"):
            order.action_confirm()
        order.order_line.product_uom_qty = 0
        with self.assertRaisesRegex(UserError, "must be positive"):
            order.action_confirm()

    @freeze_time("2017-06-15")
    def test_confirmation_grants_only_terms_ending_after_today(self):
        self._cover_until(self.deployment, date(2012, 9, 30))
        order = self._create_order([self._contract_line(qty=5)])
        order.action_confirm()
        terms = order.order_line.support_term_ids.sorted("date_start")
        self.assertEqual(terms.mapped("credits"), [0, 0, 0, 0, 120])
        lots = self._lots()
        self.assertRecordValues(
            lots,
            [
                {
                    "quantity": 120,
                    "remaining": 120,
                    "expiry_date": date(2017, 9, 30),
                    "sale_line_id": order.order_line.id,
                }
            ],
        )
        self.assertEqual(terms[-1].lot_ids, lots)
        self.assertEqual(self.org.support_credit_balance, 120)

    def test_credits_go_to_the_invoice_address_organization(self):
        order = self._create_order([self._contract_line(qty=1)], partner=self.contact)
        order.partner_invoice_id = self.reseller
        order.action_confirm()
        self.assertFalse(self._lots(self.org))
        self.assertEqual(self._lots(self.reseller).quantity, 120)

    def test_confirm_twice_or_after_cancel_grants_once(self):
        order = self._create_order(
            [
                self._contract_line(qty=1),
                self._pack_line(2),
            ]
        )
        order.action_confirm()
        self.assertEqual(self.org.support_credit_balance, 240)
        with self.assertRaises(UserError):
            order.action_confirm()
        order._action_cancel()
        order.action_draft()
        order.action_confirm()
        self.assertEqual(
            self.org.support_credit_balance, 240, "re-confirming grants nothing more"
        )
        self.assertEqual(len(self.deployment.contract_ids.term_ids), 1)

    def test_card_choice_creates_cards_and_no_lot(self):
        order = self._create_order(
            [
                self._contract_line(qty=1, support_credit_choice="card"),
                self._pack_line(3, support_credit_choice="card"),
            ]
        )
        order.action_confirm()
        self.assertFalse(self._lots())
        cards = order.order_line.support_card_ids
        self.assertEqual(sorted(cards.mapped("credits")), [120, 180])
        self.assertEqual(len(set(cards.mapped("code"))), 2)
        self.assertEqual(cards.buyer_partner_id, self.org)
        self.assertEqual(set(cards.mapped("state")), {"active"})
        self.assertEqual(order.support_card_count, 2)
        self.assertEqual(
            self.deployment.coverage_end.year - date.today().year,
            1,
            "the card choice still extends the coverage",
        )

    @freeze_time("2020-01-10")
    def test_credit_pack_expires_twelve_months_after_purchase(self):
        order = self._create_order([self._pack_line(2)])
        order.action_confirm()
        self.assertRecordValues(
            self._lots(), [{"quantity": 120, "expiry_date": date(2021, 1, 10)}]
        )

    def test_deployment_locked_after_confirmation(self):
        other = self.env["support.deployment"].create(
            {"name": "DEP-2", "kind": "deployment", "partner_id": self.org.id}
        )
        order = self._create_order([self._contract_line(qty=1)])
        order.action_confirm()
        with self.assertRaisesRegex(UserError, "can no longer change"):
            order.order_line.support_deployment_id = other
        self.assertEqual(order.order_line.support_deployment_id, self.deployment)

    @freeze_time("2017-06-15")
    def test_two_lines_of_one_deployment_extend_one_after_another(self):
        self._cover_until(self.deployment, date(2017, 9, 30))
        order = self._create_order(
            [self._contract_line(qty=1), self._contract_line(qty=2)]
        )
        order.action_confirm()
        self.assertEqual(self.deployment.coverage_end, date(2020, 9, 30))
        self.assertEqual(order.support_contract_count, 1)

    @freeze_time("2017-06-15")
    def test_apply_deployment_to_all_lines(self):
        self._cover_until(self.deployment, date(2012, 9, 30))
        order = self._create_order(
            [
                self._contract_line(qty=1, deployment=False),
                self._contract_line(qty=1, deployment=False),
                self._pack_line(1),
            ]
        )
        action = order.action_support_apply_deployment()
        wizard = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .create({"deployment_id": self.deployment.id})
        )
        wizard.action_apply()
        contract_lines = order.order_line.filtered(
            lambda line: line.support_kind == "contract"
        )
        self.assertEqual(contract_lines.support_deployment_id, self.deployment)
        # the second line extends after the first: the catch-up is bought once
        self.assertEqual(contract_lines.mapped("product_uom_qty"), [5, 1])
        self.assertEqual(
            contract_lines.mapped("support_new_expiry"),
            [date(2017, 9, 30), date(2018, 9, 30)],
        )
        self.assertFalse((order.order_line - contract_lines).support_deployment_id)

    def test_salesperson_confirms_without_support_rights(self):
        salesman = new_test_user(
            self.env, login="support_salesman", groups="sales_team.group_sale_salesman"
        )
        order = self._create_order(
            [
                self._contract_line(qty=1),
                self._pack_line(1, support_credit_choice="card"),
            ]
        )
        order.user_id = salesman  # salespeople see their own orders
        order = order.with_user(salesman)
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(self._lots().quantity, 120)
        self.assertEqual(order.support_card_count, 1)
        self.assertEqual(order.support_contract_count, 1)

    @freeze_time("2017-06-15")
    def test_paying_a_term_reactivates_a_cancelled_contract(self):
        contract = self._cover_until(self.deployment, date(2017, 8, 31))
        contract.action_cancel()
        self.assertEqual(contract.state, "cancelled")
        self._create_order([self._contract_line(qty=1)]).action_confirm()
        self.assertEqual(contract.state, "active")
        self.assertEqual(contract.date_end, date(2018, 8, 31))

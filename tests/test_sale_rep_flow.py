"""The sales rep's quotation, as a new sales rep tries it (issue 11)."""

from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import SupportSaleCase


@tagged("post_install", "-at_install")
class TestSaleRepQuotation(SupportSaleCase):
    @freeze_time("2025-03-01")
    def test_apply_to_all_on_new_lines_without_deployment(self):
        form = Form(self.env["sale.order"])
        form.partner_id = self.contact
        for _i in range(2):
            with form.order_line.new() as line:
                line.product_id = self.contract_product
        order = form.save()  # no "Missing required fields": confirmation names the line
        self.assertFalse(order.order_line.support_deployment_id)
        action = order.action_support_apply_deployment()
        wizard = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .create({"deployment_id": self.deployment.id})
        )
        wizard.action_apply()
        self.assertEqual(order.order_line.support_deployment_id, self.deployment)

    def test_picker_offers_the_customers_deployments_first_with_owner_and_coverage(
        self,
    ):
        self._cover_until(self.deployment, date(2030, 6, 30))
        stranger = self.env["res.partner"].create(
            {"name": "Stranger Ltd", "is_company": True}
        )
        Deployment = self.env["support.deployment"]
        foreign = Deployment.create(
            {"name": "78927640", "kind": "serial", "partner_id": stranger.id}
        )
        coowned = Deployment.create(
            {
                "name": "78927641",
                "kind": "serial",
                "partner_id": stranger.id,
                "coowner_ids": [(4, self.org.id)],
            }
        )
        results = Deployment.with_context(
            support_customer_id=self.contact.id
        ).name_search("789276")
        ids = [record_id for record_id, _name in results]
        self.assertEqual(
            set(ids[:2]), {self.deployment.id, coowned.id}, "the customer's own first"
        )
        self.assertEqual(ids[2], foreign.id, "the others can still be searched")
        formatted = (
            Deployment.with_context(formatted_display_name=True)
            .browse(self.deployment.id)
            .display_name
        )
        self.assertIn("Tony Lewis Home", formatted)
        self.assertIn("covered until", formatted)
        self.assertEqual(self.deployment.display_name, "78927639")

    def test_new_deployment_from_the_line_belongs_to_the_customer(self):
        deployment = (
            self.env["support.deployment"]
            .with_context(default_partner_id=self.contact.id)
            .create({"name": "NEW-FROM-LINE"})
        )
        self.assertEqual(
            deployment.partner_id, self.org, "the customer's organization owns it"
        )

    @freeze_time("2017-06-15")
    def test_two_lines_of_one_lapsed_deployment_propose_and_sell_the_catch_up_once(
        self,
    ):
        self._cover_until(self.deployment, date(2012, 9, 30))
        form = Form(self.env["sale.order"])
        form.partner_id = self.contact
        for _i in range(2):
            with form.order_line.new() as line:
                line.product_id = self.contract_product
                line.support_deployment_id = self.deployment
        order = form.save()
        first, second = order.order_line
        self.assertRecordValues(
            first | second,
            [
                {
                    "product_uom_qty": 5,
                    "support_catch_up_terms": 5,
                    "support_new_expiry": date(2017, 9, 30),
                },
                {
                    "product_uom_qty": 1,
                    "support_catch_up_terms": 1,
                    "support_new_expiry": date(2018, 9, 30),
                },
            ],
        )
        self.assertEqual(
            first.support_catch_up_note,
            "Lapsed on 09/30/2012: 5 terms bring it past today",
        )
        self.assertFalse(
            second.support_catch_up_note,
            "the second line extends a coverage already current",
        )
        order.action_confirm()
        self.assertFalse(first.support_catch_up_note)
        self.assertEqual(self.deployment.coverage_end, date(2018, 9, 30))
        self.assertEqual(len(self.deployment.contract_ids.term_ids), 1 + 6)
        # after confirmation, each line shows the expiry it produced
        with freeze_time("2019-01-01"):
            order.order_line.invalidate_recordset(["support_new_expiry"])
            self.assertEqual(
                order.order_line.mapped("support_new_expiry"),
                [date(2017, 9, 30), date(2018, 9, 30)],
            )

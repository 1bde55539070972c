"""Renewals (issue 9): contracts that renew themselves, and the renewal desk."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import RenewalCase, cron_progress

EXPIRY = date(2026, 1, 9)
NOTICE_DAY = "2025-12-10"  # 30 days before EXPIRY


@tagged("post_install", "-at_install")
class TestRenewal(RenewalCase):
    def test_created_on_the_notice_day_once_with_todays_price(self):
        order = self._sell()
        contract = self._contract()
        self.assertEqual(contract.date_end, EXPIRY)
        self.assertEqual(contract.next_renewal_date, EXPIRY)
        self.run_cron("2025-12-09")
        self.assertFalse(contract.renewal_ids, "not before the notice day")
        self.contract_product.list_price = 1200.0
        self.run_cron(NOTICE_DAY)
        self.run_cron(NOTICE_DAY)
        self.run_cron("2025-12-11")
        renewal = contract.renewal_ids
        self.assertEqual(len(renewal), 1, "once per contract and term")
        self.assertRecordValues(
            renewal,
            [
                {
                    "state": "quoted",
                    "date_start": date(2026, 1, 10),
                    "date_end": date(2027, 1, 9),
                    "date_expiry": EXPIRY,
                    "renewal_mode": "quotation",
                    "previous_amount": order.order_line.price_total,
                    "price_changed": True,
                    "error": False,
                }
            ],
        )
        new_order = renewal.order_id
        self.assertEqual(new_order.state, "sent")
        self.assertEqual(new_order.support_renewal_id, renewal)
        self.assertEqual(new_order.partner_id, order.partner_id)
        self.assertEqual(new_order.partner_invoice_id, order.partner_invoice_id)
        self.assertEqual(new_order.user_id, order.user_id)
        self.assertEqual(new_order.payment_term_id, order.payment_term_id)
        self.assertRecordValues(
            new_order.order_line,
            [
                {
                    "product_id": self.contract_product.id,
                    "product_uom_qty": 1,
                    "price_unit": 1200.0,
                    "support_deployment_id": self.deployment.id,
                    "support_credit_choice": "organization",
                }
            ],
        )
        self.assertIn(contract.name, new_order.order_line.name)
        self.assertIn(self.deployment.name, new_order.order_line.name)
        self.assertEqual(renewal.amount, new_order.amount_total)
        # sent with Odoo's own quotation email
        self.assertTrue(
            new_order.message_ids.filtered(
                lambda m: new_order.name in (m.subject or "")
            )
        )

    def test_quotation_mode_confirmed_invoiced_paid(self):
        self._sell()
        contract = self._contract()
        self.run_cron(NOTICE_DAY)
        renewal = contract.renewal_ids
        with freeze_time("2025-12-20"):
            renewal.order_id.action_confirm()
            self.assertEqual(renewal.state, "confirmed")
            self.assertEqual(
                contract.date_end, date(2027, 1, 9), "continuous from the expiry"
            )
            lots = self._lots().filtered(
                lambda lot: lot.sale_line_id.order_id == renewal.order_id
            )
            self.assertRecordValues(
                lots, [{"quantity": 120, "expiry_date": date(2027, 1, 9)}]
            )
            invoice = renewal.order_id._create_invoices()
            invoice.action_post()
            self.assertEqual(renewal.state, "invoiced")
            # a credit note takes it back to confirmed; the new invoice forward again
            reversal = (
                self.env["account.move.reversal"]
                .with_context(active_model="account.move", active_ids=invoice.ids)
                .create(
                    {"reason": "Wrong address", "journal_id": invoice.journal_id.id}
                )
            )
            reversal.modify_moves()
            self.assertEqual(invoice.payment_state, "reversed")
            self.assertEqual(renewal.state, "confirmed")
            new_invoice = renewal.order_id.invoice_ids.filtered(
                lambda move: move.state == "draft"
            )
            new_invoice.action_post()
            self.assertEqual(renewal.state, "invoiced")
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=new_invoice.ids
            ).create({})._create_payments()
            self.assertIn(new_invoice.payment_state, ("paid", "in_payment"))
            self.assertEqual(renewal.state, "paid")

    def test_automatic_mode_confirms_and_invoices_on_the_expiry_day(self):
        self.plan.renewal_mode = "automatic"
        self._sell()
        contract = self._contract()
        self.assertEqual(contract.renewal_mode, "automatic")
        self.run_cron(NOTICE_DAY)
        renewal = contract.renewal_ids
        self.assertEqual(renewal.state, "quoted")
        notice = self._messages(renewal.order_id, "renews on")
        self.assertTrue(notice, "the notice says when it renews")
        self.assertIn("unless you turn auto-renewal off", str(notice[0].body))
        self.run_cron("2026-01-08")
        self.assertEqual(renewal.state, "quoted", "not before the expiry day")
        self.run_cron("2026-01-09")
        self.assertEqual(renewal.order_id.state, "sale")
        self.assertEqual(renewal.state, "invoiced")
        self.assertEqual(renewal.invoice_ids.state, "posted")
        self.assertEqual(contract.date_end, date(2027, 1, 9), "no gap in coverage")
        self.assertEqual(contract.state, "active")

    def test_lapsed_in_quotation_mode_then_late_confirmation_needs_catch_up(self):
        self._sell()
        contract = self._contract()
        self.run_cron(NOTICE_DAY)
        renewal = contract.renewal_ids
        self.run_cron("2026-01-09")
        self.assertEqual(renewal.state, "quoted", "the expiry day is still covered")
        self.run_cron("2026-01-10")
        self.assertEqual(renewal.state, "lapsed")
        self.assertEqual(contract.state, "lapsed")
        with freeze_time("2027-03-01"):
            with self.assertRaisesRegex(UserError, "at least 2 terms"):
                renewal.order_id.action_confirm()
            renewal.order_id.order_line.product_uom_qty = 2
            renewal.order_id.action_confirm()
            self.assertEqual(renewal.state, "confirmed")
            self.assertEqual(contract.date_end, date(2028, 1, 9))

    def test_reminders_on_the_reminder_days(self):
        self._sell()
        contract = self._contract()
        self.run_cron(NOTICE_DAY)
        renewal = contract.renewal_ids
        order = renewal.order_id
        self.run_cron("2026-01-01")
        self.assertFalse(self._messages(order, "expires on"))
        self.run_cron("2026-01-02")
        self.run_cron("2026-01-02")
        self.assertEqual(
            len(self._messages(order, "expires on")), 1, "7 days before, once"
        )
        self.assertEqual(renewal.reminder_date, date(2026, 1, 2))
        self.run_cron("2026-01-05")
        self.assertEqual(len(self._messages(order, "expires on")), 1)
        self.run_cron("2026-01-08")
        self.assertEqual(len(self._messages(order, "expires on")), 2, "1 day before")
        with freeze_time("2026-01-08"):
            order.action_confirm()
        self.run_cron("2026-01-08")
        self.assertEqual(
            len(self._messages(order, "expires on")), 2, "no reminder once confirmed"
        )

    def test_turning_off_cancels_the_order_and_records_the_reason(self):
        self._sell()
        contract = self._contract()
        self.run_cron(NOTICE_DAY)
        renewal = contract.renewal_ids
        balance = self.org.support_credit_balance
        reason = self.env.ref("support_contract.renewal_reason_price")
        support_user = new_test_user(
            self.env,
            login="renewal_support_user",
            groups="support_contract.group_support_user",
        )
        with freeze_time("2025-12-15"):
            wizard = Form(
                self.env["support.contract.auto.renew.wizard"]
                .with_user(support_user)
                .with_context(default_contract_ids=contract.ids)
            )
            wizard.reason_id = reason
            wizard.save().action_confirm()
        self.assertFalse(contract.auto_renew)
        self.assertEqual(renewal.order_id.state, "cancel")
        self.assertRecordValues(
            renewal,
            [{"state": "declined", "reason_id": reason.id, "reason": "Too expensive"}],
        )
        self.assertEqual(contract.date_end, EXPIRY, "the current term runs to its end")
        self.assertEqual(self._balance(), balance, "nothing is refunded")
        note = self._messages(contract, "Auto-renewal turned off by")
        self.assertIn("Too expensive", str(note.body))
        self.assertIn(support_user.name, str(note.body))
        self.run_cron("2025-12-16")
        self.assertEqual(renewal.state, "declined", "no new order while off")
        # on again before expiry: the next run offers the term again
        contract.action_turn_auto_renew_on()
        self.assertEqual(renewal.state, "due")
        self.run_cron("2025-12-17")
        self.assertEqual(renewal.state, "quoted")
        self.assertEqual(renewal.order_id.state, "sent")

    def test_turning_off_with_a_free_text_reason(self):
        self._sell()
        contract = self._contract()
        self.run_cron(NOTICE_DAY)
        contract.action_turn_auto_renew_off(reason="Budget cut")
        self.assertRecordValues(
            contract.renewal_ids, [{"state": "declined", "reason": "Budget cut"}]
        )

    def test_one_failing_contract_never_stops_the_others(self):
        archived_product = self.env["product.product"].create(
            {
                "name": "Old support product",
                "type": "service",
                "list_price": 900.0,
                "support_kind": "contract",
                "support_plan_id": self.plan.id,
                "support_term_months": 12,
                "support_credits": 120,
            }
        )
        other = self.env["support.deployment"].create(
            {"name": "DEP-FAIL", "kind": "deployment", "partner_id": self.org.id}
        )
        self._sell()
        self._sell(deployment=other, product_id=archived_product.id)
        archived_product.active = False
        self.run_cron(NOTICE_DAY)
        good, bad = self._contract().renewal_ids, self._contract(other).renewal_ids
        self.assertEqual(good.state, "quoted")
        self.assertEqual(bad.state, "due")
        self.assertIn("archived", bad.error)
        self.assertTrue(
            self._messages(self._contract(other), "could not be created or sent")
        )
        # the next run tries again, without a second note
        self.run_cron("2025-12-11")
        self.assertEqual(
            len(self._messages(self._contract(other), "could not be created or sent")),
            1,
        )

    def test_customer_without_email_is_an_error(self):
        self.org.email = False
        self.contact.email = False
        self._sell()
        self.run_cron(NOTICE_DAY)
        self.assertIn("no email address", self._contract().renewal_ids.error)

    def test_manager_renews_by_hand(self):
        self._sell()
        contract = self._contract()
        with freeze_time("2025-06-01"):
            with self.assertRaisesRegex(UserError, "Only Support Managers"):
                contract.with_user(self.salesman_user()).action_create_renewal()
            contract.action_create_renewal()
        self.assertEqual(contract.renewal_ids.state, "quoted")

    def salesman_user(self):
        return new_test_user(
            self.env,
            login="renewal_salesman",
            groups="sales_team.group_sale_salesman_all_leads,support_contract.group_support_user",
        )

    def test_desk_reporting_fields(self):
        self._sell()
        contract = self._contract()
        self.run_cron(NOTICE_DAY)
        renewal = contract.renewal_ids
        self.assertEqual(renewal.renewal_rate, 0.0)
        contract.action_turn_auto_renew_off()
        self.assertEqual(renewal.lost_amount, renewal.amount)
        groups = self.Renewal._read_group(
            [("id", "=", renewal.id)],
            ["date_expiry:month", "state"],
            ["amount:sum", "lost_amount:sum", "renewal_rate:avg"],
        )
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0][1], "declined")


@tagged("post_install", "-at_install")
class TestRenewalScale(RenewalCase):
    def _contracts(self, count, start):
        deployments = self.env["support.deployment"].create(
            [
                {
                    "name": f"SCALE-{start + i}",
                    "kind": "deployment",
                    "partner_id": self.org.id,
                }
                for i in range(count)
            ]
        )
        with freeze_time(self.SOLD_ON):
            order = self._create_order(
                [
                    self._contract_line(qty=1, deployment=deployment)
                    for deployment in deployments
                ]
            )
            order.action_confirm()
        return deployments.contract_ids

    def _queries_to_renew(self, contracts):
        self.env.invalidate_all()
        self.env.flush_all()
        before = self.env.cr.sql_log_count
        self.run_cron(NOTICE_DAY)
        self.assertEqual(set(contracts.renewal_ids.mapped("state")), {"quoted"})
        return self.env.cr.sql_log_count - before

    def test_queries_per_contract_do_not_grow_with_the_batch(self):
        small = self._queries_to_renew(self._contracts(3, 0))
        large = self._queries_to_renew(self._contracts(9, 100))
        per_contract_small = small / 3
        marginal = (large - small) / 6
        self.assertLessEqual(marginal, per_contract_small, (small, large))
        self.assertLessEqual(marginal, 90, f"{marginal} queries per contract")


@tagged("post_install", "-at_install")
class TestContractImport(RenewalCase):
    def test_import_existing_coverage_creates_the_first_term(self):
        result = self.env["support.contract"].load(
            ["deployment_id", "plan_id", "date_start", "date_end"],
            [[self.deployment.name, self.plan.name, "2019-04-01", "2026-03-31"]],
        )
        self.assertFalse(result["messages"], result["messages"])
        contract = self.env["support.contract"].browse(result["ids"])
        self.assertRecordValues(
            contract,
            [
                {
                    "date_start": date(2019, 4, 1),
                    "date_end": date(2026, 3, 31),
                    "partner_id": self.org.id,
                }
            ],
        )
        self.assertRecordValues(
            contract.term_ids,
            [
                {
                    "date_start": date(2019, 4, 1),
                    "date_end": date(2026, 3, 31),
                    "credits": 0,
                }
            ],
        )
        self.assertEqual(self.deployment.coverage_end, date(2026, 3, 31))

    def test_one_date_alone_or_a_later_change_is_refused_clearly(self):
        with self.assertRaisesRegex(
            UserError, "give both its Start Date and its Expiry"
        ):
            self.env["support.contract"].create(
                {
                    "deployment_id": self.deployment.id,
                    "plan_id": self.plan.id,
                    "date_end": "2026-03-31",
                }
            )
        contract = self._cover_until(self.deployment, date(2026, 3, 31))
        with self.assertRaisesRegex(UserError, "come from its terms"):
            contract.date_end = date(2030, 1, 1)

    def test_imported_contract_renews_with_the_plans_product(self):
        self.env["support.contract"].create(
            {
                "deployment_id": self.deployment.id,
                "plan_id": self.plan.id,
                "date_start": "2019-04-01",
                "date_end": "2026-01-09",
            }
        )
        self.run_cron(NOTICE_DAY)
        renewal = self._contract().renewal_ids
        self.assertEqual(renewal.state, "quoted")
        self.assertEqual(renewal.order_id.order_line.product_id, self.contract_product)
        self.assertEqual(renewal.order_id.partner_id, self.org)


@tagged("post_install", "-at_install")
class TestRenewalSettings(RenewalCase):
    def test_reminder_days_are_checked(self):
        from odoo.exceptions import ValidationError

        with self.assertRaisesRegex(
            ValidationError, "days before expiry separated by commas"
        ):
            self.env.company.support_renewal_reminder_days = "7,x"
        self.env.company.support_renewal_reminder_days = "14, 3"
        self.assertEqual(self.env.company._support_renewal_reminder_days(), [14, 3])


@tagged("post_install", "-at_install")
class TestRenewalResume(RenewalCase):
    def test_a_killed_run_resumes_without_doing_anything_twice(self):
        deployments = self.env["support.deployment"].create(
            [
                {"name": f"RESUME-{i}", "kind": "deployment", "partner_id": self.org.id}
                for i in range(5)
            ]
        )
        with freeze_time(self.SOLD_ON):
            self._create_order(
                [self._contract_line(qty=1, deployment=d) for d in deployments]
            ).action_confirm()
        contracts = deployments.contract_ids
        # out of time after the first batch of 2: the run stops there
        with (
            freeze_time(NOTICE_DAY),
            cron_progress(self.env, time_left=0),
        ):
            self.Renewal._cron_process(batch_size=2)
        self.assertEqual(len(contracts.renewal_ids), 2)
        self.run_cron(NOTICE_DAY)
        self.assertEqual(len(contracts.renewal_ids), 5)
        self.assertEqual(set(contracts.renewal_ids.mapped("state")), {"quoted"})
        self.assertEqual(
            len(contracts.renewal_ids.order_id), 5, "one order per renewal"
        )

    def test_desk_views_render(self):
        views = self.Renewal.get_views(
            [
                (False, kind)
                for kind in ("list", "kanban", "pivot", "graph", "form", "search")
            ]
        )
        self.assertEqual(
            set(views["views"]), {"list", "kanban", "pivot", "graph", "form", "search"}
        )
        action = self.env.ref("support_contract.support_contract_renewal_action")
        self.assertEqual(action.view_mode, "list,kanban,pivot,graph,form")

"""Issue 8: nobody moves, invents or doubles credits.

Each test is written as the attacker: the user with the least rights that
reaches the field or the route, doing exactly the write or the request, then
asserting that the payer, the balance and the ledger did not change and that
the error says why.
"""

from datetime import date

from freezegun import freeze_time

from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import (
    CRON_CREDIT_EXPIRE,
    SupportCase,
    SupportMeteringCase,
    SupportSaleCase,
)


@tagged("post_install", "-at_install")
class TestTicketFieldsGuarded(SupportMeteringCase):
    def test_paying_organization_cannot_be_written(self):
        self._grant(self.org_a, 100)
        self._grant(self.org_c, 100)
        ticket = self._ticket()
        for field, value in [
            ("support_paying_partner_id", self.org_c.id),
            ("support_contract_id", False),
            ("support_metering", "incident"),
            ("support_rounding_minutes", 0),
            ("support_incident_points", 0),
            ("support_sla_targets", {}),
            ("sla_first_response_date", "2020-01-01 00:00:00"),
        ]:
            with (
                self.subTest(field=field),
                self.assertRaisesRegex(AccessError, "cannot be written"),
            ):
                ticket.with_user(self.engineer).write({field: value})
        # nor at creation: the organization pays for its own ticket
        with self.assertRaisesRegex(AccessError, "Paying Organization"):
            self.Ticket.with_user(self.engineer).create(
                {
                    "name": "Pay for me",
                    "description": "x",
                    "partner_id": self.contact_a.id,
                    "support_deployment_id": self.deployment.id,
                    "support_paying_partner_id": self.org_c.id,
                }
            )
        self.assertEqual(ticket.support_paying_partner_id, self.org_a)
        self._log(ticket, 0.5)
        self.assertEqual(self._balance(self.org_a), 70)
        self.assertEqual(
            self._balance(self.org_c), 100, "another organization never pays"
        )

    def test_ticket_opened_as_bug_does_not_make_time_free(self):
        self._grant(self.org_a, 100)
        with self.assertRaisesRegex(UserError, "Only a Support Manager"):
            self.Ticket.with_user(self.engineer).create(
                {
                    "name": "Free time",
                    "description": "x",
                    "partner_id": self.contact_a.id,
                    "support_deployment_id": self.deployment.id,
                    "support_resolution": "bug",
                    "user_id": self.engineer.id,
                }
            )
        self.assertEqual(self._balance(self.org_a), 100)

    def test_self_assignment_does_not_allow_bug_resolution(self):
        self._grant(self.org_a, 100)
        ticket = self._ticket()
        self._log(ticket, 0.5)
        ticket.with_user(self.engineer).user_id = self.engineer
        self.assertEqual(ticket.support_assigned_by_id, self.engineer)
        with self.assertRaisesRegex(
            UserError, "assigning it to yourself does not count"
        ):
            ticket.with_user(self.engineer).action_resolve_as_bug()
        with self.assertRaisesRegex(
            UserError, "assigning it to yourself does not count"
        ):
            ticket.with_user(self.engineer).write({"support_resolution": "bug"})
        with self.assertRaisesRegex(AccessError, "Assigned By"):
            ticket.with_user(self.engineer).write(
                {"support_assigned_by_id": self.manager.id}
            )
        self.assertEqual(self._balance(self.org_a), 70)
        # assigned by the manager, the engineer may
        ticket.with_user(self.manager).user_id = self.engineer
        ticket.with_user(self.engineer).action_resolve_as_bug()
        self.assertEqual(self._balance(self.org_a), 100)

    def test_ticket_binds_only_a_contract_of_its_company(self):
        other = self.env["res.company"].create({"name": "Other Support Co"})
        ticket = self._ticket(company_id=other.id)
        self.assertFalse(
            ticket.support_contract_id, "the deployment's contract is another company's"
        )
        self.assertEqual(self._ticket().support_contract_id, self.contract)


@tagged("post_install", "-at_install")
class TestTimesheetFieldsGuarded(SupportMeteringCase):
    def test_metering_fields_cannot_be_written(self):
        self._grant(self.org_a, 100)
        ticket = self._ticket()
        line = self._log(ticket, 0.5)
        for field, value in [
            ("support_minutes", 0),
            ("support_covered_minutes", 0),
            ("support_uncovered_minutes", 0),
            ("support_sale_line_id", False),
        ]:
            with (
                self.subTest(field=field),
                self.assertRaisesRegex(AccessError, "cannot be written"),
            ):
                line.with_user(self.engineer).write({field: value})
        with self.assertRaisesRegex(AccessError, "cannot be written"):
            self.env["account.analytic.line"].with_user(self.engineer).create(
                {
                    "ticket_id": ticket.id,
                    "unit_amount": 1,
                    "name": "x",
                    "employee_id": self.employee.id,
                    "support_minutes": 60,
                }
            )
        # reducing the line after a forged "already metered" would give credits back
        self.assertEqual(line.support_minutes, 30)
        self.assertEqual(self._balance(self.org_a), 70)

    def test_timesheet_only_employee_cannot_log_on_a_ticket(self):
        self._grant(self.org_a, 100)
        ticket = self._ticket()
        clerk = new_test_user(
            self.env,
            login="timesheet_clerk",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_user",
        )
        employee = self.env["hr.employee"].create(
            {"name": "Clerk", "user_id": clerk.id}
        )
        with self.assertRaises(AccessError):
            self.env["account.analytic.line"].with_user(clerk).create(
                {
                    "ticket_id": ticket.id,
                    "unit_amount": 1,
                    "name": "x",
                    "employee_id": employee.id,
                }
            )
        self.assertEqual(self._balance(self.org_a), 100)

    def test_time_is_logged_in_the_ticket_company(self):
        self._grant(self.org_a, 100)
        ticket = self._ticket()
        other = self.env["res.company"].create({"name": "Other Timesheet Co"})
        project = self.env["project.project"].create(
            {"name": "Elsewhere", "company_id": other.id}
        )
        with self.assertRaisesRegex(UserError, "must be logged in its company"):
            self.env["account.analytic.line"].create(
                {
                    "ticket_id": ticket.id,
                    "unit_amount": 1,
                    "name": "x",
                    "employee_id": self.employee.id,
                    "project_id": project.id,
                    "company_id": other.id,
                }
            )
        self.assertEqual(self._balance(self.org_a), 100)

    def test_moving_a_line_reverses_then_meters_on_the_new_ticket(self):
        self._grant(self.org_a, 100)
        self._grant(self.org_c, 100)
        deployment_c = self.env["support.deployment"].create(
            {"name": "TKT-DEP-C", "partner_id": self.org_c.id}
        )
        self._create_contract(
            deployment_c, self.plan, (date(2020, 1, 1), date(2035, 12, 31))
        )
        ticket_a = self._ticket()
        ticket_c = self._ticket(partner=self.contact_c, deployment=deployment_c)
        line = self._log(ticket_a, 0.5)
        self.assertEqual(self._balance(self.org_a), 70)
        line.with_user(self.engineer).ticket_id = ticket_c
        self.assertEqual(
            self._balance(self.org_a),
            100,
            "the old ticket's organization gets its credits back",
        )
        self.assertEqual(
            self._balance(self.org_c), 70, "the new ticket's organization pays"
        )
        self.assertRecordValues(
            line, [{"support_minutes": 30, "support_covered_minutes": 30}]
        )

    def test_moving_uncovered_time_bills_the_new_organization(self):
        deployment_c = self.env["support.deployment"].create(
            {"name": "TKT-DEP-C2", "partner_id": self.org_c.id}
        )
        ticket_a = self._ticket(deployment=self.deployment_uncovered)
        ticket_c = self._ticket(partner=self.contact_c, deployment=deployment_c)
        line = self._log(ticket_a, 1.0)
        billed_a = line.support_sale_line_id
        self.assertEqual(billed_a.order_id.partner_id, self.org_a)
        line.with_user(self.engineer).ticket_id = ticket_c
        self.assertEqual(billed_a.qty_delivered, 0)
        self.assertEqual(line.support_sale_line_id.order_id.partner_id, self.org_c)
        self.assertEqual(line.support_sale_line_id.qty_delivered, 1.0)

    def test_deleting_after_the_lot_expired_refunds_what_the_line_consumed(self):
        with freeze_time("2026-01-10"):
            old = self._grant(self.org_a, 40, date(2026, 1, 31))
            ticket = self._ticket()
            line = self._log(ticket, 0.5)
            self.assertEqual(old.remaining, 10)
        with freeze_time("2026-03-01"):
            self._run_cron(CRON_CREDIT_EXPIRE)
            line.unlink()
            new_lots = self.Lot.search([("partner_id", "=", self.org_a.id)]) - old
            self.assertRecordValues(
                new_lots,
                [{"quantity": 30, "remaining": 30, "expiry_date": date(2026, 5, 30)}],
            )
            self.assertEqual(old.remaining, 0, "the expired lot stays expired")
            self.assertEqual(self._balance(self.org_a), 30)


@tagged("post_install", "-at_install")
class TestLedgerWrittenThroughItsApi(SupportMeteringCase):
    def test_direct_create_refused_for_everyone(self):
        lot = self._grant(self.org_a, 100)
        before = self.Move.search_count([])
        for user in (self.manager, self.engineer):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self.Move.with_user(user).create(
                        {
                            "lot_id": lot.id,
                            "move_type": "adjust",
                            "quantity": 5000,
                            "reason": "Free credits",
                        }
                    )
                with self.assertRaises(AccessError):
                    self.Lot.with_user(user).create(
                        {
                            "name": "Free",
                            "partner_id": self.org_a.id,
                            "quantity": 5000,
                            "expiry_date": "2035-01-01",
                        }
                    )
        # the superuser account over RPC is no exception: only the API's own code is
        admin = self.env.ref("base.user_admin")
        with self.assertRaisesRegex(AccessError, "written through its own operations"):
            self.Move.with_user(admin).create(
                {
                    "lot_id": lot.id,
                    "move_type": "adjust",
                    "quantity": 5000,
                    "reason": "Free credits",
                }
            )
        self.assertEqual(self.Move.search_count([]), before)
        self.assertEqual(self._balance(self.org_a), 100)

    def test_import_refused(self):
        lot = self._grant(self.org_a, 100)
        result = self.Move.with_user(self.manager).load(
            ["lot_id/.id", "move_type", "quantity", "reason"],
            [[str(lot.id), "adjust", "5000", "Imported"]],
        )
        self.assertFalse(result["ids"])
        self.assertTrue(result["messages"])
        result = self.Lot.with_user(self.env.ref("base.user_admin")).load(
            ["name", "partner_id/.id", "quantity", "expiry_date"],
            [["Imported", str(self.org_a.id), "5000", "2035-01-01"]],
        )
        self.assertFalse(result["ids"])
        self.assertEqual(self._balance(self.org_a), 100)

    def test_ledger_api_refuses_callers_without_rights(self):
        with self.assertRaisesRegex(AccessError, "Only Support Managers"):
            self.Lot.with_user(self.engineer)._grant(
                self.org_a, 10, date(2035, 1, 1), "No"
            )
        lot = self._grant(self.org_a, 100)
        with self.assertRaises(AccessError):
            lot.with_user(self.engineer)._adjust(1000, "No")
        # the manager's Adjust Credits wizard still works
        wizard = (
            self.env["support.credit.adjust.wizard"]
            .with_user(self.manager)
            .create(
                {"lot_id": lot.id, "quantity": -10, "reason": "Goodwill correction"}
            )
        )
        wizard.action_confirm()
        self.assertEqual(self._balance(self.org_a), 90)


@tagged("post_install", "-at_install")
class TestSaleGrantGuarded(SupportSaleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env,
            login="guard_salesman",
            groups="sales_team.group_sale_salesman_all_leads",
        )

    def test_processed_flag_cannot_be_reset(self):
        order = self._create_order([self._contract_line(qty=1)])
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(self._balance(), 120)
        line = order.order_line.with_user(self.salesman)
        for field in ("support_processed", "support_withdrawn", "support_uncovered"):
            with (
                self.subTest(field=field),
                self.assertRaisesRegex(AccessError, "cannot be written"),
            ):
                line.write({field: False if field == "support_processed" else True})
        with self.assertRaisesRegex(AccessError, "cannot be written"):
            self.env["sale.order.line"].with_user(self.salesman).create(
                {
                    "order_id": order.id,
                    "product_id": self.pack_product.id,
                    "support_processed": True,
                }
            )
        order.with_user(self.salesman)._action_cancel()
        order.with_user(self.salesman).action_draft()
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(self._balance(), 120, "cancel and confirm never grants twice")

    @freeze_time("2025-03-01")
    def test_cancel_withdraws_what_is_not_consumed_and_ends_the_terms(self):
        order = self._create_order(
            [
                self._contract_line(qty=1),
                self._pack_line(1),
            ]
        )
        order.action_confirm()
        self.assertEqual(self._balance(), 180)
        self.assertEqual(self.deployment.coverage_end, date(2026, 2, 28))
        pack_lot = self._lots().filtered(lambda lot: not lot.contract_term_id)
        self.env["support.credit.lot"].sudo()._consume(self.org, 20, "Work done")
        order.with_user(self.salesman)._action_cancel()
        self.assertEqual(self._balance(), 0)
        withdrawals = self.env["support.credit.move"].search(
            [("move_type", "=", "adjust")]
        )
        self.assertEqual(sum(withdrawals.mapped("quantity")), -160)
        self.assertEqual(
            set(withdrawals.mapped("reason")), {f"Order {order.name} cancelled"}
        )
        self.assertTrue(order.order_line.support_term_ids.cancelled)
        self.assertFalse(
            self.deployment.coverage_end, "the cancelled order's term no longer covers"
        )
        self.assertIn("already consumed", order.message_ids[0].body)
        self.assertIn("20 already consumed", order.message_ids[0].body)
        for lot in self._lots():
            self.assertEqual(lot.remaining, sum(lot.move_ids.mapped("quantity")))
        # confirming again restores, once
        order.action_draft()
        order.action_confirm()
        self.assertEqual(self._balance(), 160)
        self.assertEqual(
            pack_lot.remaining,
            60,
            "the consumption came from the term's lot, expiring first",
        )
        self.assertEqual(self.deployment.coverage_end, date(2026, 2, 28))
        self.assertEqual(len(self.deployment.contract_ids.term_ids), 1)

    def test_cancel_and_confirm_again_reissues_cancelled_cards(self):
        order = self._create_order([self._pack_line(2, support_credit_choice="card")])
        order.action_confirm()
        card = order.order_line.support_card_ids
        order._action_cancel()
        self.assertEqual(card.state, "cancelled")
        order.action_draft()
        order.action_confirm()
        cards = order.order_line.support_card_ids
        self.assertEqual(len(cards), 2)
        self.assertEqual((cards - card).mapped("credits"), [120])
        self.assertEqual((cards - card).state, "active")


@tagged("post_install", "-at_install")
class TestPortalTicketSubmitIsPost(SupportCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.org = cls._create_organization("Submit Org")
        cls.user = cls._create_portal_user("portal_submit", cls.org)

    def _tickets(self):
        return self.env["helpdesk.ticket"].search([("name", "=", "Drive-by ticket")])

    @mute_logger("odoo.http")
    def test_get_creates_nothing(self):
        self.authenticate("portal_submit", "portal_submit_pw")
        response = self.url_open(
            "/submitted/ticket?subject=Drive-by+ticket&description=x",
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 405)
        self.assertFalse(self._tickets())

    @mute_logger("odoo.http")
    def test_post_without_csrf_refused(self):
        self.authenticate("portal_submit", "portal_submit_pw")
        response = self.url_open(
            "/submitted/ticket",
            data={"subject": "Drive-by ticket", "description": "x"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._tickets())

    def test_post_with_csrf_creates(self):
        self.authenticate("portal_submit", "portal_submit_pw")
        response = self.url_open(
            "/submitted/ticket",
            data={
                "subject": "Drive-by ticket",
                "description": "x",
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )
        self.assertIn(response.status_code, (302, 303))
        self.assertEqual(self._tickets().commercial_partner_id, self.org)

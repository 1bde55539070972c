"""The sales rep's and the engineer's flows in the browser, as users of their
own groups, with what they leave in the database checked afterwards; and
where tickets live (issue 11)."""

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged

from odoo.addons.support_contract.lib import terms

from .common import SupportCase


@tagged("post_install", "-at_install")
class TestSalesRepTour(SupportCase, HttpCase):
    """Two lines of one lapsed deployment, Apply Deployment to All Lines on
    new lines without one, confirm, the contract's expiry."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.today()
        cls.salesman = new_test_user(
            cls.env,
            login="tour_salesman",
            name="Sally Sales",
            groups="sales_team.group_sale_salesman",
            tz="UTC",
        )
        cls.org = cls._create_organization("Lapsed Tour Org")
        cls.contact = cls._create_contact(
            cls.org, "Lena Lapsed", email="lena@example.com"
        )
        cls.plan = cls.env["support.plan"].create(
            {"name": "Tour Plan", "credits_per_term": 120}
        )
        cls.product = cls._create_contract_product(
            "Tour Support Contract, 1 year",
            cls.plan,
            support_credits=120,
            list_price=1000.0,
        )
        cls.deployment = cls.env["support.deployment"].create(
            {"name": "TOUR-LAPSED-1", "partner_id": cls.org.id}
        )
        # the coverage ended 14 months ago (on a 15th: no end-of-month rounding)
        cls.lapsed_on = (cls.today - relativedelta(months=14)).replace(day=15)
        cls.contract = cls.env["support.contract"].create(
            {
                "deployment_id": cls.deployment.id,
                "plan_id": cls.plan.id,
                "date_start": cls.lapsed_on
                - relativedelta(years=1)
                + relativedelta(days=1),
                "date_end": cls.lapsed_on,
            }
        )

    def test_sales_rep_sells_a_lapsed_deployment(self):
        self.assertEqual(self.contract.state, "lapsed")
        catch_up = terms.catch_up_terms(self.lapsed_on, self.today, 12)
        self.assertEqual(catch_up, 2, "14 months lapsed: two terms bring it past today")
        # two terms on the first line, one on the second, each from the previous end
        expected = self.lapsed_on + relativedelta(months=36)
        self.start_tour(
            "/odoo",
            "support_contract_sales_rep_tour",
            login="tour_salesman",
            cookies={"support_tour_expiry": fields.Date.to_string(expected)},
        )
        order = self.env["sale.order"].search([("partner_id", "=", self.contact.id)])
        self.assertEqual(len(order), 1)
        self.assertRecordValues(order, [{"state": "sale", "user_id": self.salesman.id}])
        self.assertEqual(order.order_line.support_deployment_id, self.deployment)
        self.assertEqual(order.order_line.mapped("product_uom_qty"), [2, 1])
        self.contract.invalidate_recordset()
        self.assertRecordValues(
            self.contract, [{"date_end": expected, "state": "active"}]
        )
        self.assertEqual(self.deployment.coverage_end, expected)
        new_terms = self.contract.term_ids.filtered("sale_line_id").sorted("date_start")
        self.assertEqual(
            [(term.date_start, term.date_end) for term in new_terms],
            [
                (
                    self.lapsed_on + relativedelta(days=1),
                    self.lapsed_on + relativedelta(months=12),
                ),
                (
                    self.lapsed_on + relativedelta(months=12, days=1),
                    self.lapsed_on + relativedelta(months=24),
                ),
                (self.lapsed_on + relativedelta(months=24, days=1), expected),
            ],
        )
        # the term wholly in the past grants nothing; the two others their
        # credits, in lots
        self.assertEqual(new_terms.mapped("credits"), [0, 120, 120])
        lots = new_terms.lot_ids
        self.assertEqual(lots.mapped("quantity"), [120, 120])
        self.assertEqual(lots.partner_id, self.org)
        self.assertEqual(lots.mapped("expiry_date"), new_terms[1:].mapped("date_end"))


@tagged("post_install", "-at_install")
class TestEngineerTour(SupportCase, HttpCase):
    """A support engineer logs time on a covered ticket, sees the balance
    fall, resolves the ticket as a bug and sees the credits back."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.today()
        cls.engineer = new_test_user(
            cls.env,
            login="tour_engineer",
            name="Eddie Engineer",
            tz="UTC",
            groups="base.group_user,helpdesk_mgmt.group_helpdesk_user,"
            "support_contract.group_support_user,"
            "hr_timesheet.group_hr_timesheet_user",
        )
        cls.env["hr.employee"].create(
            {"name": "Eddie Engineer", "user_id": cls.engineer.id}
        )
        cls.org = cls._create_organization("Covered Tour Org")
        cls.contact = cls._create_contact(
            cls.org, "Cora Covered", email="cora@example.com"
        )
        cls.plan = cls.env["support.plan"].create(
            {"name": "Tour Minutes Plan", "rounding_minutes": 1}
        )
        cls.deployment = cls.env["support.deployment"].create(
            {"name": "TOUR-COVERED-1", "partner_id": cls.org.id}
        )
        cls.env["support.contract"].create(
            {
                "deployment_id": cls.deployment.id,
                "plan_id": cls.plan.id,
                "date_start": today - relativedelta(months=2),
                "date_end": today + relativedelta(months=10),
            }
        )
        cls.lot = cls.env["support.credit.lot"]._grant(
            cls.org,
            200,
            today + relativedelta(months=10),
            "Tour credits",
        )
        # assigned by someone else: the engineer may resolve it as a bug
        cls.ticket = cls.env["helpdesk.ticket"].create(
            {
                "name": "Switch reboots every night",
                "description": "<p>Every night at 3:00.</p>",
                "partner_id": cls.contact.id,
                "support_deployment_id": cls.deployment.id,
                "user_id": cls.engineer.id,
            }
        )

    def test_engineer_logs_time_and_resolves_as_bug(self):
        self.assertTrue(self.ticket.support_contract_id, "a covered ticket")
        self.start_tour(
            "/odoo", "support_contract_engineer_tour", login="tour_engineer"
        )
        self.assertFalse(
            self.env["helpdesk.ticket"].search([("create_uid", "=", self.engineer.id)]),
            "the new ticket was discarded, not saved",
        )
        line = self.ticket.support_timesheet_ids
        self.assertEqual(len(line), 1)
        self.assertRecordValues(
            line,
            [
                {
                    "unit_amount": 0.75,
                    "support_minutes": 45,
                    "support_covered_minutes": 45,
                    "support_uncovered_minutes": 0,
                    "user_id": self.engineer.id,
                }
            ],
        )
        self.assertEqual(self.ticket.support_resolution, "bug")
        moves = self.env["support.credit.move"].search(
            [("ticket_id", "=", self.ticket.id)], order="id"
        )
        self.assertEqual(
            [(move.move_type, move.quantity, move.lot_id) for move in moves],
            [("consume", -45, self.lot), ("refund", 45, self.lot)],
        )
        self.assertEqual(moves[1].refund_of_id, moves[0])
        self.assertEqual(moves[0].timesheet_id, line)
        self.lot.invalidate_recordset()
        self.assertEqual(self.lot.remaining, 200)
        self.assertEqual(self._balance(), 200)
        self.assertTrue(
            self.ticket.stage_id.closed, "the ticket moved to a closing stage"
        )


@tagged("post_install", "-at_install")
class TestTicketHome(TransactionCase):
    """Tickets live in the Helpdesk app: the Support app has no ticket menu of
    its own, and Helpdesk's views carry the support fields and filters (the
    new ticket's breadcrumb is checked in the browser by the engineer's tour)."""

    def test_one_home_for_tickets(self):
        Menu = self.env["ir.ui.menu"]
        support_root = self.env.ref("support_contract.support_menu_root")
        support_menus = Menu.search([("id", "child_of", support_root.id)])
        ticket_actions = [
            menu.action
            for menu in support_menus
            if menu.action
            and menu.action._name == "ir.actions.act_window"
            and menu.action.res_model == "helpdesk.ticket"
        ]
        self.assertFalse(ticket_actions, "no ticket menu in the Support app")
        self.assertFalse(
            self.env.ref(
                "support_contract.menu_support_tickets", raise_if_not_found=False
            )
        )
        breached = self.env.ref("support_contract.helpdesk_ticket_menu_sla_breached")
        self.assertEqual(
            breached.parent_id, self.env.ref("helpdesk_mgmt.helpdesk_ticket_menu")
        )
        helpdesk_root = self.env.ref("helpdesk_mgmt.helpdesk_ticket_main_menu")
        self.assertIn(breached, Menu.search([("id", "child_of", helpdesk_root.id)]))

    def test_helpdesk_views_show_the_support_fields(self):
        engineer = new_test_user(
            self.env,
            login="home_engineer",
            groups="base.group_user,helpdesk_mgmt.group_helpdesk_user,"
            "support_contract.group_support_user,"
            "hr_timesheet.group_hr_timesheet_user",
        )
        action = self.env.ref("helpdesk_mgmt.helpdesk_ticket_action")
        views = (
            self.env["helpdesk.ticket"]
            .with_user(engineer)
            .get_views(
                [
                    (False, "list"),
                    (False, "kanban"),
                    (False, "form"),
                    (False, "search"),
                ],
                {"action_id": action.id},
            )["views"]
        )
        self.assertIn('name="support_deployment_id"', views["list"]["arch"])
        self.assertIn('name="sla_deadline"', views["kanban"]["arch"])
        for field in (
            "support_deployment_id",
            "support_balance",
            "support_timesheet_ids",
            "action_resolve_as_bug",
        ):
            self.assertIn(f'name="{field}"', views["form"]["arch"])
        for name in ("sla_breached", "resolution_bug", "group_support_deployment"):
            self.assertIn(f'name="{name}"', views["search"]["arch"])

    def test_quick_create_asks_for_the_subject(self):
        """The kanban's quick create and a many2one's "Create" give the ticket
        a subject and a number (never the typed text as its number)."""
        kanban = self.env["helpdesk.ticket"].get_views([(False, "kanban")])["views"][
            "kanban"
        ]["arch"]
        self.assertIn(
            'quick_create_view="support_contract.helpdesk_ticket_view_form_quick_create"',
            kanban,
        )
        ticket_id, display_name = self.env["helpdesk.ticket"].name_create("Printer jam")
        ticket = self.env["helpdesk.ticket"].browse(ticket_id)
        self.assertEqual(ticket.name, "Printer jam")
        self.assertIn("Printer jam", str(ticket.description))
        self.assertNotIn(ticket.number, ("/", "Printer jam"))
        self.assertEqual(display_name, f"{ticket.number} - Printer jam")

"""The engineer's ticket, as a new support engineer tries it (issue 11)."""

from odoo.tests import tagged

from .common import SupportMeteringCase


@tagged("post_install", "-at_install")
class TestEngineerTicket(SupportMeteringCase):
    def test_balance_and_coverage_before_logging_time(self):
        self._grant(self.org_a, 100)
        ticket = self._ticket()
        self.assertRecordValues(
            ticket, [{"support_balance": 100, "support_expiring": 0}]
        )
        self._log(ticket, 0.5)
        ticket.invalidate_recordset(["support_balance"])
        self.assertEqual(ticket.support_balance, 70)

    def test_uncovered_time_names_the_order_that_bills_it(self):
        ticket = self._ticket(deployment=self.deployment_uncovered)
        line = self._log(ticket, 1.0)
        ticket.invalidate_recordset(
            ["support_uncovered_order_id", "support_uncovered_minutes"]
        )
        self.assertEqual(ticket.support_uncovered_minutes, 60)
        self.assertEqual(
            ticket.support_uncovered_order_id, line.support_sale_line_id.order_id
        )

    def test_credits_used_opens_the_tickets_moves(self):
        self._grant(self.org_a, 100)
        ticket = self._ticket()
        self._log(ticket, 0.5)
        action = ticket.with_user(self.engineer).action_view_support_moves()
        moves = self.env["support.credit.move"].search(action["domain"])
        self.assertEqual(moves.mapped("quantity"), [-30])

    def test_resolve_as_bug_tells_staff_and_customer(self):
        self._grant(self.org_a, 100)
        ticket = self._ticket()
        self._log(ticket, 0.5)
        line = ticket.support_timesheet_ids
        ticket.with_user(self.manager).action_resolve_as_bug()
        self.assertEqual(self._balance(self.org_a), 100)
        line.invalidate_recordset(["support_refunded_minutes"])
        self.assertEqual(
            line.support_refunded_minutes,
            30,
            "the timesheet line shows what was refunded",
        )
        bodies = [str(message.body) for message in ticket.message_ids]
        self.assertTrue(
            any(
                "30 credits (or incident points) went back to Alpha Org" in body
                for body in bodies
            )
        )
        customer_message = ticket.message_ids.filtered(
            lambda m: "escalated to our R&amp;D team" in str(m.body)
            or "escalated to our R&D team" in str(m.body)
        )
        self.assertEqual(customer_message.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn(self.contact_a, customer_message.partner_ids)

    def test_new_ticket_is_named_new_ticket(self):
        self.assertEqual(self.Ticket.new({}).display_name, "New Ticket")
        self.assertEqual(
            self.Ticket.new({"name": "Printer jam"}).display_name, "Printer jam"
        )
        self.assertIn(
            " - Printer on fire",
            self._ticket().display_name,
            "a saved ticket keeps its number",
        )

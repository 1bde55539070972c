import ast
from datetime import datetime

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import SupportTicketCase


@tagged("post_install", "-at_install")
class TestTicketSupportFields(SupportTicketCase):
    def test_contract_plan_and_paying_partner(self):
        ticket = self._ticket()
        self.assertRecordValues(
            ticket,
            [
                {
                    "support_contract_id": self.contract.id,
                    "support_plan_id": self.plan.id,
                    "support_paying_partner_id": self.org_a.id,
                    "support_metering": "minutes",
                    "support_rounding_minutes": 1,
                }
            ],
        )
        self.assertEqual(
            ticket.support_sla_targets, {"1": [4.0, False], "3": [2.0, True]}
        )

    def test_coowner_pays_with_its_own_credits(self):
        ticket = self._ticket(partner=self.contact_b)
        self.assertEqual(ticket.support_paying_partner_id, self.org_b)
        self.assertEqual(ticket.support_contract_id, self.contract)

    def test_deployment_of_another_organization_refused(self):
        with self.assertRaises(ValidationError) as error:
            self._ticket(partner=self.contact_c)
        self.assertIn("TKT-DEP-1", str(error.exception))
        ticket = self._ticket(
            partner=self.contact_c, deployment=self.env["support.deployment"]
        )
        with self.assertRaises(ValidationError):
            ticket.support_deployment_id = self.deployment

    def test_uncovered_deployment_has_no_contract(self):
        ticket = self._ticket(deployment=self.deployment_uncovered)
        self.assertRecordValues(
            ticket,
            [
                {
                    "support_contract_id": False,
                    "support_plan_id": False,
                    "sla_deadline": False,
                    "sla_state": False,
                }
            ],
        )

    @freeze_time("2026-11-20 16:00:00")
    def test_plan_copy_unchanged_after_plan_edit_and_contract_end(self):
        ticket = self._ticket()
        self.assertEqual(ticket.sla_deadline, datetime(2026, 11, 23, 12, 0))
        # the plan changes: targets, calendar, metering
        self.plan.sla_line_ids.filtered(
            lambda line: line.priority == "1"
        ).response_hours = 16
        self.plan.sla_line_ids.filtered(
            lambda line: line.priority == "3"
        ).round_the_clock = False
        self.plan.write(
            {
                "rounding_minutes": 15,
                "metering": "incident",
                "resource_calendar_id": False,
            }
        )
        # and the contract ends
        self.contract.action_cancel()
        self.env.flush_all()
        ticket.invalidate_recordset()
        self.assertRecordValues(
            ticket,
            [
                {
                    "support_contract_id": self.contract.id,
                    "support_plan_id": self.plan.id,
                    "support_rounding_minutes": 1,
                    "support_metering": "minutes",
                    "support_calendar_id": self.calendar.id,
                    "sla_deadline": datetime(2026, 11, 23, 12, 0),
                }
            ],
        )
        # a priority change uses the copied targets, not the edited plan
        ticket.priority = "3"
        self.assertEqual(ticket.sla_deadline, datetime(2026, 11, 20, 18, 0))


@tagged("post_install", "-at_install")
class TestTicketSla(SupportTicketCase):
    def test_friday_afternoon_deadline_monday_noon(self):
        """Friday 16:00 + 4 working hours on Mon-Fri 9-17 is Monday 12:00."""
        with freeze_time("2026-11-20 16:00:00"):
            ticket = self._ticket(priority="1")
            self.assertEqual(ticket.sla_deadline, datetime(2026, 11, 23, 12, 0))
            self.assertEqual(ticket.sla_state, "on_time")
        # the last 20% of the 68-hour window starts 13.6 hours before the deadline
        self.assertEqual(ticket.sla_at_risk_date, datetime(2026, 11, 22, 22, 24))
        with freeze_time("2026-11-23 11:00:00"):
            ticket.invalidate_recordset(["sla_state"])
            self.assertEqual(ticket.sla_state, "at_risk")
            self.assertIn(ticket, self.Ticket.search([("sla_state", "=", "at_risk")]))
            self.assertNotIn(
                ticket,
                self.Ticket.search([("sla_state", "in", ["breached", "on_time"])]),
            )
        with freeze_time("2026-11-23 12:01:00"):
            ticket.invalidate_recordset(["sla_state"])
            self.assertEqual(ticket.sla_state, "breached")
            self.assertIn(ticket, self.Ticket.search([("sla_state", "=", "breached")]))
            action = self.env.ref(
                "support_contract.helpdesk_ticket_action_sla_breached"
            )
            self.assertIn(ticket, self.Ticket.search(ast.literal_eval(action.domain)))

    @freeze_time("2026-11-20 16:00:00")
    def test_public_holiday_skipped(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 11, 23, 0, 0),
                "date_to": datetime(2026, 11, 23, 23, 59, 59),
            }
        )
        ticket = self._ticket(priority="1")
        self.assertEqual(ticket.sla_deadline, datetime(2026, 11, 24, 12, 0))

    def test_customer_time_zone_ahead_of_utc(self):
        """Tokyo customer: Friday 16:00 local (07:00 UTC) + 4h is Monday 12:00 local."""
        self.contact_a.tz = "Asia/Tokyo"
        with freeze_time("2026-11-20 07:00:00"):
            ticket = self._ticket(priority="1")
        self.assertEqual(ticket.sla_deadline, datetime(2026, 11, 23, 3, 0))

    @freeze_time("2026-11-20 16:00:00")
    def test_round_the_clock_blocker(self):
        ticket = self._ticket(priority="3")
        self.assertEqual(ticket.sla_deadline, datetime(2026, 11, 20, 18, 0))
        # a priority without target has no deadline
        ticket.priority = "0"
        self.assertFalse(ticket.sla_deadline)
        self.assertFalse(ticket.sla_state)

    def test_first_response_from_staff_to_customer(self):
        with freeze_time("2026-11-20 16:00:00"):
            ticket = self._ticket(priority="1")
        with freeze_time("2026-11-23 10:00:00"):
            # an internal note, and a message from the customer, are no response
            ticket.with_user(self.engineer).message_post(
                body="internal", message_type="comment", subtype_xmlid="mail.mt_note"
            )
            ticket.message_post(
                body="any news?",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=self.contact_a.id,
            )
            self.assertFalse(ticket.sla_first_response_date)
            ticket.with_user(self.engineer).message_post(
                body="We are on it.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            self.assertEqual(
                ticket.sla_first_response_date, datetime(2026, 11, 23, 10, 0)
            )
        with freeze_time("2026-11-23 13:00:00"):
            ticket.with_user(self.engineer).message_post(
                body="Still on it.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            self.assertEqual(
                ticket.sla_first_response_date, datetime(2026, 11, 23, 10, 0)
            )
            ticket.invalidate_recordset(["sla_state"])
            self.assertEqual(ticket.sla_state, "on_time")
            self.assertIn(ticket, self.Ticket.search([("sla_state", "=", "on_time")]))

    def test_late_first_response_is_breached(self):
        with freeze_time("2026-11-20 16:00:00"):
            ticket = self._ticket(priority="1")
        with freeze_time("2026-11-23 14:00:00"):
            ticket.with_user(self.engineer).message_post(
                body="Sorry for the delay.",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertTrue(ticket.sla_response_late)
        self.assertEqual(ticket.sla_state, "breached")
        self.assertIn(ticket, self.Ticket.search([("sla_state", "=", "breached")]))

# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import HttpCase, tagged

from .common import SuiteCrmPlanCase


@tagged("post_install", "-at_install")
class TestPlanSeverityData(SuiteCrmPlanCase):
    def test_both_sets_of_written_levels_ship(self):
        levels = self.env["helpdesk.ticket"]._support_priority_levels(self.plan)
        self.assertEqual(
            [(key, name) for key, name, _definition in levels],
            [
                ("3", "Severity 1"),
                ("2", "Severity 2"),
                ("1", "Severity 3"),
                ("0", "Severity 4"),
            ],
        )
        self.assertIn("mission-critical", levels[0][2])
        self.assertIn("cosmetic", levels[3][2])
        premium = self.env.ref("support_contract.support_plan_premium")
        self.assertEqual(
            [
                (key, name)
                for key, name, _definition in self.env[
                    "helpdesk.ticket"
                ]._support_priority_levels(premium)
            ],
            [("3", "Blocker"), ("2", "High"), ("1", "Medium"), ("0", "Low")],
        )
        # the levels are the plan's own records, which users translate and edit
        self.assertEqual(
            premium.sla_line_ids.filtered(lambda line: line.priority == "2").name,
            "High",
        )

    def test_london_calendar_and_its_bank_holidays(self):
        calendar = self.env.ref("support_contract.resource_calendar_london")
        self.assertEqual(self.plan.resource_calendar_id, calendar)
        self.assertEqual(calendar.tz, "Europe/London")
        holidays = self.env["resource.calendar.leaves"].search(
            [("calendar_id", "=", calendar.id)]
        )
        self.assertEqual(len(holidays), 10)
        # in British Summer Time a London day starts at 23:00 UTC the day before
        easter_monday = holidays.filtered(lambda leave: leave.name == "Easter Monday")
        self.assertEqual(easter_monday.date_from, datetime(2027, 3, 28, 23, 0))

    @freeze_time("2027-12-24 16:00:00")
    def test_severity_2_skips_the_christmas_bank_holidays(self):
        """Friday 16:00 in London (GMT) + 8 business hours: 1.5 h on Friday,
        then Monday 27 and Tuesday 28 December are bank holidays: Wednesday
        15:30."""
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "Reports slow",
                "description": "x",
                "partner_id": self.contact.id,
                "support_deployment_id": self.deployment.id,
                "priority": "2",
            }
        )
        self.assertEqual(ticket.support_plan_id, self.plan)
        self.assertEqual(ticket.sla_deadline, datetime(2027, 12, 29, 15, 30))

    @freeze_time("2027-08-27 15:00:00")
    def test_severity_2_in_summer_time_skips_the_august_bank_holiday(self):
        """Friday 16:00 in London is 15:00 UTC (BST); Monday 30 August is a
        bank holiday: Tuesday 15:30 London, 14:30 UTC."""
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "Sync broken",
                "description": "x",
                "partner_id": self.contact.id,
                "support_deployment_id": self.deployment.id,
                "priority": "2",
            }
        )
        self.assertEqual(ticket.sla_deadline, datetime(2027, 8, 31, 14, 30))

    @freeze_time("2027-12-24 16:00:00")
    def test_severity_1_runs_round_the_clock(self):
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "Production down",
                "description": "x",
                "partner_id": self.contact.id,
                "support_deployment_id": self.deployment.id,
                "priority": "3",
            }
        )
        self.assertEqual(ticket.sla_deadline, datetime(2027, 12, 24, 20, 0))


@tagged("post_install", "-at_install")
class TestPortalSeverityForm(SuiteCrmPlanCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = cls._create_portal_user("portal_suitecrm", partner_id=cls.contact.id)

    def test_new_ticket_form_shows_the_plans_severity_definitions(self):
        self.authenticate("portal_suitecrm", "portal_suitecrm_pw")
        page = self.url_open("/new/ticket")
        self.assertEqual(page.status_code, 200)
        for text in ("Severity 1", "Severity 4", "mission-critical", "cosmetic issues"):
            self.assertIn(text, page.text)
        self.assertNotIn("Blocker", page.text)

    def test_several_plans_fall_back_to_the_standard_wording(self):
        other = self.env["support.deployment"].create(
            {"name": "Hispano PBX", "partner_id": self.org.id}
        )
        self._create_contract(
            other,
            self.env.ref("support_contract.support_plan_premium"),
            (date(2026, 1, 1), date(2030, 12, 31)),
        )
        self.authenticate("portal_suitecrm", "portal_suitecrm_pw")
        page = self.url_open("/new/ticket")
        self.assertIn("Blocker", page.text)
        self.assertNotIn("Severity 1", page.text)

import logging
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import SupportMeteringCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestMeteringPerformance(SupportMeteringCase):
    """Logging time on a covered ticket costs about what a timesheet line on a
    plain project task costs, however many lots the organization holds
    (``benchmarks/bench_metering.py`` measures the time as well)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project = cls.env["project.project"].create(
            {
                "name": "Plain Project",
                "allow_timesheets": True,
                "privacy_visibility": "employees",
            }
        )
        cls.task = cls.env["project.task"].create(
            {"name": "Plain Task", "project_id": cls.project.id}
        )
        today = fields.Date.context_today(cls.env.user)

        def lots(partner, count):
            # plenty of credits, none expiring within 30 days: no notice to send
            return [
                {
                    "partner_id": partner.id,
                    "quantity": 1_000,
                    "expiry_date": today + timedelta(days=60 + i % 600),
                    "reason": "Performance",
                }
                for i in range(count)
            ]

        cls.Lot._grant_many(lots(cls.org_a, 2) + lots(cls.org_b, 2_000))
        # the covered deployment's owner pays with its 2 lots, its co-owner
        # with its 2,000
        cls.ticket_2 = cls._ticket()
        cls.ticket_2000 = cls._ticket(partner=cls.contact_b)

    def _line_queries(self, values, cold):
        """The queries of one line logged by the engineer, flushed; ``cold``:
        with empty caches, as a new request finds them."""
        self.env.flush_all()
        if cold:
            self.env.invalidate_all()
        start = self.cr.sql_log_count
        self.env["account.analytic.line"].with_user(self.engineer).create(
            {
                **values,
                "name": "Work",
                "unit_amount": 0.25,
                "employee_id": self.employee.id,
            }
        )
        self.env.flush_all()
        return self.cr.sql_log_count - start

    def test_a_covered_line_costs_about_a_plain_timesheet_line(self):
        cases = {
            "plain": {"project_id": self.project.id, "task_id": self.task.id},
            "2 lots": {"ticket_id": self.ticket_2.id},
            "2,000 lots": {"ticket_id": self.ticket_2000.id},
        }
        for cold in (False, True):
            with self.subTest(cold=cold):
                for _round in range(3):  # the first lines fill the caches
                    counts = {
                        case: self._line_queries(values, cold)
                        for case, values in cases.items()
                    }
                _logger.info(
                    "queries per line (%s): %s",
                    "empty caches" if cold else "one after another",
                    counts,
                )
                self.assertEqual(counts["2 lots"], counts["2,000 lots"], counts)
                self.assertLessEqual(
                    counts["2,000 lots"], 1.5 * counts["plain"], counts
                )
        # the lines were covered, each by the first-expiring lot of its organization
        for ticket, partner in (
            (self.ticket_2, self.org_a),
            (self.ticket_2000, self.org_b),
        ):
            lines = ticket.support_timesheet_ids
            self.assertEqual(lines.mapped("support_covered_minutes"), [15] * 6)
            first = self.Lot.search(
                [("partner_id", "=", partner.id)], order="expiry_date, id", limit=1
            )
            self.assertEqual(
                self.Move.search([("timesheet_id", "in", lines.ids)]).lot_id, first
            )
            self.assertEqual(first.remaining, 1_000 - 6 * 15)

import logging
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import SupportMeteringCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestTicketMetering(SupportMeteringCase):
    def test_minute_for_minute_with_rounding(self):
        self._grant(self.org_a, 500)
        ticket = self._ticket()
        line = self._log(ticket, 0.5)
        self.assertRecordValues(
            line,
            [
                {
                    "support_minutes": 30,
                    "support_covered_minutes": 30,
                    "support_uncovered_minutes": 0,
                }
            ],
        )
        self.assertEqual(self._balance(self.org_a), 470)
        move = self.Move.search([("timesheet_id", "=", line.id)])
        self.assertRecordValues(
            move, [{"move_type": "consume", "quantity": -30, "ticket_id": ticket.id}]
        )
        # a plan rounding up to 15 minutes, copied on the tickets opened after
        self.plan.rounding_minutes = 15
        rounded_ticket = self._ticket()
        line = self._log(rounded_ticket, 0.6)  # 36 minutes -> 45
        self.assertEqual(line.support_minutes, 45)
        self.assertEqual(self._balance(self.org_a), 425)
        line = self._log(rounded_ticket, 0.25)  # 15 minutes: already a multiple
        self.assertEqual(line.support_minutes, 15)
        # the first ticket keeps its plan's rounding of 1 minute
        self.assertEqual(self._log(ticket, 1 / 60 * 7).support_minutes, 7)
        self.assertEqual(self._balance(self.org_a), 500 - 30 - 45 - 15 - 7)
        self.assertEqual(ticket.support_credits_consumed, 37)

    def test_fifo_across_lots(self):
        late = self._grant(self.org_a, 100, date(2035, 12, 31))
        soon = self._grant(self.org_a, 30, date(2034, 1, 31))
        ticket = self._ticket()
        line = self._log(ticket, 50 / 60)
        self.assertRecordValues(soon | late, [{"remaining": 0}, {"remaining": 80}])
        moves = self.Move.search([("timesheet_id", "=", line.id)], order="quantity")
        self.assertRecordValues(
            moves,
            [
                {"lot_id": soon.id, "quantity": -30},
                {"lot_id": late.id, "quantity": -20},
            ],
        )

    def test_partial_coverage_bills_uncovered_time(self):
        self._grant(self.org_a, 30)
        ticket = self._ticket()
        line = self._log(ticket, 1.5)
        self.assertRecordValues(
            line,
            [
                {
                    "support_minutes": 90,
                    "support_covered_minutes": 30,
                    "support_uncovered_minutes": 60,
                }
            ],
        )
        self.assertEqual(self._balance(self.org_a), 0)
        sale_line = self._uncovered_line(self.org_a)
        self.assertEqual(len(sale_line), 1)
        self.assertRecordValues(
            sale_line,
            [
                {
                    "product_id": self.hourly_product.id,
                    "qty_delivered": 1.0,
                    "support_uncovered": True,
                }
            ],
        )
        self.assertEqual(sale_line.order_id.state, "sale")
        self.assertEqual(line.support_sale_line_id, sale_line)
        # more uncovered time of the organization: the same open order and line
        other_ticket = self._ticket()
        self._log(other_ticket, 0.5)
        self.assertEqual(self._uncovered_line(self.org_a), sale_line)
        self.assertEqual(sale_line.qty_delivered, 1.5)
        self.assertEqual(ticket.support_uncovered_minutes, 60)

    def test_uncovered_deployment_bills_everything(self):
        self._grant(self.org_a, 500)
        ticket = self._ticket(deployment=self.deployment_uncovered)
        line = self._log(ticket, 0.75)
        self.assertRecordValues(
            line, [{"support_covered_minutes": 0, "support_uncovered_minutes": 45}]
        )
        self.assertEqual(self._balance(self.org_a), 500)
        self.assertEqual(self._uncovered_line(self.org_a).qty_delivered, 0.75)

    def test_edit_and_delete_post_the_difference(self):
        self._grant(self.org_a, 100)
        ticket = self._ticket()
        line = self._log(ticket, 0.5)
        self.assertEqual(self._balance(self.org_a), 70)
        line.with_user(self.engineer).unit_amount = 1.0
        self.assertEqual(self._balance(self.org_a), 40)
        self.assertEqual(line.support_covered_minutes, 60)
        line.with_user(self.engineer).unit_amount = 20 / 60
        self.assertEqual(self._balance(self.org_a), 80)
        # the last consumption is refunded whole, the first one refunded and 20 kept
        line_moves = self.Move.search([("timesheet_id", "=", line.id)], order="id")
        self.assertEqual(line_moves.mapped("quantity"), [-30, -30, 30, 30, -20])
        self.assertEqual(sum(line_moves.mapped("quantity")), -20)
        self.assertRecordValues(
            line, [{"support_minutes": 20, "support_covered_minutes": 20}]
        )
        ticket.invalidate_recordset(["support_credits_consumed"])
        self.assertEqual(ticket.support_credits_consumed, 20)
        line.with_user(self.engineer).unlink()
        self.assertEqual(self._balance(self.org_a), 100)
        ticket.invalidate_recordset(["support_credits_consumed"])
        self.assertEqual(ticket.support_credits_consumed, 0)
        # the ledger keeps every move: nothing was edited or deleted
        lot_moves = self.Move.search([("partner_id", "=", self.org_a.id)])
        self.assertEqual(sum(lot_moves.mapped("quantity")), 100)

    def test_edit_reduces_uncovered_time_first(self):
        self._grant(self.org_a, 30)
        ticket = self._ticket()
        line = self._log(ticket, 1.0)
        sale_line = line.support_sale_line_id
        self.assertEqual(sale_line.qty_delivered, 0.5)
        line.unit_amount = 40 / 60
        self.assertRecordValues(
            line, [{"support_covered_minutes": 30, "support_uncovered_minutes": 10}]
        )
        self.assertAlmostEqual(sale_line.qty_delivered, 10 / 60, places=2)
        self.assertEqual(self._balance(self.org_a), 0)
        line.unlink()
        self.assertEqual(sale_line.qty_delivered, 0)
        self.assertEqual(self._balance(self.org_a), 30)

    def test_coowner_pays_with_its_own_credits(self):
        self._grant(self.org_a, 100)
        self._grant(self.org_b, 100)
        ticket = self._ticket(partner=self.contact_b)
        self._log(ticket, 0.5)
        self.assertEqual(self._balance(self.org_b), 70)
        self.assertEqual(self._balance(self.org_a), 100)

    def test_low_balance_one_notice(self):
        self.env.company.support_low_balance_threshold = 60
        self._grant(self.org_a, 100)
        ticket = self._ticket()
        self._log(ticket, 0.5)
        self.assertEqual(len(self._low_balance_notices(self.org_a)), 0)
        self._log(ticket, 0.25)
        self._log(ticket, 0.25)
        self._log(ticket, 0.1)
        self.assertEqual(len(self._low_balance_notices(self.org_a)), 1)
        message = self._low_balance_notices(self.org_a)
        self.assertIn(self.contact_a, message.partner_ids)


@tagged("post_install", "-at_install")
class TestTicketBugRefund(SupportMeteringCase):
    def test_refund_to_live_lots_once(self):
        lot = self._grant(self.org_a, 100)
        ticket = self._ticket(user_id=self.engineer.id)
        self._log(ticket, 0.5)
        self._log(ticket, 0.25)
        self.assertEqual(lot.remaining, 55)
        ticket.with_user(self.engineer).action_resolve_as_bug()
        self.assertEqual(ticket.support_resolution, "bug")
        self.assertEqual(lot.remaining, 100)
        ticket.invalidate_recordset(["support_credits_consumed"])
        self.assertEqual(ticket.support_credits_consumed, 0)
        # twice: refunded once
        ticket.with_user(self.engineer).action_resolve_as_bug()
        self.assertEqual(lot.remaining, 100)
        self.assertEqual(self._balance(self.org_a), 100)

    def test_line_moved_off_a_bug_ticket(self):
        """A line whose credits the bug resolution gave back, moved to another
        ticket, is metered there: the organization pays its time once, and
        the line's consumptions less their refunds (the bug's included) are
        what it covers."""
        lot = self._grant(self.org_a, 100)
        bug_ticket = self._ticket(user_id=self.engineer.id)
        other = self._ticket()
        line = self._log(bug_ticket, 1 / 60)
        bug_ticket.with_user(self.engineer).action_resolve_as_bug()
        self.assertEqual(lot.remaining, 100)
        self.assertEqual(line.support_refunded_minutes, 1)
        line.with_user(self.engineer).ticket_id = other
        self.assertEqual(line.support_covered_minutes, 1)
        moves = self.Move.search(
            [
                "|",
                ("timesheet_id", "=", line.id),
                ("refund_of_id.timesheet_id", "=", line.id),
            ]
        )
        self.assertEqual(sorted(moves.mapped("quantity")), [-1, -1, 1])
        self.assertEqual(-sum(moves.mapped("quantity")), line.support_covered_minutes)
        self.assertEqual(lot.remaining, 99)
        self.assertEqual(self._balance(self.org_a), 99)

    def test_refund_of_an_expired_lot_is_a_new_lot(self):
        self.env.company.support_refund_validity_days = 45
        with freeze_time("2026-01-10"):
            old = self._grant(self.org_a, 40, date(2026, 1, 31))
            new = self._grant(self.org_a, 100, date(2026, 12, 31))
            ticket = self._ticket()
            self._log(ticket, 1.0)  # 40 from the old lot, 20 from the new one
            self.assertRecordValues(old | new, [{"remaining": 0}, {"remaining": 80}])
        with freeze_time("2026-03-01"):
            ticket.with_user(self.manager).action_resolve_as_bug()
            self.assertEqual(new.remaining, 100)
            self.assertEqual(old.remaining, 0)
            extra = self.Lot.search([("partner_id", "=", self.org_a.id)]) - old - new
            self.assertRecordValues(
                extra,
                [{"quantity": 40, "remaining": 40, "expiry_date": date(2026, 4, 15)}],
            )
            self.assertEqual(self._balance(self.org_a), 140)

    def test_only_manager_or_assigned_engineer(self):
        ticket = self._ticket(user_id=self.manager.id)
        with self.assertRaises(UserError):
            ticket.with_user(self.engineer).action_resolve_as_bug()
        with self.assertRaises(UserError):
            ticket.with_user(self.engineer).support_resolution = "bug"
        self.assertFalse(ticket.support_resolution)

    def test_resolution_field_refunds_too(self):
        lot = self._grant(self.org_a, 100)
        ticket = self._ticket(user_id=self.engineer.id)
        self._log(ticket, 0.5)
        ticket.with_user(self.engineer).support_resolution = "bug"
        self.assertEqual(lot.remaining, 100)
        # time logged on a bug ticket consumes nothing
        self._log(ticket, 0.5)
        self.assertEqual(lot.remaining, 100)


@tagged("post_install", "-at_install")
class TestTicketIncidentPoints(SupportMeteringCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan.write({"metering": "incident", "incident_points": 10})
        cls.closed_stage = cls.env["helpdesk.ticket.stage"].create(
            {"name": "Done (test)", "closed": True, "sequence": 80}
        )
        cls.open_stage = cls.env["helpdesk.ticket.stage"].create(
            {"name": "Open (test)", "sequence": 1}
        )

    def test_charge_on_opening(self):
        self._grant(self.org_a, 25)
        ticket = self._ticket()
        self.assertEqual(self._balance(self.org_a), 15)
        self.assertEqual(ticket.support_credits_consumed, 10)
        # time logged under a per-incident plan consumes nothing more
        self._log(ticket, 2.0)
        self.assertEqual(self._balance(self.org_a), 15)

    def test_refused_with_missing_points(self):
        self._grant(self.org_a, 4)
        with self.assertRaises(UserError) as error:
            self._ticket()
        self.assertIn("6 points are missing", str(error.exception))
        self.assertEqual(self._balance(self.org_a), 4)
        self.assertFalse(self.Ticket.search([("partner_id", "=", self.contact_a.id)]))

    def test_bug_resolution_credits_points_back(self):
        self._grant(self.org_a, 25)
        ticket = self._ticket()
        ticket.with_user(self.manager).action_resolve_as_bug()
        self.assertEqual(self._balance(self.org_a), 25)

    def test_reopen_inside_and_outside_90_days(self):
        self._grant(self.org_a, 25)
        with freeze_time("2026-01-05 10:00:00"):
            ticket = self._ticket(stage_id=self.open_stage.id)
            ticket.stage_id = self.closed_stage
        with freeze_time("2026-03-30 10:00:00"):  # 84 days later: free
            ticket.stage_id = self.open_stage
            self.assertEqual(self._balance(self.org_a), 15)
            ticket.stage_id = self.closed_stage
        with freeze_time("2026-07-01 10:00:00"):  # 93 days after the last closing
            with self.assertRaises(UserError) as error:
                ticket.stage_id = self.open_stage
            self.assertIn("open a new ticket", str(error.exception))
        self.assertEqual(ticket.stage_id, self.closed_stage)


@tagged("post_install", "-at_install")
class TestTicketMeteringPerformance(SupportMeteringCase):
    def _count_queries(self, ticket, count):
        Line = self.env["account.analytic.line"]
        vals_list = [
            {
                "ticket_id": ticket.id,
                "unit_amount": 0.25,
                "name": f"Work {i}",
                "employee_id": self.employee.id,
            }
            for i in range(count)
        ]
        self.env.flush_all()
        self.env.invalidate_all()
        start = self.env.cr.sql_log_count
        Line.create(vals_list)
        self.env.flush_all()
        return self.env.cr.sql_log_count - start

    def test_batch_of_1000_lines(self):
        """1,000 timesheet lines in one create: a small fixed number of queries
        per line, and the metering itself adds a constant number of queries."""
        self._grant(self.org_a, 10_000)
        self._grant(self.org_a, 10_000, date(2034, 6, 30))
        ticket = self._ticket()
        plain = self._ticket(
            deployment=self.env["support.deployment"]
        )  # no deployment: not metered
        small = self._count_queries(ticket, 10)
        unmetered = self._count_queries(plain, 1000)
        metered = self._count_queries(ticket, 1000)
        self.assertEqual(self._balance(self.org_a), 20_000 - 1010 * 15)
        _logger.info(
            "queries: 10 metered lines %s, 1000 plain lines %s, 1000 metered lines %s",
            small,
            unmetered,
            metered,
        )
        # metering adds a constant number of queries to the batch (measured: 31)
        self.assertLessEqual(metered - unmetered, 60, (small, unmetered, metered))
        # and the whole batch costs a small fixed number of queries per line
        # (measured: about 1)
        self.assertLessEqual(metered, 2 * 1000 + 100, (small, unmetered, metered))


@tagged("post_install", "-at_install")
class TestLowBalanceExpiring(SupportMeteringCase):
    @freeze_time("2026-11-23 10:00:00")
    def test_credits_expiring_within_30_days_notified_once(self):
        self.env.company.support_low_balance_threshold = 10
        self._grant(self.org_a, 500, date(2026, 12, 15))
        ticket = self._ticket()
        self._log(ticket, 0.5)
        self._log(ticket, 0.5)
        messages = self._low_balance_notices(self.org_a)
        self.assertEqual(len(messages), 1)
        self.assertIn("expiring within 30 days", messages.body)


@tagged("post_install", "-at_install")
class TestTicketIncidentLateDeployment(SupportMeteringCase):
    def test_deployment_set_after_opening_charges_once(self):
        self.plan.write({"metering": "incident", "incident_points": 10})
        self._grant(self.org_a, 25)
        ticket = self._ticket(deployment=self.env["support.deployment"])
        self.assertEqual(self._balance(self.org_a), 25)
        ticket.support_deployment_id = self.deployment
        self.assertEqual(ticket.support_metering, "incident")
        self.assertEqual(self._balance(self.org_a), 15)
        ticket.write({"support_deployment_id": self.deployment.id, "name": "Renamed"})
        self.assertEqual(self._balance(self.org_a), 15)


@tagged("post_install", "-at_install")
class TestTicketMeteringExpiredLots(SupportMeteringCase):
    def test_reduction_after_the_source_lot_expired(self):
        with freeze_time("2026-01-10"):
            old = self._grant(self.org_a, 40, date(2026, 1, 31))
            new = self._grant(self.org_a, 100, date(2026, 12, 31))
            ticket = self._ticket()
            line = self._log(ticket, 1.0)  # 40 from the old lot, 20 from the new one
        with freeze_time("2026-03-01"):
            line.unit_amount = (
                0.5  # 30 credits back: 20 to the new lot, 10 of the old lot's 40
            )
            self.assertEqual(new.remaining, 100)
            extra = self.Lot.search([("partner_id", "=", self.org_a.id)]) - old - new
            self.assertRecordValues(
                extra,
                [{"quantity": 40, "remaining": 10, "expiry_date": date(2026, 5, 30)}],
            )
            self.assertEqual(self._balance(self.org_a), 110)
            self.assertEqual(line.support_covered_minutes, 30)


@tagged("post_install", "-at_install")
class TestTicketFormTimesheets(SupportMeteringCase):
    def test_log_time_from_the_ticket_form(self):
        self._grant(self.org_a, 100)
        ticket = self._ticket()
        with Form(ticket.with_user(self.engineer)) as form:
            with form.support_timesheet_ids.new() as line:
                line.name = "Diagnosis"
                line.unit_amount = 0.75
        self.assertRecordValues(
            ticket.support_timesheet_ids,
            [
                {
                    "support_minutes": 45,
                    "support_covered_minutes": 45,
                    "project_id": self.env.ref("support_contract.project_support").id,
                }
            ],
        )
        self.assertEqual(self._balance(self.org_a), 55)

import threading
from datetime import date

from psycopg2 import errors

from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.orm.environments import Transaction
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestTicketMeteringConcurrency(BaseCase):
    """Two engineers log time at the same moment on two tickets of one
    organization, each in its own transaction (two real database cursors, two
    threads): the same credits are never consumed twice and no lot goes below
    zero. The loser of the lock race gets a serialization failure and retries,
    as Odoo's request handling does."""

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            org = env["res.partner"].create(
                {"name": "Concurrent Org", "is_company": True}
            )
            contact = env["res.partner"].create(
                {"name": "Concurrent Contact", "parent_id": org.id}
            )
            plan = env["support.plan"].create(
                {"name": "Concurrent Plan", "metering": "minutes"}
            )
            deployment = env["support.deployment"].create(
                {"name": "CONC-DEP-1", "partner_id": org.id}
            )
            env["support.contract"].create(
                {
                    "deployment_id": deployment.id,
                    "plan_id": plan.id,
                    "term_ids": [
                        Command.create(
                            {
                                "date_start": date(2020, 1, 1),
                                "date_end": date(2035, 12, 31),
                            }
                        )
                    ],
                }
            )
            Lot = env["support.credit.lot"]
            self.lot_soon = Lot._grant(org, 50, date(2034, 1, 31), "Concurrent soon").id
            self.lot_late = Lot._grant(
                org, 100, date(2035, 12, 31), "Concurrent late"
            ).id
            tickets = env["helpdesk.ticket"].create(
                [
                    {
                        "name": f"Concurrent {i}",
                        "description": "<p>x</p>",
                        "partner_id": contact.id,
                        "support_deployment_id": deployment.id,
                    }
                    for i in range(2)
                ]
            )
            employee = env.user.employee_ids[:1] or env["hr.employee"].create(
                {"name": "Root", "user_id": env.uid}
            )
            self.ticket_ids = tickets.ids
            self.employee_id = employee.id
            self.org_id = org.id
            self.record_ids = {
                "partners": (org | contact).ids,
                "plan": plan.id,
                "deployment": deployment.id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        """The data was committed: remove it (the ledger refuses deletions
        through the ORM, so its rows go with SQL)."""
        with self.registry.cursor() as cr:
            lot_ids = (self.lot_soon, self.lot_late)
            cr.execute(
                "DELETE FROM support_credit_move WHERE lot_id IN %s OR ticket_id IN %s",
                [lot_ids, tuple(self.ticket_ids)],
            )
            cr.execute("DELETE FROM support_credit_lot WHERE id IN %s", [lot_ids])
            cr.execute(
                "DELETE FROM account_analytic_line WHERE ticket_id IN %s",
                [tuple(self.ticket_ids)],
            )
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["helpdesk.ticket"].browse(self.ticket_ids).unlink()
            env["support.contract"].search(
                [("deployment_id", "=", self.record_ids["deployment"])]
            ).unlink()
            env["support.deployment"].browse(self.record_ids["deployment"]).unlink()
            env["support.plan"].browse(self.record_ids["plan"]).unlink()
            env["res.partner"].browse(self.record_ids["partners"]).unlink()

    def _log_time(self, ticket_id, barrier, results):
        attempts = 0
        while attempts < 5:
            attempts += 1
            try:
                with self.registry.cursor() as cr:
                    # The test runner holds the registry class lock: give the
                    # cursor its transaction so that no registry lookup is needed.
                    cr.transaction = Transaction(self.registry)
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait(timeout=30) if attempts == 1 else None
                    env["account.analytic.line"].create(
                        {
                            "ticket_id": ticket_id,
                            "unit_amount": 1.0,
                            "name": "Work",
                            "employee_id": self.employee_id,
                        }
                    )
                    env.flush_all()
                results.append(("ok", attempts))
                return
            except errors.SerializationFailure:
                continue
            except Exception as exc:  # noqa: BLE001 - reported to the main thread
                results.append(("error", repr(exc)))
                return
        results.append(("gave up", attempts))

    @mute_logger("odoo.sql_db")
    def test_two_engineers_at_once(self):
        barrier = threading.Barrier(2)
        results = []
        threads = [
            threading.Thread(target=self._log_time, args=(ticket_id, barrier, results))
            for ticket_id in self.ticket_ids
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertEqual([status for status, _info in results], ["ok", "ok"], results)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            lots = env["support.credit.lot"].browse([self.lot_soon, self.lot_late])
            # 120 minutes consumed in all: 50 from the first lot, 70 from the second
            self.assertEqual(lots.mapped("remaining"), [0, 30])
            moves = env["support.credit.move"].search(
                [("lot_id", "in", lots.ids), ("move_type", "=", "consume")]
            )
            self.assertEqual(sum(moves.mapped("quantity")), -120)
            for lot in lots:
                self.assertEqual(lot.remaining, sum(lot.move_ids.mapped("quantity")))
                self.assertGreaterEqual(lot.remaining, 0)
            lines = env["account.analytic.line"].search(
                [("ticket_id", "in", self.ticket_ids)]
            )
            self.assertEqual(lines.mapped("support_covered_minutes"), [60, 60])

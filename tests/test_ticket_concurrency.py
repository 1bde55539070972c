import threading
from datetime import date

from psycopg2 import errors

from odoo import SUPERUSER_ID, api
from odoo.orm.environments import Transaction
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestTicketMeteringConcurrency(CommittedCase):
    """Two engineers log time at the same moment on two tickets of one
    organization, each in its own transaction (two real database cursors, two
    threads): the same credits are never consumed twice and no lot goes below
    zero. The loser of the lock race gets a serialization failure and retries,
    as Odoo's request handling does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env() as env:
            org = cls._commit(cls._create_organization("Concurrent Org", env=env))
            contact = cls._commit(
                cls._create_contact(org, "Concurrent Contact", env=env)
            )
            plan = cls._commit(
                env["support.plan"].create(
                    {"name": "Concurrent Plan", "metering": "minutes"}
                )
            )
            deployment = cls._commit(
                env["support.deployment"].create(
                    {"name": "CONC-DEP-1", "partner_id": org.id}
                )
            )
            cls._commit(
                cls._create_contract(
                    deployment,
                    plan,
                    (date(2020, 1, 1), date(2035, 12, 31)),
                    env=env,
                )
            )
            Lot = env["support.credit.lot"]
            cls.lot_soon = Lot._grant(org, 50, date(2034, 1, 31), "Concurrent soon").id
            cls.lot_late = Lot._grant(
                org, 100, date(2035, 12, 31), "Concurrent late"
            ).id
            tickets = cls._commit(
                env["helpdesk.ticket"].create(
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
            )
            employee = env.user.employee_ids[:1] or cls._commit(
                env["hr.employee"].create({"name": "Root", "user_id": env.uid})
            )
            cls.ticket_ids = tickets.ids
            cls.employee_id = employee.id

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
        with self.committed_env() as env:
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

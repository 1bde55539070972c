"""Two workers renewing at once (issue 9): never two renewals for one term.

Two threads with two real database cursors (two transactions). The fixtures
are committed, so that both transactions see them, and deleted afterwards.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import api, fields
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestRenewalConcurrency(CommittedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env() as env:
            today = fields.Date.context_today(env.user)
            org = env["res.partner"].create(
                {
                    "name": "Concurrent Renewal Org",
                    "is_company": True,
                    "email": "r@example.com",
                }
            )
            plan = env["support.plan"].create({"name": "Concurrent Renewal Plan"})
            product = env["product.product"].create(
                {
                    "name": "Concurrent renewal contract",
                    "type": "service",
                    "support_kind": "contract",
                    "support_plan_id": plan.id,
                    "support_term_months": 12,
                    "support_credits": 0,
                }
            )
            deployments = env["support.deployment"].create(
                [
                    {
                        "name": f"CONCURRENT-RENEWAL-{i}",
                        "kind": "deployment",
                        "partner_id": org.id,
                    }
                    for i in range(2)
                ]
            )
            contracts = env["support.contract"].create(
                [
                    {
                        "deployment_id": deployment.id,
                        "plan_id": plan.id,
                        "date_start": today - timedelta(days=300),
                        "date_end": today + timedelta(days=10),
                    }
                    for deployment in deployments
                ]
            )
            cls.contract_ids = contracts.ids
            cls.ids = {
                "partner": org.ids,
                "plan": plan.ids,
                "product": product.ids,
                "deployment": deployments.ids,
            }

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            renewals = env["support.contract.renewal"].search(
                [("contract_id", "in", cls.contract_ids)]
            )
            orders = renewals.order_id
            renewals.unlink()
            orders.with_context(disable_cancel_warning=True).action_cancel()
            orders.unlink()
            cr.execute(
                SQL(
                    "DELETE FROM support_contract_term WHERE contract_id = ANY(%s)",
                    cls.contract_ids,
                )
            )
            env["mail.message"].search(
                [("model", "=", "support.contract"), ("res_id", "in", cls.contract_ids)]
            ).unlink()
            cr.execute(
                SQL("DELETE FROM support_contract WHERE id = ANY(%s)", cls.contract_ids)
            )
            env["support.deployment"].browse(cls.ids["deployment"]).unlink()
            env["product.product"].browse(cls.ids["product"]).unlink()
            env["support.plan"].browse(cls.ids["plan"]).unlink()
            env["res.partner"].browse(cls.ids["partner"]).unlink()

    def _in_threads(self, work):
        barrier = threading.Barrier(2)

        def run(index):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, api.SUPERUSER_ID, {})
                env["support.contract"].browse(self.contract_ids).mapped(
                    "date_end"
                )  # both have started
                barrier.wait(timeout=10)
                try:
                    with patch.object(
                        type(env["ir.cron"]),
                        "_commit_progress",
                        return_value=float("inf"),
                    ):
                        work(env)
                    # the worker's transaction ends here, as a cron job's
                    # batch does: the other worker's must see it, or fail
                    cr.commit()  # pylint: disable=invalid-commit
                    return "done"
                except IntegrityError:
                    cr.rollback()
                    return "refused"

        with (
            patch.object(Registry, "_lock", DummyRLock()),
            ThreadPoolExecutor(max_workers=2) as executor,
        ):
            futures = [executor.submit(run, i) for i in range(2)]
            return sorted(future.result(timeout=60) for future in futures)

    def _renewal_count(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            groups = env["support.contract.renewal"]._read_group(
                [("contract_id", "in", self.contract_ids)], ["contract_id"], ["__count"]
            )
            return {contract.id: count for contract, count in groups}

    @mute_logger("odoo.sql_db")
    def test_two_workers_create_each_renewal_once(self):
        # the job: each worker skips the contracts the other holds
        outcomes = self._in_threads(
            lambda env: env["support.contract.renewal"]._cron_create_due(100)
        )
        self.assertEqual(outcomes, ["done", "done"])
        self.assertEqual(self._renewal_count(), dict.fromkeys(self.contract_ids, 1))

        # even without the job's locks, the database refuses a second renewal
        # of one term: both workers create the renewal of the term after next
        def create_later_term(env):
            contracts = env["support.contract"].browse(self.contract_ids)
            env["support.contract.renewal"].create(
                [
                    {
                        "contract_id": contract.id,
                        "date_start": contract.date_end + timedelta(days=400),
                        "date_end": contract.date_end + timedelta(days=700),
                    }
                    for contract in contracts
                ]
            )
            env.flush_all()

        outcomes = self._in_threads(create_later_term)
        self.assertEqual(outcomes, ["done", "refused"])
        self.assertEqual(self._renewal_count(), dict.fromkeys(self.contract_ids, 2))

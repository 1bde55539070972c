"""Two workers renewing at once (issue 9): never two renewals for one term.

Two threads with two real database cursors (two transactions). The fixtures
are committed, so that both transactions see them, and deleted afterwards.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import fields
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CommittedCase, cron_progress


@tagged("post_install", "-at_install")
class TestRenewalConcurrency(CommittedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env() as env:
            today = fields.Date.context_today(env.user)
            org = cls._commit(
                cls._create_organization(
                    "Concurrent Renewal Org", email="r@example.com", env=env
                )
            )
            plan = cls._commit(
                env["support.plan"].create({"name": "Concurrent Renewal Plan"})
            )
            cls._commit(
                cls._create_contract_product(
                    "Concurrent renewal contract", plan, env=env
                )
            )
            deployments = cls._commit(
                env["support.deployment"].create(
                    [
                        {
                            "name": f"CONCURRENT-RENEWAL-{i}",
                            "kind": "deployment",
                            "partner_id": org.id,
                        }
                        for i in range(2)
                    ]
                )
            )
            # an imported coverage: its first term from the contract's dates
            contracts = cls._commit(
                env["support.contract"].create(
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
            )
            cls.contract_ids = contracts.ids

    def _in_threads(self, work):
        barrier = threading.Barrier(2)

        def run(index):
            with self.committed_env() as env:
                env["support.contract"].browse(self.contract_ids).mapped(
                    "date_end"
                )  # both have started
                barrier.wait(timeout=10)
                try:
                    work(env)
                    # the worker's transaction ends here, as a cron job's
                    # batch does: the other worker's must see it, or fail
                    env.cr.commit()  # pylint: disable=invalid-commit
                    return "done"
                except IntegrityError:
                    env.cr.rollback()
                    return "refused"

        with (
            patch.object(Registry, "_lock", DummyRLock()),
            cron_progress(self.registry),
            ThreadPoolExecutor(max_workers=2) as executor,
        ):
            futures = [executor.submit(run, i) for i in range(2)]
            return sorted(future.result(timeout=60) for future in futures)

    def _renewal_count(self):
        with self.committed_env() as env:
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

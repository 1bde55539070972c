import threading
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import patch

from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestCardClaimConcurrency(CommittedCase):
    """Two claims of one card at once, in two threads with two real database
    cursors (two transactions): exactly one wins, exactly one lot exists.

    The fixtures are committed (other transactions must see them) and deleted
    afterwards.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env() as env:
            buyer = cls._commit(cls._create_organization("Concurrent Buyer", env=env))
            cls.organizations = cls._commit(
                cls._create_organization("Concurrent Claimer A", env=env)
                | cls._create_organization("Concurrent Claimer B", env=env)
            )
            contacts = cls._commit(
                env["res.partner"].create(
                    [
                        {"name": f"Contact of {org.name}", "parent_id": org.id}
                        for org in cls.organizations
                    ]
                )
            )
            cls.user_ids = [
                cls._commit(
                    cls._create_portal_user(
                        f"concurrent_claimer_{i}",
                        partner_id=contact.id,
                        name=contact.name,
                        email=f"claimer{i}@example.com",
                        env=env,
                    )
                ).id
                for i, contact in enumerate(contacts)
            ]
            card = cls._commit(
                env["support.credit.card"].create(
                    {"credits": 75, "buyer_partner_id": buyer.id}
                )
            )
            cls.card_id, cls.code = card.id, card.code
            cls.organization_ids = cls.organizations.ids

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_simultaneous_claims(self):
        barrier = threading.Barrier(2)

        def claim(index):
            with self.committed_env(self.user_ids[index]) as env:
                user = env.user
                # both transactions have started and seen the card active
                card = env["support.credit.card"].sudo().browse(self.card_id)
                self.assertEqual(card.state, "active")
                barrier.wait(timeout=10)
                # as an HTTP request would be: the loser's transaction, which
                # waited on the row lock, fails to serialize (repeatable read)
                # and is retried from scratch
                result = retrying(
                    lambda: env["support.credit.card"]._claim_code(
                        self.code,
                        user.partner_id,
                        remote_addr=f"10.0.0.{index + 1}",
                    ),
                    env,
                )
                return result.success, result.reason

        # The test runner holds the registry lock while post-install tests
        # run; the threads only look the (loaded) registry up, as Odoo's own
        # test mode lets them (registry_enter_test_mode patches it the same way).
        with (
            patch.object(Registry, "_lock", DummyRLock()),
            ThreadPoolExecutor(max_workers=2) as executor,
        ):
            futures = [executor.submit(claim, i) for i in range(2)]
            outcomes = [future.result(timeout=60) for future in futures]

        self.assertEqual(sorted(outcomes), [(False, "claimed"), (True, "success")])
        winner = outcomes.index((True, "success"))
        with self.committed_env() as env:
            card = env["support.credit.card"].browse(self.card_id)
            lots = env["support.credit.lot"].search([("card_id", "=", self.card_id)])
            self.assertEqual(len(lots), 1, "exactly one lot exists for the card")
            self.assertEqual(card.state, "claimed")
            self.assertEqual(card.claimed_partner_id.id, self.organization_ids[winner])
            self.assertEqual(lots.partner_id.id, self.organization_ids[winner])
            self.assertEqual(lots.quantity, 75)
            attempts = env["support.card.claim.attempt"].search(
                [("user_id", "in", self.user_ids)]
            )
            self.assertEqual(sorted(attempts.mapped("reason")), ["claimed", "success"])

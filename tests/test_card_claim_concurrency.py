import threading
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import patch

from odoo import api
from odoo.modules.registry import DummyRLock, Registry
from odoo.service.model import retrying
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

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
            Partner = env["res.partner"]
            buyer = Partner.create({"name": "Concurrent Buyer", "is_company": True})
            cls.organizations = Partner.create(
                [
                    {"name": "Concurrent Claimer A", "is_company": True},
                    {"name": "Concurrent Claimer B", "is_company": True},
                ]
            )
            contacts = Partner.create(
                [
                    {"name": f"Contact of {org.name}", "parent_id": org.id}
                    for org in cls.organizations
                ]
            )
            cls.user_ids = [
                new_test_user(
                    env,
                    f"concurrent_claimer_{i}",
                    groups="base.group_portal",
                    partner_id=contact.id,
                    name=contact.name,
                    email=f"claimer{i}@example.com",
                ).id
                for i, contact in enumerate(contacts)
            ]
            card = env["support.credit.card"].create(
                {"credits": 75, "buyer_partner_id": buyer.id}
            )
            cls.card_id, cls.code = card.id, card.code
            cls.partner_ids = (buyer | cls.organizations | contacts).ids
            cls.organization_ids = cls.organizations.ids

    @classmethod
    def _cleanup(cls):
        with cls.registry.cursor() as cr:
            # the ledger refuses deletions (append-only): these are test rows
            cr.execute(
                SQL(
                    "DELETE FROM support_credit_move WHERE lot_id IN "
                    "(SELECT id FROM support_credit_lot WHERE card_id = %s)",
                    cls.card_id,
                )
            )
            cr.execute(
                SQL("DELETE FROM support_credit_lot WHERE card_id = %s", cls.card_id)
            )
            cr.execute(
                SQL(
                    "DELETE FROM support_card_claim_attempt WHERE user_id = ANY(%s)",
                    cls.user_ids,
                )
            )
            cr.execute(
                SQL("DELETE FROM support_credit_card WHERE id = %s", cls.card_id)
            )
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            env["mail.mail"].search(
                [("model", "=", "support.credit.card"), ("res_id", "=", cls.card_id)]
            ).unlink()
            env["mail.message"].search(
                [("model", "=", "support.credit.card"), ("res_id", "=", cls.card_id)]
            ).unlink()
            env["res.users"].browse(cls.user_ids).unlink()
            env["res.partner"].browse(cls.partner_ids).unlink()

    @mute_logger("odoo.sql_db", "odoo.service.model")
    def test_simultaneous_claims(self):
        barrier = threading.Barrier(2)

        def claim(index):
            with self.registry.cursor() as cr:
                env = api.Environment(cr, self.user_ids[index], {})
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
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
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

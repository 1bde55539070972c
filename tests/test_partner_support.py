from datetime import timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, tagged

from .common import SupportCase


@tagged("post_install", "-at_install")
class TestPartnerSupport(SupportCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = cls._create_organization("Owner Org")
        cls.owner_contact = cls._create_contact(cls.owner, "Owner Contact")
        cls.reseller = cls._create_organization("Reseller Org")
        cls.stranger = cls._create_organization("Stranger Org")
        cls.plan = cls.env["support.plan"].create({"name": "Partner Test Plan"})
        Deployment = cls.env["support.deployment"]
        cls.owned = Deployment.create(
            {"name": "P-OWN-1", "kind": "serial", "partner_id": cls.owner.id}
        )
        cls.shared = Deployment.create(
            {
                "name": "P-SHARED-1",
                "kind": "deployment",
                "partner_id": cls.owner.id,
                "coowner_ids": [Command.link(cls.reseller.id)],
            }
        )
        cls.env["support.contract"].create(
            {
                "deployment_id": cls.owned.id,
                "plan_id": cls.plan.id,
                "partner_id": cls.owner.id,
            }
        )

    def test_counts_for_owner_coowner_and_contacts(self):
        partners = self.owner | self.owner_contact | self.reseller | self.stranger
        with self.assertQueryCount(3):
            self.assertEqual(partners.mapped("support_deployment_count"), [2, 2, 1, 0])
            self.assertEqual(partners.mapped("support_contract_count"), [1, 1, 0, 0])

    def test_smart_buttons_open_the_organization_records(self):
        action = self.owner_contact.action_view_support_deployments()
        self.assertEqual(
            self.env["support.deployment"].search(action["domain"]),
            self.owned | self.shared,
        )
        action = self.reseller.action_view_support_deployments()
        self.assertEqual(
            self.env["support.deployment"].search(action["domain"]), self.shared
        )
        action = self.owner.action_view_support_contracts()
        self.assertEqual(
            self.env["support.contract"].search(action["domain"]).deployment_id,
            self.owned,
        )


@tagged("post_install", "-at_install")
class TestLowBalanceCron(SupportCase, TransactionCase):
    def test_expiring_credits_notified_once_without_consumption(self):
        org = self._create_organization("Expiring Org", email="org@example.com")
        healthy = self._create_organization("Healthy Org", email="ok@example.com")
        Lot = self.env["support.credit.lot"]
        today = fields.Date.context_today(Lot)
        self.env.company.support_low_balance_threshold = 60
        Lot._grant(org, 500, today + timedelta(days=20), "Expires soon")
        Lot._grant(healthy, 500, today + timedelta(days=200), "Expires late")

        self.env["res.partner"]._cron_support_notify_low_balance()
        self.env["res.partner"]._cron_support_notify_low_balance()
        self.assertEqual(
            len(self._low_balance_notices(org)), 1, "one notice, not one per run"
        )
        self.assertEqual(len(self._low_balance_notices(healthy)), 0)

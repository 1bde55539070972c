from odoo import Command
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestPartnerSupport(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.owner = Partner.create({"name": "Owner Org", "is_company": True})
        cls.owner_contact = Partner.create({"name": "Owner Contact", "parent_id": cls.owner.id})
        cls.reseller = Partner.create({"name": "Reseller Org", "is_company": True})
        cls.stranger = Partner.create({"name": "Stranger Org", "is_company": True})
        cls.plan = cls.env["support.plan"].create({"name": "Partner Test Plan"})
        Deployment = cls.env["support.deployment"]
        cls.owned = Deployment.create({"name": "P-OWN-1", "kind": "serial", "partner_id": cls.owner.id})
        cls.shared = Deployment.create({
            "name": "P-SHARED-1", "kind": "deployment", "partner_id": cls.owner.id,
            "coowner_ids": [Command.link(cls.reseller.id)],
        })
        cls.env["support.contract"].create({
            "deployment_id": cls.owned.id, "plan_id": cls.plan.id, "partner_id": cls.owner.id,
        })

    def test_counts_for_owner_coowner_and_contacts(self):
        partners = self.owner | self.owner_contact | self.reseller | self.stranger
        with self.assertQueryCount(3):
            self.assertEqual(partners.mapped("support_deployment_count"), [2, 2, 1, 0])
            self.assertEqual(partners.mapped("support_contract_count"), [1, 1, 0, 0])

    def test_smart_buttons_open_the_organization_records(self):
        action = self.owner_contact.action_view_support_deployments()
        self.assertEqual(self.env["support.deployment"].search(action["domain"]), self.owned | self.shared)
        action = self.reseller.action_view_support_deployments()
        self.assertEqual(self.env["support.deployment"].search(action["domain"]), self.shared)
        action = self.owner.action_view_support_contracts()
        self.assertEqual(self.env["support.contract"].search(action["domain"]).deployment_id, self.owned)

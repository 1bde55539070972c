from datetime import date

from odoo import http
from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import SupportCase


@tagged("post_install", "-at_install")
class TestTicketPortalClose(SupportCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.org_a = cls._create_organization("Alpha Org")
        cls.org_c = cls._create_organization("Gamma Stranger")
        cls.user_a = cls._create_portal_user("portal_alpha", cls.org_a)
        cls.user_c = cls._create_portal_user("portal_gamma", cls.org_c)
        cls.colleague_a = cls._create_contact(cls.org_a, "Colleague Alpha")
        cls.close_stage = cls.env["helpdesk.ticket.stage"].create(
            {
                "name": "Solved by customer",
                "closed": True,
                "close_from_portal": True,
                "sequence": 90,
            }
        )
        cls.open_stage = cls.env["helpdesk.ticket.stage"].create(
            {"name": "Open (test)", "sequence": 0}
        )
        cls.ticket = cls.env["helpdesk.ticket"].create(
            {
                "name": "Printer on fire",
                "description": "<p>It burns.</p>",
                "partner_id": cls.colleague_a.id,
                "stage_id": cls.open_stage.id,
            }
        )

    def _close(self, method="POST", csrf=True):
        data = {"ticket_id": self.ticket.id, "stage_id": self.close_stage.id}
        if method == "GET":
            return self.url_open(
                f"/ticket/close?ticket_id={self.ticket.id}&stage_id={self.close_stage.id}",
                allow_redirects=False,
            )
        if csrf:
            data["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open("/ticket/close", data=data, allow_redirects=False)

    @mute_logger("odoo.http")
    def test_get_does_not_close(self):
        self.authenticate("portal_alpha", "portal_alpha_pw")
        response = self._close(method="GET")
        self.assertIn(response.status_code, (404, 405))
        self.ticket.invalidate_recordset()
        self.assertEqual(self.ticket.stage_id, self.open_stage)

    @mute_logger("odoo.http")
    def test_other_organization_gets_not_found(self):
        self.authenticate("portal_gamma", "portal_gamma_pw")
        response = self._close()
        self.assertEqual(response.status_code, 404)
        self.ticket.invalidate_recordset()
        self.assertEqual(self.ticket.stage_id, self.open_stage)
        # an unknown ticket answers the same
        response = self.url_open(
            "/ticket/close",
            data={
                "ticket_id": 999999999,
                "stage_id": self.close_stage.id,
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 404)

    @mute_logger("odoo.http")
    def test_post_without_csrf_refused(self):
        self.authenticate("portal_alpha", "portal_alpha_pw")
        response = self._close(csrf=False)
        self.assertEqual(response.status_code, 400)
        self.ticket.invalidate_recordset()
        self.assertEqual(self.ticket.stage_id, self.open_stage)

    def test_own_organization_closes_with_post(self):
        self.authenticate("portal_alpha", "portal_alpha_pw")
        response = self._close()
        self.assertEqual(response.status_code, 303)
        self.assertTrue(
            response.headers["Location"].endswith(f"/my/ticket/{self.ticket.id}")
        )
        self.ticket.invalidate_recordset()
        self.assertEqual(self.ticket.stage_id, self.close_stage)
        self.assertTrue(self.ticket.closed_date)

    def test_stage_not_closable_from_portal_ignored(self):
        other = self.env["helpdesk.ticket.stage"].create(
            {"name": "Staff only", "closed": True}
        )
        self.authenticate("portal_alpha", "portal_alpha_pw")
        self.url_open(
            "/ticket/close",
            data={
                "ticket_id": self.ticket.id,
                "stage_id": other.id,
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )
        self.ticket.invalidate_recordset()
        self.assertEqual(self.ticket.stage_id, self.open_stage)

    def test_ticket_page_posts_the_close_form(self):
        """The portal's close buttons submit a POST with a CSRF token."""
        arch = self.env.ref(
            "helpdesk_mgmt.portal_helpdesk_ticket_page"
        )._get_combined_arch()
        forms = arch.xpath("//form[@t-attf-action='/ticket/close']")
        self.assertTrue(forms)
        for form in forms:
            self.assertEqual(form.get("method"), "POST")
            self.assertTrue(form.xpath("./input[@name='csrf_token']"))


@tagged("post_install", "-at_install")
class TestTicketPortalDeployment(SupportCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.org_a = cls._create_organization("Alpha Org")
        cls.org_b = cls._create_organization("Beta Reseller")
        cls.org_c = cls._create_organization("Gamma Stranger")
        cls.user_b = cls._create_portal_user("portal_beta", cls.org_b)
        plan = cls.env["support.plan"].create({"name": "Portal Plan"})
        Deployment = cls.env["support.deployment"]
        cls.covered = Deployment.create(
            {
                "name": "PORTAL-COVERED",
                "partner_id": cls.org_a.id,
                "coowner_ids": [Command.set(cls.org_b.ids)],
            }
        )
        cls.uncovered = Deployment.create(
            {"name": "PORTAL-UNCOVERED", "partner_id": cls.org_b.id}
        )
        cls.foreign = Deployment.create(
            {"name": "PORTAL-FOREIGN", "partner_id": cls.org_c.id}
        )
        cls._create_contract(cls.covered, plan, (date(2020, 1, 1), date(2035, 12, 31)))

    def test_form_lists_the_organization_deployments(self):
        self.authenticate("portal_beta", "portal_beta_pw")
        response = self.url_open("/new/ticket")
        self.assertEqual(response.status_code, 200)
        self.assertIn("PORTAL-COVERED", response.text)  # co-owned
        self.assertIn("PORTAL-UNCOVERED", response.text)  # owned
        self.assertNotIn("PORTAL-FOREIGN", response.text)
        self.assertIn("support_deployment_uncovered_notice", response.text)
        self.assertIn("not covered: time billed hourly", response.text)

    def _submit(self, deployment):
        return self.url_open(
            "/submitted/ticket",
            data={
                "subject": "Portal ticket",
                "description": "It does not start.",
                "support_deployment": deployment.id,
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )

    def test_submit_with_own_deployment(self):
        self.authenticate("portal_beta", "portal_beta_pw")
        response = self._submit(self.covered)
        self.assertIn(response.status_code, (302, 303))
        ticket = self.env["helpdesk.ticket"].search([("name", "=", "Portal ticket")])
        self.assertRecordValues(
            ticket,
            [
                {
                    "support_deployment_id": self.covered.id,
                    "support_paying_partner_id": self.org_b.id,
                }
            ],
        )
        self.assertTrue(ticket.support_contract_id)

    @mute_logger("odoo.http")
    def test_submit_with_foreign_deployment_not_found(self):
        self.authenticate("portal_beta", "portal_beta_pw")
        response = self._submit(self.foreign)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(
            self.env["helpdesk.ticket"].search([("name", "=", "Portal ticket")])
        )

from odoo import http
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestTicketPortalClose(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.org_a = Partner.create({"name": "Alpha Org", "is_company": True})
        cls.org_c = Partner.create({"name": "Gamma Stranger", "is_company": True})
        cls.user_a = new_test_user(cls.env, login="portal_alpha", password="portal_alpha_pw", groups="base.group_portal")
        cls.user_a.partner_id.parent_id = cls.org_a
        cls.user_c = new_test_user(cls.env, login="portal_gamma", password="portal_gamma_pw", groups="base.group_portal")
        cls.user_c.partner_id.parent_id = cls.org_c
        cls.colleague_a = Partner.create({"name": "Colleague Alpha", "parent_id": cls.org_a.id})
        cls.close_stage = cls.env["helpdesk.ticket.stage"].create(
            {"name": "Solved by customer", "closed": True, "close_from_portal": True, "sequence": 90}
        )
        cls.open_stage = cls.env["helpdesk.ticket.stage"].create({"name": "Open (test)", "sequence": 0})
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
            return self.url_open(f"/ticket/close?ticket_id={self.ticket.id}&stage_id={self.close_stage.id}", allow_redirects=False)
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
            data={"ticket_id": 999999999, "stage_id": self.close_stage.id, "csrf_token": http.Request.csrf_token(self)},
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
        self.assertTrue(response.headers["Location"].endswith(f"/my/ticket/{self.ticket.id}"))
        self.ticket.invalidate_recordset()
        self.assertEqual(self.ticket.stage_id, self.close_stage)
        self.assertTrue(self.ticket.closed_date)

    def test_stage_not_closable_from_portal_ignored(self):
        other = self.env["helpdesk.ticket.stage"].create({"name": "Staff only", "closed": True})
        self.authenticate("portal_alpha", "portal_alpha_pw")
        self.url_open(
            "/ticket/close",
            data={"ticket_id": self.ticket.id, "stage_id": other.id, "csrf_token": http.Request.csrf_token(self)},
            allow_redirects=False,
        )
        self.ticket.invalidate_recordset()
        self.assertEqual(self.ticket.stage_id, self.open_stage)

    def test_ticket_page_posts_the_close_form(self):
        """The portal's close buttons submit a POST with a CSRF token."""
        arch = self.env.ref("helpdesk_mgmt.portal_helpdesk_ticket_page")._get_combined_arch()
        forms = arch.xpath("//form[@t-attf-action='/ticket/close']")
        self.assertTrue(forms)
        for form in forms:
            self.assertEqual(form.get("method"), "POST")
            self.assertTrue(form.xpath("./input[@name='csrf_token']"))

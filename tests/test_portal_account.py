"""The customer's support account in the portal (issue 10), as real portal
users of two organizations and a co-owner, through HTTP."""

from datetime import timedelta

from lxml import etree as lxml_etree
from lxml import html as lxml_html

from odoo import Command, fields, http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import CRON_RENEWAL, SupportCase, cron_progress


@tagged("post_install", "-at_install")
class TestPortalSupportAccount(SupportCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.context_today(cls.env.user)
        cls.owner = cls._create_organization("Owner Org", email="owner@example.com")
        cls.coowner = cls._create_organization("Coowner Org")
        cls.stranger = cls._create_organization("Stranger Org")
        cls.users = {
            key: cls._create_portal_user(
                f"portal_{key}",
                org,
                name=f"{key.title()} Person",
                email=f"{key}@example.com",
            )
            for key, org in (
                ("owner", cls.owner),
                ("coowner", cls.coowner),
                ("stranger", cls.stranger),
            )
        }
        cls.plan = cls.env["support.plan"].create({"name": "Portal Account Plan"})
        cls.product = cls._create_contract_product(
            "Portal account contract", cls.plan, list_price=750.0
        )
        Deployment = cls.env["support.deployment"]
        cls.deployment = Deployment.create(
            {
                "name": "ACCOUNT-DEP-1",
                "partner_id": cls.owner.id,
                "coowner_ids": [Command.set(cls.coowner.ids)],
            }
        )
        cls.foreign = Deployment.create(
            {"name": "ACCOUNT-FOREIGN", "partner_id": cls.stranger.id}
        )
        cls.contract = cls.env["support.contract"].create(
            {
                "deployment_id": cls.deployment.id,
                "plan_id": cls.plan.id,
                "date_start": today - timedelta(days=300),
                "date_end": today + timedelta(days=20),
            }
        )
        cls.foreign_contract = cls.env["support.contract"].create(
            {
                "deployment_id": cls.foreign.id,
                "plan_id": cls.plan.id,
                "date_start": today - timedelta(days=300),
                "date_end": today + timedelta(days=20),
            }
        )
        with cron_progress(cls.env):
            cls.env["support.contract.renewal"]._cron_process()
        cls.renewal = cls.contract.renewal_ids
        Lot = cls.env["support.credit.lot"]
        Lot._grant(cls.owner, 300, today + timedelta(days=200), "Owner credits")
        Lot._grant(cls.owner, 45, today + timedelta(days=10), "Owner credits expiring")
        Lot._grant(cls.coowner, 77, today + timedelta(days=200), "Coowner credits")
        cls.ticket = cls.env["helpdesk.ticket"].create(
            {
                "name": "Owner's open ticket",
                "description": "x",
                "partner_id": cls.users["owner"].partner_id.id,
                "support_deployment_id": cls.deployment.id,
            }
        )

    def _login(self, key):
        self.authenticate(f"portal_{key}", f"portal_{key}_pw")

    def test_home_tiles_have_pictograms(self):
        """Each support tile on /my shows a pictogram of the portal's size
        (64 px, as Odoo's own), not the app icon at 256 px."""
        self._login("owner")
        tree = lxml_html.fromstring(self.url_open("/my").content)
        icons = {}
        for href in ("/my/support", "/my/support/credits", "/my/support/cards"):
            (tile,) = tree.xpath(
                f"//div[contains(@class, 'o_portal_index_card')]/a[@href='{href}']"
            )
            (src,) = tile.xpath(".//div[contains(@class, 'o_portal_icon')]/img/@src")
            icons[href] = src
        self.assertEqual(len(set(icons.values())), 3, "one pictogram per tile")
        for src in icons.values():
            response = self.url_open(src)
            self.assertEqual(response.status_code, 200, src)
            svg = lxml_etree.fromstring(response.content)
            self.assertEqual((svg.get("width"), svg.get("height")), ("64", "64"), src)

    def test_home_tile_and_overview(self):
        self._login("owner")
        home = self.url_open("/my")
        self.assertEqual(home.status_code, 200)
        self.assertIn("/my/support", home.text)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["support_deployment_count"]}
        )
        self.assertEqual(counters["support_deployment_count"], 1)
        page = self.url_open("/my/support")
        self.assertEqual(page.status_code, 200)
        self.assertIn("345", page.text, "the balance")
        self.assertIn("o_support_expiring", page.text)
        self.assertIn(
            ">45<",
            page.text.replace("\n", "").replace(" ", ""),
            "credits expiring within 30 days",
        )
        self.assertIn("ACCOUNT-DEP-1", page.text)
        self.assertNotIn("ACCOUNT-FOREIGN", page.text)
        self.assertIn("renews on", page.text)
        self.assertIn("Owner&#39;s open ticket", page.text)

    def test_overview_of_a_coowner_shows_its_own_credits_only(self):
        self._login("coowner")
        page = self.url_open("/my/support")
        self.assertEqual(page.status_code, 200)
        self.assertIn("ACCOUNT-DEP-1", page.text, "a co-owned deployment")
        self.assertIn('o_support_balance">77<', page.text)
        # the owner's 345 credits appear nowhere as a figure (the page's random
        # CSRF token may contain those digits)
        self.assertNotIn(">345<", page.text)
        self.assertNotIn('o_support_balance">345', page.text)
        self.assertNotIn("renews on", page.text, "the owner's renewals are the owner's")

    def test_deployments_list(self):
        self._login("owner")
        page = self.url_open("/my/support/deployments")
        self.assertEqual(page.status_code, 200)
        self.assertIn("ACCOUNT-DEP-1", page.text)
        self.assertIn("Portal Account Plan", page.text)
        self.assertNotIn("ACCOUNT-FOREIGN", page.text)
        self._login("stranger")
        page = self.url_open("/my/support/deployments/page/1")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("ACCOUNT-DEP-1", page.text)
        self.assertIn("ACCOUNT-FOREIGN", page.text)

    def test_deployment_page_for_the_owner(self):
        self._login("owner")
        page = self.url_open(f"/my/support/deployments/{self.deployment.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Renews on", page.text)
        self.assertIn(
            f"{self.renewal.amount:,.2f}",
            page.text,
            "the renewal amount, taxes included",
        )
        self.assertIn(
            self.renewal.order_id.sudo().get_portal_url().split("?")[0], page.text
        )
        self.assertIn("o_support_auto_renew_off_form", page.text)
        self.assertIn("Too expensive", page.text, "the managers' reasons")
        self.assertIn("Owner&#39;s open ticket", page.text)
        self.assertIn("o_support_term_row", page.text)

    def test_deployment_page_for_a_coowner(self):
        self._login("coowner")
        page = self.url_open(f"/my/support/deployments/{self.deployment.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(
            "Only Owner Org, the owner, can change its auto-renewal", page.text
        )
        self.assertNotIn("o_support_auto_renew_off_form", page.text)
        self.assertNotIn(
            f"{self.renewal.amount:,.2f}", page.text, "never the owner's money"
        )

    @mute_logger("odoo.http")
    def test_foreign_or_missing_deployment_not_found(self):
        self._login("stranger")
        self.assertEqual(
            self.url_open(f"/my/support/deployments/{self.deployment.id}").status_code,
            404,
        )
        self.assertEqual(
            self.url_open("/my/support/deployments/999999999").status_code, 404
        )

    def _auto_renew(self, turn, csrf=True, deployment=None, contract=None, **extra):
        data = {"contract_id": (contract or self.contract).id, "turn": turn, **extra}
        if csrf:
            data["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(
            f"/my/support/deployments/{(deployment or self.deployment).id}/auto-renew",
            data=data,
            allow_redirects=False,
        )

    @mute_logger("odoo.http")
    def test_auto_renew_refuses_get_missing_csrf_coowner_and_foreign(self):
        self._login("owner")
        response = self.url_open(
            f"/my/support/deployments/{self.deployment.id}/auto-renew?contract_id={self.contract.id}&turn=off",
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 405)
        self.assertEqual(self._auto_renew("off", csrf=False).status_code, 400)
        self.assertEqual(
            self._auto_renew(
                "off", deployment=self.foreign, contract=self.foreign_contract
            ).status_code,
            404,
        )
        self._login("coowner")
        self.assertEqual(self._auto_renew("off").status_code, 403)
        self._login("stranger")
        self.assertEqual(self._auto_renew("off").status_code, 404)
        self.assertTrue(self.contract.auto_renew)
        self.assertTrue(self.foreign_contract.auto_renew)
        self.assertEqual(self.renewal.state, "quoted")

    def test_owner_turns_auto_renew_off_then_on(self):
        self._login("owner")
        reason = self.env.ref("support_contract.renewal_reason_decommissioned")
        response = self._auto_renew("off", reason_id=reason.id)
        self.assertEqual(response.status_code, 303)
        self.assertFalse(self.contract.auto_renew)
        self.assertRecordValues(
            self.renewal, [{"state": "declined", "reason_id": reason.id}]
        )
        self.assertEqual(self.renewal.order_id.state, "cancel")
        note = self.contract.message_ids.filtered(
            lambda m: "Auto-renewal turned off by" in str(m.body)
        )
        self.assertEqual(
            note.author_id,
            self.users["owner"].partner_id,
            "the chatter records who did it",
        )
        self.assertIn("Deployment decommissioned", str(note.body))
        page = self.url_open(response.headers["Location"])
        self.assertIn("auto-renewal off", page.text)
        self.assertIn("nothing is refunded", page.text)
        response = self._auto_renew("on")
        self.assertEqual(response.status_code, 303)
        self.assertTrue(self.contract.auto_renew)
        self.assertEqual(self.renewal.state, "due")

    def test_renewal_order_page_and_pdf_say_what_the_line_covers(self):
        self._login("owner")
        order = self.renewal.order_id
        url = order.sudo().get_portal_url()
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_support_line_summary", page.text)
        self.assertIn("Deployment: ACCOUNT-DEP-1", page.text)
        self.assertIn("Period:", page.text)
        pdf = self.url_open(url + "&report_type=pdf")
        self.assertEqual(pdf.status_code, 200)
        self.assertIn(
            "Deployment: ACCOUNT-DEP-1", pdf.text
        )  # rendered as HTML in test mode

    def test_ticket_page_shows_plan_priority_time_and_credits(self):
        employee = self.env["hr.employee"].create({"name": "Portal Engineer"})
        self.ticket.priority = "3"
        self.env["account.analytic.line"].create(
            {
                "ticket_id": self.ticket.id,
                "unit_amount": 0.5,
                "name": "Diagnosis",
                "employee_id": employee.id,
            }
        )
        self._login("owner")
        page = self.url_open(f"/my/ticket/{self.ticket.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Portal Account Plan", page.text)
        self.assertIn("Blocker", page.text)
        self.assertIn(
            "critically impacted", page.text, "the priority's written definition"
        )
        self.assertIn("00:30", page.text, "time logged")
        self.assertIn("Credits consumed:", page.text)

    def test_new_ticket_form_offers_priorities_with_definitions(self):
        self._login("owner")
        page = self.url_open("/new/ticket")
        self.assertEqual(page.status_code, 200)
        for text in ("Blocker", "High", "Medium", "Low", "The system is degraded."):
            self.assertIn(text, page.text)
        response = self.url_open(
            "/submitted/ticket",
            data={
                "subject": "Urgent portal ticket",
                "description": "Down",
                "priority": "3",
                "support_deployment": self.deployment.id,
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )
        self.assertIn(response.status_code, (302, 303))
        ticket = self.env["helpdesk.ticket"].search(
            [("name", "=", "Urgent portal ticket")]
        )
        self.assertEqual(ticket.priority, "3")


@tagged("post_install", "-at_install")
class TestPortalHourlyOrder(SupportCase, HttpCase):
    def test_hourly_support_order_shows_the_hours_and_their_amount(self):
        org = self._create_organization("Hourly Org")
        user = self._create_portal_user("portal_hourly", org)
        deployment = self.env["support.deployment"].create(
            {"name": "HOURLY-DEP", "partner_id": org.id}
        )
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "Uncovered",
                "description": "x",
                "partner_id": user.partner_id.id,
                "support_deployment_id": deployment.id,
            }
        )
        employee = self.env["hr.employee"].create({"name": "Hourly Engineer"})
        line = self.env["account.analytic.line"].create(
            {
                "ticket_id": ticket.id,
                "unit_amount": 1.5,
                "name": "Work",
                "employee_id": employee.id,
            }
        )
        order = line.support_sale_line_id.order_id
        self.assertEqual(line.support_sale_line_id.product_uom_qty, 1.5)
        self.assertGreater(order.amount_untaxed, 0)
        order.message_subscribe(partner_ids=user.partner_id.ids)
        self.authenticate("portal_hourly", "portal_hourly_pw")
        page = self.url_open(order.get_portal_url())
        self.assertEqual(page.status_code, 200)
        self.assertIn("1.50 hours delivered", page.text)
        self.assertIn(f"{order.amount_untaxed:,.2f}", page.text)


@tagged("post_install", "-at_install")
class TestPortalAccountTour(SupportCase, HttpCase):
    def test_customer_turns_auto_renew_off_and_downloads_the_statement(self):
        today = fields.Date.context_today(self.env.user)
        org = self._create_organization("Tour Owner Org", email="t@example.com")
        self._create_portal_user("portal_tour", org)
        plan = self.env["support.plan"].create({"name": "Tour Plan"})
        self._create_contract_product("Tour contract", plan, list_price=100.0)
        deployment = self.env["support.deployment"].create(
            {"name": "ACCOUNT-TOUR-1", "partner_id": org.id}
        )
        contract = self.env["support.contract"].create(
            {
                "deployment_id": deployment.id,
                "plan_id": plan.id,
                "date_start": today - timedelta(days=300),
                "date_end": today + timedelta(days=20),
            }
        )
        self._run_cron(CRON_RENEWAL)
        self.env["support.credit.lot"]._grant(
            org, 345, today + timedelta(days=200), "Tour credits"
        )
        self.start_tour(
            "/my/support", "support_contract_account_tour", login="portal_tour"
        )
        self.assertFalse(contract.auto_renew)
        self.assertEqual(
            contract.renewal_ids.reason_id,
            self.env.ref("support_contract.renewal_reason_price"),
        )

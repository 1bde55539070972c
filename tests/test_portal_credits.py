import json
from datetime import datetime, time, timedelta
from unittest.mock import patch
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from lxml import html as lxml_html

from odoo import fields
from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.support_contract.controllers.portal_credits import SupportCreditPortal

from .common import SupportCase, cron_progress

REPORT = "support_contract.res_partner_action_report_support_statement"


@tagged("post_install", "-at_install")
class TestPortalCredits(SupportCase, HttpCase):
    """The organization's credits in the portal (/my/support/credits), its
    statement (PDF, portal and backend), as real logged-in users.

    The ledger of Alpha, T = today (oldest first, balance after each move):

    ====  ======  ==============================  ======  =======
    day   type    what                            qty     balance
    ====  ======  ==============================  ======  =======
    T-100 grant   Old pack (expires T-30)         +50     50
    T-100 consume Old consumption                 -20     30
    T-10  expire  (cron)                          -30     0
    T-5   grant   Premium term (order, exp T+20)  +120    120
    T-5   grant   Card credits (card, exp T+200)  +60     180
    T-2   consume Ticket time (ticket)            -30     150
    T-1   refund  Product bug escalated to R&D    +30     180
    T     consume Phone support (origin)          -10     170
    ====  ======  ==============================  ======  =======
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.org_a = cls._create_organization("Alpha Credits Org")
        cls.org_b = cls._create_organization("Beta Credits Org")
        cls.org_co = cls._create_organization("Gamma Reseller")
        cls.user_a = cls._create_portal_user("credits_alpha", cls.org_a, tz="UTC")
        cls.user_b = cls._create_portal_user("credits_beta", cls.org_b, tz="UTC")
        cls.user_co = cls._create_portal_user("credits_gamma", cls.org_co, tz="UTC")
        # today as the users see it (UTC), not as the superuser's time zone
        # does: they differ for an hour or two around midnight
        cls.today = fields.Date.context_today(env.user.with_context(tz="UTC"))
        cls.accountant = new_test_user(
            env,
            login="credits_accountant",
            groups="base.group_user,account.group_account_invoice",
            tz="UTC",
        )
        cls.employee = new_test_user(
            env, login="credits_employee", groups="base.group_user", tz="UTC"
        )
        # the co-owner may open tickets on Alpha's deployment, never see its credits
        env["support.deployment"].create(
            {
                "name": "CREDITS-SHARED-1",
                "partner_id": cls.org_a.id,
                "coowner_ids": [Command.set(cls.org_co.ids)],
            }
        )

        product = env["product.product"].create(
            {"name": "Support pack (credits test)", "type": "service"}
        )
        cls.order = env["sale.order"].create(
            {
                "partner_id": cls.org_a.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 1})
                ],
            }
        )
        cls.card = env["support.credit.card"].create(
            {"credits": 60, "buyer_partner_id": cls.org_b.id}
        )
        cls.ticket = env["helpdesk.ticket"].create(
            {
                "name": "Printer on fire",
                "description": "<p>It burns.</p>",
                "partner_id": cls.user_a.partner_id.id,
            }
        )

        Lot = env["support.credit.lot"].sudo()
        Move = env["support.credit.move"].sudo()
        T = cls.today

        def at(days):
            return freeze_time(datetime.combine(T - timedelta(days=days), time(12, 0)))

        with at(100):
            cls.lot_old = Lot._grant(cls.org_a, 50, T - timedelta(days=30), "Old pack")
            Lot._consume(cls.org_a, 20, "Old consumption")
        with at(10), cron_progress(env):
            Lot._cron_expire()
        with at(5):
            cls.lot_soon = Lot._grant(
                cls.org_a,
                120,
                T + timedelta(days=20),
                "Premium term",
                sale_line_id=cls.order.order_line.id,
            )
            cls.lot_later = Lot._grant(
                cls.org_a,
                60,
                T + timedelta(days=200),
                "Card credits",
                card_id=cls.card.id,
            )
        with at(2):
            cls.ticket_moves, _uncovered = Lot._consume(
                cls.org_a, 30, "Ticket time", ticket_id=cls.ticket.id
            )
        with at(1):
            cls.refund = Move._refund(cls.ticket_moves, "Product bug escalated to R&D")
        with at(0):  # at noon: the same day in every time zone the tests read
            Lot._consume(cls.org_a, 10, "Phone support", origin="PHONE-42")
        cls.moves_a = Move.search([("partner_id", "=", cls.org_a.id)], order="date, id")
        # Beta's own credits
        Lot._grant(cls.org_b, 777, T + timedelta(days=100), "Beta secret pack")
        env.invalidate_all()

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _login(self, user):
        self.authenticate(user.login, user.login + "_pw")

    def _page(self, url="/my/support/credits"):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return response.text, lxml_html.fromstring(response.content)

    def _rows(self, tree):
        """[(move id, quantity text, balance)] of the history table."""
        return [
            (
                int(row.get("data-move-id")),
                row.xpath(".//td[contains(@class, 'o_support_move_quantity')]")[0]
                .text_content()
                .strip(),
                int(
                    row.xpath(".//td[contains(@class, 'o_support_move_balance')]")[
                        0
                    ].text_content()
                ),
            )
            for row in tree.xpath("//tr[contains(@class, 'o_support_move_row')]")
        ]

    def _statement_html(self, partner, date_from, date_to, user=None):
        Report = self.env["ir.actions.report"]
        if user:
            Report = Report.with_user(user)
        content, _type = Report._render_qweb_html(
            REPORT,
            partner.ids,
            data={
                "date_from": fields.Date.to_string(date_from),
                "date_to": fields.Date.to_string(date_to),
                "company_id": self.env.company.id,
            },
        )
        return lxml_html.fromstring(content)

    def _text(self, tree, css_class):
        return [
            node.text_content().strip()
            for node in tree.xpath(f"//*[contains(@class, '{css_class}')]")
        ]

    # ------------------------------------------------------------------
    # /my/support/credits
    # ------------------------------------------------------------------
    def test_credits_page(self):
        self._login(self.user_a)
        page, tree = self._page()
        self.assertEqual(self._text(tree, "o_support_credit_balance"), ["170"])
        self.assertIn("Alpha Credits Org", page)
        # open lots, soonest expiry first and highlighted; the expired one is gone
        lots = tree.xpath("//tr[contains(@class, 'o_support_lot_row')]")
        self.assertEqual(len(lots), 2)
        self.assertIn("o_support_lot_soonest", lots[0].get("class"))
        self.assertIn("Premium term", lots[0].text_content())
        self.assertIn("Expires first", lots[0].text_content())
        self.assertNotIn("o_support_lot_soonest", lots[1].get("class"))
        self.assertEqual(self._text(tree, "o_support_lot_remaining"), ["110", "60"])
        self.assertNotIn("Old pack", tree.xpath("//table")[0].text_content())
        # the history, newest first, signed, with the running balance
        moves = self.moves_a
        self.assertEqual(
            self._rows(tree),
            [
                (moves[7].id, "-10", 170),
                (moves[6].id, "+30", 180),
                (moves[5].id, "-30", 150),
                (moves[4].id, "+60", 180),
                (moves[3].id, "+120", 120),
                (moves[2].id, "-30", 0),
                (moves[1].id, "-20", 30),
                (moves[0].id, "+50", 50),
            ],
        )
        self.assertEqual(
            moves.mapped("move_type"),
            [
                "grant",
                "consume",
                "expire",
                "grant",
                "grant",
                "consume",
                "refund",
                "consume",
            ],
        )
        text = tree.text_content()
        for label in (
            "Grant",
            "Consumption",
            "Refund",
            "Expiry",
            "Product bug escalated to R&D",
            "PHONE-42",
            self.card.display_name,
        ):
            self.assertIn(label, text)
        # origins: the ticket (consumption and its refund) and the order, linked
        self.assertEqual(page.count(f'href="/my/ticket/{self.ticket.id}"'), 2)
        self.assertIn(f'href="/my/orders/{self.order.id}"', page)
        self.assertIn(self.order.name, page)
        # the statement form
        form = tree.xpath("//form[contains(@class, 'o_support_statement_form')]")[0]
        self.assertEqual(form.get("action"), "/my/support/credits/statement")
        self.assertEqual(form.get("method"), "get")
        self.assertEqual(
            form.xpath(".//input[@name='date_to']")[0].get("value"), str(self.today)
        )
        self.assertNotIn("Beta secret pack", page)

    def test_links_only_to_what_the_user_can_open(self):
        """An order of another organization (e.g. a reseller's order whose
        credits were granted to Alpha) shows its name without a link."""
        self.order.partner_id = self.org_b
        self._login(self.user_a)
        page, _tree = self._page()
        self.assertNotIn(f'href="/my/orders/{self.order.id}"', page)
        self.assertIn(self.order.name, page)

    def test_paging(self):
        moves = self.moves_a
        self._login(self.user_a)
        with patch.object(SupportCreditPortal, "_items_per_page", 3):
            _page, tree = self._page()
            self.assertEqual([row[0] for row in self._rows(tree)], moves[7:4:-1].ids)
            self.assertTrue(tree.xpath("//a[@href='/my/support/credits/page/2']"))
            _page, tree = self._page("/my/support/credits/page/2")
            self.assertEqual(
                self._rows(tree),
                [
                    (moves[4].id, "+60", 180),
                    (moves[3].id, "+120", 120),
                    (moves[2].id, "-30", 0),
                ],
            )
            _page, tree = self._page("/my/support/credits/page/3")
            self.assertEqual(
                self._rows(tree), [(moves[1].id, "-20", 30), (moves[0].id, "+50", 50)]
            )
            # past the last page: the last page
            _page, tree = self._page("/my/support/credits/page/9")
            self.assertEqual([row[0] for row in self._rows(tree)], moves[1::-1].ids)

    def test_running_balance_costs_no_query_per_move(self):
        Move = self.env["support.credit.move"].with_user(self.user_a)

        def history(offset, limit):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            result = Move._support_history(
                self.org_a, self.env.company, offset=offset, limit=limit
            )
            return result, self.env.cr.sql_log_count - before

        history(0, 1)  # warm the caches that outlive invalidate_all (rules, ...)
        (moves, balances, count), queries = history(0, 80)
        self.assertEqual(count, 8)
        self.assertEqual(balances, [170, 180, 150, 180, 120, 0, 30, 50])
        self.assertEqual(moves.ids, self.moves_a[::-1].ids)
        (moves, balances, _count), queries_of_two = history(2, 2)
        self.assertEqual(balances, [150, 180])
        self.assertEqual(moves.ids, self.moves_a[5:3:-1].ids)
        self.assertEqual(queries, queries_of_two, "the same queries for 2 or 8 moves")
        self.assertLessEqual(queries, 6)

    def test_other_organization_sees_only_its_own(self):
        self._login(self.user_b)
        page, tree = self._page()
        self.assertEqual(self._text(tree, "o_support_credit_balance"), ["777"])
        self.assertIn("Beta secret pack", page)
        self.assertEqual(len(self._rows(tree)), 1)
        for secret in (
            "Alpha Credits Org",
            "Premium term",
            "Printer on fire",
            "Product bug",
            "PHONE-42",
            self.order.name,
        ):
            self.assertNotIn(secret, page)
        self.assertNotIn(f"/my/ticket/{self.ticket.id}", page)

    def test_coowner_never_sees_the_owners_credits(self):
        self._login(self.user_co)
        page, tree = self._page()
        self.assertEqual(self._text(tree, "o_support_credit_balance"), ["0"])
        self.assertFalse(self._rows(tree))
        self.assertFalse(tree.xpath("//tr[contains(@class, 'o_support_lot_row')]"))
        self.assertIn("No credit has been granted", page)
        for secret in ("Alpha Credits Org", "Premium term", "Printer on fire"):
            self.assertNotIn(secret, page)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["support_credit_balance"]}
        )
        self.assertEqual(counters["support_credit_balance"], 0)
        # nor in the statement
        response = self.url_open("/my/support/credits/statement")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("Premium term", response.text)
        self.assertNotIn("Alpha Credits Org", response.text)

    def test_home_tile_and_counter(self):
        self._login(self.user_a)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["support_credit_balance"]}
        )
        self.assertEqual(counters, {"support_credit_balance": 170})
        home = self.url_open("/my").text
        self.assertIn('href="/my/support/credits"', home)
        self.assertIn('data-placeholder_count="support_credit_balance"', home)
        # not computed unless asked for
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["support_card_count"]}
        )
        self.assertNotIn("support_credit_balance", counters)

    def test_anonymous_is_sent_to_login(self):
        for url in ("/my/support/credits", "/my/support/credits/statement"):
            response = self.url_open(url, allow_redirects=False)
            self.assertIn(response.status_code, (302, 303))
            self.assertIn("/web/login", response.headers["Location"])

    # ------------------------------------------------------------------
    # the statement
    # ------------------------------------------------------------------
    def test_statement_figures(self):
        T = self.today
        tree = self._statement_html(
            self.org_a, T - timedelta(days=12), T - timedelta(days=3)
        )
        self.assertEqual(
            self._text(tree, "o_statement_organization"), ["Alpha Credits Org"]
        )
        self.assertEqual(self._text(tree, "o_statement_opening_balance"), ["30"])
        self.assertEqual(
            self._text(tree, "o_statement_quantity"), ["-30", "+120", "+60"]
        )
        self.assertEqual(self._text(tree, "o_statement_balance"), ["0", "120", "180"])
        self.assertEqual(self._text(tree, "o_statement_closing_balance"), ["180"])
        moves_text = " ".join(self._text(tree, "o_statement_move"))
        self.assertIn("Expiry", moves_text)
        self.assertIn(f"Order {self.order.name}", moves_text)
        self.assertIn(self.card.display_name, moves_text)
        self.assertNotIn("Old consumption", moves_text)
        self.assertNotIn("Phone support", moves_text)
        # what it held at the end of the period, expiring within 30 days after
        self.assertEqual(self._text(tree, "o_statement_expiring_credits"), ["120"])
        self.assertIn(
            "Premium term", " ".join(self._text(tree, "o_statement_expiring_lot"))
        )
        # the last 12 months: from nothing to today's balance
        tree = self._statement_html(self.org_a, T - timedelta(days=364), T)
        self.assertEqual(self._text(tree, "o_statement_opening_balance"), ["0"])
        self.assertEqual(self._text(tree, "o_statement_closing_balance"), ["170"])
        self.assertEqual(len(self._text(tree, "o_statement_quantity")), 8)
        self.assertIn(
            f"Ticket {self.ticket.number}: Printer on fire",
            " ".join(self._text(tree, "o_statement_move")),
        )
        self.assertEqual(self._text(tree, "o_statement_expiring_credits"), ["110"])
        # a period without moves
        tree = self._statement_html(
            self.org_a, T - timedelta(days=60), T - timedelta(days=50)
        )
        self.assertEqual(self._text(tree, "o_statement_opening_balance"), ["30"])
        self.assertEqual(self._text(tree, "o_statement_closing_balance"), ["30"])
        self.assertFalse(self._text(tree, "o_statement_quantity"))

    def test_statement_download(self):
        """The portal route answers a PDF for the user's organization and the
        asked period (the PDF engine is replaced by the HTML rendering of the
        same report and data, checked here; a real PDF is rendered in
        test_statement_real_pdf)."""
        Report = type(self.env["ir.actions.report"])
        rendered = {}

        def render_pdf(report, report_ref, res_ids=None, data=None):
            content, _type = report._render_qweb_html(
                report_ref, res_ids, data=dict(data or {})
            )
            rendered.update(ids=res_ids, data=data, html=content)
            return b"%PDF-1.4 statement", "pdf"

        T = self.today
        self._login(self.user_a)
        with patch.object(Report, "_render_qweb_pdf", render_pdf):
            response = self.url_open(
                "/my/support/credits/statement"
                f"?date_from={T - timedelta(days=12)}&date_to={T - timedelta(days=3)}"
            )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertIn(".pdf", response.headers["Content-Disposition"])
        self.assertEqual(response.content, b"%PDF-1.4 statement")
        self.assertEqual(rendered["ids"], self.org_a.ids)
        tree = lxml_html.fromstring(rendered["html"])
        self.assertEqual(self._text(tree, "o_statement_opening_balance"), ["30"])
        self.assertEqual(self._text(tree, "o_statement_closing_balance"), ["180"])
        # default period: the last 12 months
        with patch.object(Report, "_render_qweb_pdf", render_pdf):
            response = self.url_open("/my/support/credits/statement")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(rendered["data"]["date_to"], str(T))
        self.assertEqual(
            rendered["data"]["date_from"],
            str(T - relativedelta(years=1) + timedelta(days=1)),
        )
        tree = lxml_html.fromstring(rendered["html"])
        self.assertEqual(self._text(tree, "o_statement_closing_balance"), ["170"])

    def test_statement_real_pdf(self):
        T = self.today
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                REPORT,
                self.org_a.ids,
                data={
                    "date_from": str(T - timedelta(days=364)),
                    "date_to": str(T),
                    "company_id": self.env.company.id,
                },
            )
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        with open("/tmp/support_credit_statement_test.pdf", "wb") as file:
            file.write(pdf)

    @mute_logger("odoo.http")
    def test_statement_bad_dates(self):
        self._login(self.user_a)
        for query, message in (
            ("date_from=yesterday", "YYYY-MM-DD"),
            ("date_from=2025-02-30&date_to=2025-03-31", "YYYY-MM-DD"),
            ("date_to=31/12/2025", "YYYY-MM-DD"),
            ("date_from=2025-06-01&date_to=2025-01-01", "on or before the end date"),
            ("date_from=0001-01-01&date_to=2025-01-01", "between the years"),
        ):
            with self.subTest(query=query):
                response = self.url_open(f"/my/support/credits/statement?{query}")
                self.assertEqual(response.status_code, 400)
                self.assertIn("o_support_statement_error", response.text)
                self.assertIn(message, response.text)
                self.assertIn("text/html", response.headers["Content-Type"])

    def test_backend_wizard_for_accountant(self):
        T = self.today
        contact = self.user_a.partner_id.with_user(self.accountant)
        arch = contact.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("action_open_support_credit_statement", arch)
        action = contact.action_open_support_credit_statement()
        self.assertEqual(action["res_model"], "support.credit.statement.wizard")
        self.assertEqual(action["target"], "new")
        wizard = (
            self.env["support.credit.statement.wizard"]
            .with_user(self.accountant)
            .with_context(**action["context"])
            .create(
                {"date_from": T - timedelta(days=12), "date_to": T - timedelta(days=3)}
            )
        )
        self.assertEqual(wizard.partner_id, self.org_a)
        report_action = wizard.action_print()
        self.assertEqual(report_action["type"], "ir.actions.report")
        self.assertEqual(
            report_action["report_name"],
            "support_contract.report_support_credit_statement",
        )
        self.assertEqual(report_action["context"]["active_ids"], self.org_a.ids)
        # as the web client asks for it: /report/pdf/<report>?options=<data>,
        # without record ids
        content, _type = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            ._render_qweb_html(
                report_action["report_name"],
                None,
                data=dict(report_action["data"]),
            )
        )
        tree = lxml_html.fromstring(content)
        self.assertEqual(
            self._text(tree, "o_statement_organization"), ["Alpha Credits Org"]
        )
        self.assertEqual(self._text(tree, "o_statement_opening_balance"), ["30"])
        self.assertEqual(self._text(tree, "o_statement_closing_balance"), ["180"])
        self.assertEqual(self._text(tree, "o_statement_expiring_credits"), ["120"])
        # and through the report controller, logged in
        self.authenticate("credits_accountant", "credits_accountant")
        response = self.url_open(
            "/report/html/support_contract.report_support_credit_statement?"
            + urlencode(
                {
                    "options": json.dumps(report_action["data"]),
                    "context": json.dumps({"lang": "en_US"}),
                }
            )
        )
        self.assertEqual(response.status_code, 200)
        tree = lxml_html.fromstring(response.content)
        self.assertEqual(self._text(tree, "o_statement_closing_balance"), ["180"])
        # defaults: the last 12 months
        wizard = (
            self.env["support.credit.statement.wizard"]
            .with_user(self.accountant)
            .create(
                {"partner_id": self.org_a.id},
            )
        )
        self.assertEqual(wizard.date_to, T)
        self.assertLess(wizard.date_from, T - timedelta(days=360))

    def test_statement_refused_to_other_internal_users(self):
        with self.assertRaises(AccessError):
            self._statement_html(
                self.org_a,
                self.today - timedelta(days=30),
                self.today,
                user=self.employee,
            )

    # ------------------------------------------------------------------
    # The existing customer routes, as a portal user
    # ------------------------------------------------------------------
    def _customer_routes(self):
        card = self.env["support.credit.card"].create(
            {"credits": 30, "buyer_partner_id": self.org_a.id}
        )
        return [
            "/my",
            "/my/support/cards",
            f"/my/support/cards/{card.id}",
            f"/my/support/cards/{card.id}?report_type=html",
            "/my/support/cards/claim",
            "/my/tickets",
            f"/my/ticket/{self.ticket.id}",
            "/new/ticket",
            "/my/support/credits",
            "/my/support/credits/statement",
        ]

    def test_existing_customer_routes(self):
        self._login(self.user_a)
        for url in self._customer_routes():
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200, url)

    def test_card_print_pdf_route(self):
        """KNOWN FAILURE (not fixed here: controllers/portal.py and the card
        model belong to another change). The card page's Print and Download
        buttons (``/my/support/cards/<id>?report_type=pdf[&download=true]``)
        answer 500: portal's ``_show_report`` builds the PDF's file name with
        ``model._get_report_base_filename()``, which ``support.credit.card``
        does not have (it inherits ``mail.thread``, not ``portal.mixin``, and
        defines no such method): AttributeError after the PDF was rendered."""
        card = self.env["support.credit.card"].create(
            {"credits": 30, "buyer_partner_id": self.org_a.id}
        )
        self._login(self.user_a)
        for query in ("report_type=pdf", "report_type=pdf&download=true"):
            with self.subTest(query=query), mute_logger("odoo.http"):
                response = self.url_open(f"/my/support/cards/{card.id}?{query}")
                self.assertEqual(response.status_code, 200)
                self.assertIn(card.code_display, response.text)

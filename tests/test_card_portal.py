from odoo import http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import KNOWN_CODE, CardClaimCase


@tagged("post_install", "-at_install")
class TestCardPortal(CardClaimCase, HttpCase):
    """The portal pages as real logged-in portal users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bought = cls.env["support.credit.card"].create(
            [
                {"credits": 60, "buyer_partner_id": cls.buyer_contact.id},
                {
                    "credits": 90,
                    "buyer_partner_id": cls.buyer.id,
                    "expiry_date": "2030-06-30",
                },
            ]
        )
        cls.foreign = cls.env["support.credit.card"].create(
            {"credits": 45, "buyer_partner_id": cls.third.id},
        )

    def _post_claim(self, code):
        response = self.url_open(
            "/my/support/cards/claim",
            data={
                "code": code,
                "csrf_token": http.Request.csrf_token(self),
            },
        )
        self.assertEqual(response.status_code, 200)
        return response.text

    # ------------------------------------------------------------------
    # Pages of the buyer organization
    # ------------------------------------------------------------------

    def test_list_shows_the_organizations_cards_with_codes(self):
        self.bought[0].with_user(self.claimer_user)._claim_code(
            self.bought[0].code,
            self.claimer_contact,
        )
        self.authenticate("card_buyer_portal", "card_buyer_portal")
        response = self.url_open("/my/support/cards")
        self.assertEqual(response.status_code, 200)
        page = response.text
        for card in self.bought:
            self.assertIn(card.code_display, page)
            self.assertIn(card.display_name, page)
        self.assertIn("06/30/2030", page)
        self.assertIn("Globex", page, "who claimed it")
        self.assertIn("Claimed", page)
        self.assertNotIn(self.foreign.code_display, page)
        self.assertNotIn(self.foreign.display_name, page)

    @mute_logger("odoo.http")
    def test_claimer_sees_the_cards_it_claimed_without_their_code(self):
        card = self.bought[0]
        card.with_user(self.claimer_user)._claim_code(card.code, self.claimer_contact)
        self.authenticate("card_claimer_portal", "card_claimer_portal")
        page = self.url_open("/my/support/cards").text
        self.assertIn("Cards your organization claimed", page)
        self.assertIn(card.display_name, page)
        self.assertIn(card.buyer_partner_id.name, page, "who bought it")
        self.assertNotIn(card.code_display, page, "never the code")
        self.assertNotIn(self.bought[1].display_name, page)
        self.assertEqual(self.url_open(f"/my/support/cards/{card.id}").status_code, 404)
        with self.assertRaises(AccessError):
            card.with_user(self.claimer_user).read(["code"])

    def test_home_counter(self):
        self.authenticate("card_buyer_portal", "card_buyer_portal")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["support_card_count"]}
        )
        self.assertEqual(counters["support_card_count"], 2)
        self.assertIn("/my/support/cards", self.url_open("/my").text)

    def test_card_page_and_print(self):
        card = self.bought[1]
        self.authenticate("card_buyer_portal", "card_buyer_portal")
        response = self.url_open(f"/my/support/cards/{card.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(card.code_display, response.text)
        self.assertIn("?report_type=pdf", response.text)
        # test mode renders the report as HTML
        response = self.url_open(f"/my/support/cards/{card.id}?report_type=html")
        self.assertEqual(response.status_code, 200)
        self.assertIn(card.code_display, response.text)
        self.assertIn("How to claim this card", response.text)

    def test_other_organizations_card_is_not_found(self):
        self.authenticate("card_claimer_portal", "card_claimer_portal")
        for url in (
            f"/my/support/cards/{self.bought[0].id}",
            f"/my/support/cards/{self.bought[0].id}?report_type=pdf",
            f"/my/support/cards/{self.bought[0].id}?report_type=html",
            "/my/support/cards/999999999",
        ):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(self.bought[0].code_display, response.text)
        page = self.url_open("/my/support/cards").text
        self.assertIn("has not bought any Support Credit Card", page)
        for card in self.bought | self.foreign:
            self.assertNotIn(card.code_display, page)

    def test_anonymous_is_sent_to_login(self):
        response = self.url_open("/my/support/cards/claim", allow_redirects=False)
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])

    # ------------------------------------------------------------------
    # Claim
    # ------------------------------------------------------------------

    def test_claim_success(self):
        card = self.bought[1]
        self.authenticate("card_claimer_portal", "card_claimer_portal")
        form = self.url_open("/my/support/cards/claim").text
        self.assertIn('name="csrf_token"', form)
        self.assertIn("Globex", form)
        page = self._post_claim(card.code_display.lower())
        self.assertIn("o_support_claim_success", page)
        self.assertIn("90 credits now belong to Globex", page)
        self.assertRegex(page, r'o_support_balance">\s*90\s*<')
        self.assertRecordValues(
            card,
            [
                {
                    "state": "claimed",
                    "claimed_partner_id": self.claimer.id,
                    "claimed_by_user_id": self.claimer_user.id,
                }
            ],
        )
        self.assertEqual(self.claimer.sudo().support_credit_balance, 90)
        attempt = self.Attempt.sudo().search([("user_id", "=", self.claimer_user.id)])
        self.assertRecordValues(
            attempt, [{"reason": "success", "remote_addr": "127.0.0.1"}]
        )

    def test_claim_failures(self):
        expired = self.Card.create(
            {
                "credits": 10,
                "buyer_partner_id": self.buyer.id,
                "expiry_date": "2020-01-31",
            }
        )
        cancelled = self.Card.create({"credits": 10, "buyer_partner_id": self.buyer.id})
        cancelled.action_cancel()
        claimed = self.Card.create({"credits": 10, "buyer_partner_id": self.buyer.id})
        claimed.with_user(self.third_user)._claim_code(claimed.code, self.third_contact)
        self.authenticate("card_claimer_portal", "card_claimer_portal")
        for code, message in (
            ("ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ", "This code is not valid"),
            (expired.code, "This card expired on 01/31/2020"),
            (cancelled.code, "This card has been cancelled"),
            (claimed.code, "This card has already been claimed."),
        ):
            with self.subTest(message=message):
                page = self._post_claim(code)
                self.assertIn("o_support_claim_error", page)
                self.assertIn(message, page)
                self.assertNotIn("o_support_claim_success", page)
        self.assertEqual(
            (expired | cancelled | claimed).mapped("state"),
            ["active", "cancelled", "claimed"],
        )
        self.assertFalse(self.Lot.sudo().search([("partner_id", "=", self.claimer.id)]))
        self.assertEqual(
            self.Attempt.sudo()
            .search([("user_id", "=", self.claimer_user.id)], order="id")
            .mapped("reason"),
            ["unknown", "expired", "cancelled", "claimed"],
        )
        # a fifth failure, then the throttle refuses even the right code
        self._post_claim("nothing")
        page = self._post_claim(self.bought[0].code)
        self.assertIn("Too many failed attempts", page)
        self.assertIn("try again after", page)
        self.assertEqual(self.bought[0].state, "active")

    def test_claim_requires_csrf(self):
        self.authenticate("card_claimer_portal", "card_claimer_portal")
        response = self.url_open(
            "/my/support/cards/claim", data={"code": self.bought[0].code}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.bought[0].state, "active")

    def test_claim_tour(self):
        card = self.Card.create(
            {
                "credits": 150,
                "buyer_partner_id": self.buyer.id,
                "code": KNOWN_CODE,
            }
        )
        self.start_tour(
            "/my/support/cards/claim",
            "support_contract_card_claim_tour",
            login="card_claimer_portal",
        )
        self.assertEqual(card.claimed_partner_id, self.claimer)
        self.assertEqual(self.claimer.sudo().support_credit_balance, 150)

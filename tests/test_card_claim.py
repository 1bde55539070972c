from datetime import date, datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.support_contract.lib import card_code

from .common import CRON_CARD_EXPIRE, KNOWN_CODE, CardClaimCase


@tagged("post_install", "-at_install")
class TestCardClaim(CardClaimCase):
    def _lots(self, card):
        return self.Lot.sudo().search([("card_id", "=", card.id)])

    def _attempts(self, user):
        return self.Attempt.sudo().search([("user_id", "=", user.id)], order="id")

    def _assert_nothing_written(self, card, state="active"):
        self.assertRecordValues(
            card,
            [
                {
                    "state": state,
                    "claimed_by_user_id": False,
                }
            ]
            if state != "claimed"
            else [{"state": "claimed"}],
        )
        self.assertFalse(self.Lot.sudo().search([("partner_id", "=", self.claimer.id)]))

    # ------------------------------------------------------------------
    # Success
    # ------------------------------------------------------------------

    @freeze_time("2026-03-10 09:30:00")
    def test_claim_success(self):
        card = self._card(code=KNOWN_CODE, credits=90, expiry_date="2027-01-31")
        typed = KNOWN_CODE.lower().replace("-", " ")
        result = self._claim(self.claimer_user, typed)
        self.assertTrue(result.success, result.message)
        self.assertEqual(result.card, card)
        self.assertRecordValues(
            card,
            [
                {
                    "state": "claimed",
                    "claimed_partner_id": self.claimer.id,
                    "claimed_by_user_id": self.claimer_user.id,
                    "claim_date": datetime(2026, 3, 10, 9, 30),
                }
            ],
        )
        lot = self._lots(card)
        self.assertEqual(lot, result.lot)
        self.assertRecordValues(
            lot,
            [
                {
                    "partner_id": self.claimer.id,
                    "quantity": 90,
                    "remaining": 90,
                    "expiry_date": date(2027, 1, 31),
                    "card_id": card.id,
                    "company_id": card.company_id.id,
                }
            ],
        )
        self.assertEqual(lot.move_ids.card_id, card)
        self.assertEqual(result.balance, 90)
        self.assertEqual(self.claimer.sudo().support_credit_balance, 90)
        self.assertIn("90", result.message)
        # the attempt is recorded, the code is not
        attempt = self._attempts(self.claimer_user)
        self.assertRecordValues(
            attempt,
            [
                {
                    "success": True,
                    "reason": "success",
                    "card_id": card.id,
                    "partner_id": self.claimer.id,
                    "remote_addr": "10.0.0.1",
                    "date": datetime(2026, 3, 10, 9, 30),
                }
            ],
        )
        self.assertNotIn(KNOWN_CODE.replace("-", ""), attempt.code_hash)
        self.assertEqual(
            attempt.code_hash, self.Attempt._hash_code(KNOWN_CODE.replace("-", ""))
        )
        self.assertEqual(len(attempt.code_hash), 64)

    def test_claim_adds_to_balance(self):
        first, second = self._card(credits=30), self._card(credits=45)
        self.assertTrue(self._claim(self.claimer_user, first.code).success)
        result = self._claim(self.claimer_user, second.code)
        self.assertEqual(result.balance, 75)

    def test_buyer_is_notified(self):
        card = self._card()
        result = self._claim(self.claimer_user, card.code)
        self.assertTrue(result.success)
        message = self.env["mail.message"].search(
            [
                ("model", "=", card._name),
                ("res_id", "=", card.id),
                ("message_type", "=", "comment"),
                ("body", "ilike", "claimed by"),
            ]
        )
        self.assertEqual(len(message), 1)
        self.assertIn("Globex", message.body)
        self.assertEqual(message.partner_ids, self.buyer)
        self.assertNotIn(card.code, message.body)
        self.assertNotIn(card.code_display, message.body)

    def test_claim_for_own_contact_stores_organization(self):
        card = self._card()
        result = self._claim(self.claimer_user, card.code, partner=self.claimer_contact)
        self.assertTrue(result.success)
        self.assertEqual(card.claimed_partner_id, self.claimer)
        self.assertEqual(result.lot.partner_id, self.claimer)

    # ------------------------------------------------------------------
    # Failures: message, attempt recorded, nothing else written
    # ------------------------------------------------------------------

    def test_unknown_code(self):
        self._card()
        for typed in (
            card_code.generate_code(),
            "ABCD",
            "",
            "OOOO-0000-1111-IIII-LLLL-OOOO",
        ):
            with self.subTest(code=typed):
                result = self._claim(self.claimer_user, typed)
                self.assertFalse(result.success)
                self.assertEqual(result.reason, "unknown")
                self.assertIn("This code is not valid", result.message)
                self.assertIn("24 characters", result.message)
        self.assertEqual(
            self._attempts(self.claimer_user).mapped("reason"), ["unknown"] * 4
        )
        self.assertFalse(self.Lot.sudo().search([("partner_id", "=", self.claimer.id)]))

    def test_expired_card(self):
        card = self._card(expiry_date="2026-01-31")
        with freeze_time("2026-03-10"):
            # the expiry cron has not run yet: the date decides
            result = self._claim(self.claimer_user, card.code)
            self.assertEqual((result.success, result.reason), (False, "expired"))
            self.assertIn("This card expired on 01/31/2026", result.message)
            self._assert_nothing_written(card)
            self._run_cron(CRON_CARD_EXPIRE)
            self.assertEqual(card.state, "expired")
            result = self._claim(self.claimer_user, card.code)
        self.assertEqual(result.reason, "expired")
        self._assert_nothing_written(card, state="expired")
        self.assertEqual(
            self._attempts(self.claimer_user).mapped("success"),
            [False, False],
        )

    def test_cancelled_card(self):
        card = self._card()
        card.action_cancel()
        result = self._claim(self.claimer_user, card.code)
        self.assertEqual((result.success, result.reason), (False, "cancelled"))
        self.assertIn("This card has been cancelled", result.message)
        self._assert_nothing_written(card, state="cancelled")

    def test_already_claimed_card(self):
        card = self._card()
        self.assertTrue(self._claim(self.third_user, card.code).success)
        lot = self._lots(card)
        result = self._claim(self.claimer_user, card.code)
        self.assertEqual((result.success, result.reason), (False, "claimed"))
        self.assertEqual(result.message, "This card has already been claimed.")
        self.assertNotIn(
            "Initech", result.message, "the message does not say who claimed it"
        )
        self.assertEqual(card.claimed_partner_id, self.third)
        self.assertEqual(self._lots(card), lot, "still exactly one lot for the card")
        self._assert_nothing_written(card, state="claimed")

    def test_claim_for_another_organization_refused(self):
        card = self._card()
        with self.assertRaises(AccessError):
            self._claim(self.claimer_user, card.code, partner=self.third)
        self.assertEqual(card.state, "active")
        # a Support Manager claims for any organization
        result = self._claim(self.manager, card.code, partner=self.third_contact)
        self.assertTrue(result.success)
        self.assertEqual(card.claimed_partner_id, self.third)
        self.assertEqual(card.claimed_by_user_id, self.manager)

    # ------------------------------------------------------------------
    # Throttle
    # ------------------------------------------------------------------

    def _fail(self, user, times, remote_addr="10.0.0.1"):
        for _i in range(times):
            result = self._claim(
                user, card_code.generate_code(), remote_addr=remote_addr
            )
            self.assertEqual(result.reason, "unknown")

    def test_throttle_per_user(self):
        card = self._card()
        with freeze_time("2026-03-10 09:00:00"):
            self._fail(self.claimer_user, 2)
        with freeze_time("2026-03-10 09:05:00"):
            self._fail(self.claimer_user, 3, remote_addr="10.0.0.2")
            # fifth failure: the next attempt is refused, even with the right
            # code and from yet another address
            result = self._claim(self.claimer_user, card.code, remote_addr="10.0.0.3")
        self.assertEqual((result.success, result.reason), (False, "throttled"))
        self.assertEqual(result.retry_at, datetime(2026, 3, 10, 9, 15))
        self.assertIn("Too many failed attempts", result.message)
        self.assertIn("10 minute(s)", result.message)
        self.assertIn("2026-03-10 09:15", result.message)
        self.assertEqual(card.state, "active")
        # refused attempts are recorded but do not extend the block
        with freeze_time("2026-03-10 09:14:59"):
            self.assertEqual(
                self._claim(self.claimer_user, card.code).reason, "throttled"
            )
        with freeze_time("2026-03-10 09:15:01"):
            # the two oldest failures left the window: 3 remain
            result = self._claim(self.claimer_user, card.code, remote_addr="10.0.0.3")
        self.assertTrue(result.success, result.message)
        self.assertEqual(
            self._attempts(self.claimer_user).mapped("reason"),
            ["unknown"] * 5 + ["throttled", "throttled", "success"],
        )

    def test_throttle_per_address(self):
        # an address allows the company's limit (set low here, default 30)
        self.env.company.support_claim_address_limit = 5
        card = self._card()
        with freeze_time("2026-03-10 09:00:00"):
            self._fail(self.claimer_user, 3, remote_addr="10.9.9.9")
            self._fail(self.third_user, 2, remote_addr="10.9.9.9")
            # another user from the same address is refused
            result = self._claim(self.buyer_user, card.code, remote_addr="10.9.9.9")
            self.assertEqual(result.reason, "throttled")
            # the same user from another address is not (3 failures of their own)
            result = self._claim(self.claimer_user, card.code, remote_addr="10.1.1.1")
        self.assertTrue(result.success, result.message)

    def test_colleagues_behind_one_address_are_not_blocked_by_one_users_mistakes(self):
        self.assertEqual(self.env.company.support_claim_address_limit, 30)
        card = self._card()
        with freeze_time("2026-03-10 09:00:00"):
            self._fail(self.third_user, 5, remote_addr="10.5.5.5")
            self._fail(self.buyer_user, 5, remote_addr="10.5.5.5")
            self.assertEqual(
                self._claim(self.third_user, card.code, remote_addr="10.5.5.5").reason,
                "throttled",
            )
            # a colleague at the same office address still claims
            result = self._claim(self.claimer_user, card.code, remote_addr="10.5.5.5")
        self.assertTrue(result.success, result.message)

    def test_retry_time_in_the_users_time_zone(self):
        self.claimer_user.tz = "Europe/Madrid"
        with freeze_time("2026-03-10 09:00:00"):
            self._fail(self.claimer_user, 5)
            result = self._claim(self.claimer_user, card_code.generate_code())
        self.assertEqual(result.reason, "throttled")
        self.assertIn("2026-03-10 10:15 (Europe/Madrid)", result.message)

    def test_one_users_failures_never_block_another(self):
        card = self._card()
        with freeze_time("2026-03-10 09:00:00"):
            self._fail(self.third_user, 5, remote_addr="10.6.6.6")
            self.assertEqual(
                self._claim(self.third_user, card.code, remote_addr="10.6.6.6").reason,
                "throttled",
            )
            result = self._claim(self.claimer_user, card.code, remote_addr="10.0.0.1")
        self.assertTrue(result.success, result.message)
        self.assertEqual(card.claimed_partner_id, self.claimer)

    def test_throttle_window(self):
        with freeze_time("2026-03-10 09:00:00"):
            self._fail(self.claimer_user, 4)
        with freeze_time("2026-03-10 09:15:01"):
            # the four failures are out of the window: five more are allowed
            self._fail(self.claimer_user, 5)
            self.assertEqual(self._claim(self.claimer_user, "x").reason, "throttled")

    def test_successes_do_not_count(self):
        with freeze_time("2026-03-10 09:00:00"):
            for card in (
                self._card() | self._card() | self._card() | self._card() | self._card()
            ):
                self.assertTrue(self._claim(self.claimer_user, card.code).success)
            self._fail(self.claimer_user, 4)
            self.assertTrue(self._claim(self.claimer_user, self._card().code).success)

    def test_old_attempts_are_vacuumed(self):
        with freeze_time("2026-01-01 12:00:00"):
            self._fail(self.claimer_user, 2)
        with freeze_time("2026-01-25 12:00:00"):
            self._fail(self.claimer_user, 1)
        with freeze_time("2026-02-01 12:00:01"):
            self.Attempt._gc_old_attempts()
        self.assertEqual(len(self._attempts(self.claimer_user)), 1)
        self.assertEqual(
            self._attempts(self.claimer_user).date, datetime(2026, 1, 25, 12)
        )

    def test_portal_users_read_their_organizations_cards_only(self):
        mine, other = self._card(), self._card(buyer_partner_id=self.third.id)
        Card = self.Card.with_user(self.buyer_user)
        self.assertEqual(Card.search([("id", "in", (mine | other).ids)]), mine)
        self.assertEqual(mine.with_user(self.buyer_user).credits, 60)
        with self.assertRaises(AccessError):
            other.with_user(self.buyer_user).read(["credits"])
        # the code is read by the portal pages as superuser, never by the user
        with self.assertRaises(AccessError):
            mine.with_user(self.buyer_user).read(["code"])
        with self.assertRaises(AccessError):
            mine.with_user(self.buyer_user).write({"expiry_date": "2030-01-01"})
        self.assertFalse(
            self.Card.with_user(self.claimer_user).search(
                [("id", "in", (mine | other).ids)]
            )
        )

    def test_attempts_are_read_by_managers_only(self):
        self._fail(self.claimer_user, 1)
        self.assertEqual(len(self.Attempt.with_user(self.manager).search([])), 1)
        for user in (self.claimer_user, self.env.ref("base.user_demo")):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.Attempt.with_user(user).search([])

    # ------------------------------------------------------------------
    # Delivery
    # ------------------------------------------------------------------

    def test_issue_mails_the_code_to_the_buyer(self):
        cards = self.Card._issue(
            [
                {
                    "credits": 120,
                    "buyer_partner_id": self.buyer_contact.id,
                    "expiry_date": "2027-03-10",
                },
                {"credits": 30, "buyer_partner_id": self.buyer.id},
            ]
        )
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search(
                [
                    ("model", "=", "support.credit.card"),
                    ("res_id", "in", cards.ids),
                ]
            )
        )
        self.assertEqual(len(mails), 2, "one mail per card")
        mail = mails.filtered(lambda m: m.res_id == cards[0].id)
        self.assertEqual(mail.recipient_ids, self.buyer)
        self.assertTrue(mail.auto_delete)
        self.assertIn(cards[0].code_display, mail.body_html)
        self.assertIn("120", mail.body_html)
        self.assertIn("/my/support/cards/claim", mail.body_html)
        self.assertIn(f"/my/support/cards/{cards[0].id}", mail.body_html)
        self.assertIn(cards[0].display_name, mail.subject)
        self.assertNotIn(cards[0].code, mail.subject)
        # the other card's code is in the other mail only
        self.assertNotIn(cards[1].code_display, mail.body_html)
        # nothing in the chatter shows the code
        self.assertEqual(mail.mail_message_id.message_type, "user_notification")
        self.assertFalse(
            self.env["mail.message"].search(
                [
                    ("model", "=", "support.credit.card"),
                    ("res_id", "in", cards.ids),
                    ("message_type", "!=", "user_notification"),
                    ("body", "ilike", cards[0].code_display),
                ]
            )
        )
        # people who read the card (salespeople) do not read the mail
        salesman = new_test_user(
            self.env, "card_mail_salesman", groups="sales_team.group_sale_salesman"
        )
        self.assertEqual(cards[0].with_user(salesman).credits, 120)
        self.assertFalse(
            self.env["mail.message"]
            .with_user(salesman)
            .search(
                [
                    ("model", "=", "support.credit.card"),
                    ("res_id", "in", cards.ids),
                    ("message_type", "=", "user_notification"),
                ]
            )
        )
        self.assertFalse(
            self.env["mail.message"]
            .with_user(salesman)
            .search(
                [
                    ("model", "=", "support.credit.card"),
                    ("res_id", "in", cards.ids),
                    ("body", "ilike", cards[0].code_display),
                ]
            )
        )
        with self.assertRaises(AccessError):
            mail.mail_message_id.with_user(salesman).read(["body"])

    def test_report_prints_the_code(self):
        card = self._card(code=KNOWN_CODE)
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "support_contract.support_credit_card_action_report",
            card.ids,
        )
        html = html.decode()
        self.assertIn(KNOWN_CODE, html)
        self.assertIn("/my/support/cards/claim", html)
        action = card.with_user(self.manager).action_print_card()
        self.assertEqual(
            action["report_name"], "support_contract.report_support_credit_card"
        )

from datetime import date, datetime
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from psycopg2.errors import UniqueViolation

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.support_contract.lib import card_code

from .common import CRON_CARD_EXPIRE, SupportCase, cron_progress


@tagged("post_install", "-at_install")
class TestCreditCard(SupportCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Card = cls.env["support.credit.card"]
        cls.organization = cls._create_organization("Acme Robotics")
        cls.contact = cls._create_contact(cls.organization, "Ada Buyer")
        cls.other_organization = cls._create_organization("Globex")
        cls.other_contact = cls._create_contact(cls.other_organization, "Hank Claimer")
        cls.card_buyer = cls.contact
        cls.support_user = new_test_user(
            cls.env,
            "card_support_user",
            groups="support_contract.group_support_user",
        )
        cls.support_manager = new_test_user(
            cls.env,
            "card_support_manager",
            groups="support_contract.group_support_manager",
        )
        cls.salesman = new_test_user(
            cls.env,
            "card_salesman",
            groups="sales_team.group_sale_salesman",
        )

    # ------------------------------------------------------------------
    # Code
    # ------------------------------------------------------------------

    @freeze_time("2026-03-10")
    def test_code_generated_on_create(self):
        card = self._card()
        self.assertTrue(card_code.is_well_formed(card.code), card.code)
        self.assertRecordValues(
            card,
            [
                {
                    "code_display": card_code.format_code(card.code),
                    "state": "active",
                    "credits": 60,
                    "expiry_date": date(2027, 3, 10),
                    "company_id": self.env.company.id,
                }
            ],
        )
        self.assertRegex(card.code_display, r"^([A-Z2-9]{4}-){5}[A-Z2-9]{4}$")
        self.assertNotEqual(card.code, self._card().code)

    def test_given_code_is_normalized_and_checked(self):
        card = self._card(code="abcd-efgh jkmn\tpqrs-tuvw xyz2")
        self.assertEqual(card.code, "ABCDEFGHJKMNPQRSTUVWXYZ2")
        self.assertEqual(card.code_display, "ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2")
        for bad in (
            "ABCD-EFGH",
            "OBCD-EFGH-JKMN-PQRS-TUVW-XYZ2",
            "ABCDEFGHJKMNPQRSTUVWXYZ2X",
        ):
            with self.subTest(code=bad), self.assertRaises(ValidationError):
                self._card(code=bad)

    def test_code_search_accepts_printed_form(self):
        card = self._card()
        typed = card_code.format_code(card.code).lower().replace("-", " ")
        self.assertEqual(self.Card.search([("code_display", "=", typed)]), card)
        self.assertEqual(self.Card.search([("code_display", "ilike", typed[:9])]), card)

    def test_unique_code_constraint(self):
        card = self._card()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(UniqueViolation),
            self.cr.savepoint(),
        ):
            self._card(code=card.code)

    def test_display_name_hides_code(self):
        card = self._card()
        formatted = card_code.format_code(card.code)
        self.assertEqual(card.display_name, f"Card …{card.code[-4:]}")
        self.assertNotIn(card.code, card.display_name)
        self.assertNotIn(formatted, card.display_name)
        self.assertNotIn(formatted[:9], card.display_name)
        # salespeople read the card's name but not its code
        card_as_salesman = card.with_user(self.salesman)
        self.assertEqual(card_as_salesman.display_name, card.display_name)
        with self.assertRaises(AccessError):
            card_as_salesman.read(["code"])
        with self.assertRaises(AccessError):
            card_as_salesman.read(["code_display"])

    def test_name_search_matches_only_the_last_group(self):
        card = self._card()
        self._card()
        Card = self.Card.with_user(self.salesman)
        self.assertIn(card.id, [c for c, _name in Card.name_search(card.code[-4:])])
        self.assertIn(card.id, [c for c, _name in Card.name_search(card.display_name)])
        # a longer part of the code matches nothing: names tell no more than they show
        self.assertFalse(Card.name_search(card.code[-5:]))
        self.assertFalse(Card.name_search(card.code))
        with self.assertRaises(AccessError):
            Card.search([("code", "=", card.code)])

    # ------------------------------------------------------------------
    # Issue
    # ------------------------------------------------------------------

    def _issue_counting_queries(self, count):
        self.env.flush_all()
        before = self.cr.sql_log_count
        cards = self.Card._issue(
            [
                {"credits": 30 + i, "buyer_partner_id": self.contact.id}
                for i in range(count)
            ]
        )
        self.env.flush_all()
        return cards, self.cr.sql_log_count - before

    def test_issue_batch(self):
        self._issue_counting_queries(1)  # warm the caches
        few, few_queries = self._issue_counting_queries(2)
        many, many_queries = self._issue_counting_queries(40)
        self.assertEqual(len(many), 40)
        codes = many.mapped("code")
        self.assertEqual(len(set(codes)), 40)
        self.assertTrue(all(card_code.is_well_formed(code) for code in codes))
        self.assertFalse(set(codes) & set(few.mapped("code")))
        self.assertEqual(many.mapped("credits"), list(range(30, 70)))
        self.assertEqual(
            many_queries,
            few_queries,
            "issuing 40 cards takes as many queries as issuing 2",
        )

    def test_issue_regenerates_colliding_codes(self):
        existing = self._card()
        fresh = [
            "ABCDEFGHJKMNPQRSTUVWXYZ2",
            "BCDEFGHJKMNPQRSTUVWXYZ23",
            "CDEFGHJKMNPQRSTUVWXYZ234",
        ]
        draws = iter([existing.code, fresh[0], fresh[0], fresh[1], fresh[2]])
        with patch.object(card_code, "generate_code", side_effect=lambda: next(draws)):
            cards = self.Card._issue(
                [
                    {"credits": 10, "buyer_partner_id": self.contact.id}
                    for _i in range(3)
                ]
            )
        # the taken code and the repeated draw were both drawn again
        self.assertEqual(sorted(cards.mapped("code")), fresh)

    def test_issue_refuses_cards_without_credits(self):
        with self.assertRaises(ValidationError):
            self.Card._issue([{"credits": 10}, {"buyer_partner_id": self.contact.id}])
        self.assertFalse(
            self.Card.search_count([("buyer_partner_id", "=", self.organization.id)])
        )

    def test_buyer_stored_as_organization(self):
        cards = self.Card._issue(
            [
                {"credits": 10, "buyer_partner_id": self.contact.id},
                {"credits": 10, "buyer_partner_id": self.other_organization.id},
            ]
        )
        self.assertEqual(
            cards.buyer_partner_id, self.organization | self.other_organization
        )
        self.assertEqual(self._card().buyer_partner_id, self.organization)

    def test_credits_must_be_positive(self):
        for credits in (0, -5):
            with self.subTest(credits=credits), self.assertRaises(ValidationError):
                self._card(credits=credits)

    # ------------------------------------------------------------------
    # Immutability and claim hook
    # ------------------------------------------------------------------

    def test_issued_fields_are_immutable(self):
        card = self._card()
        for vals in (
            {"code": card_code.generate_code()},
            {"credits": 600},
            {"buyer_partner_id": self.other_organization.id},
            {"claimed_partner_id": self.other_organization.id},
            {"claim_date": "2026-01-01 10:00:00"},
            {"claimed_by_user_id": self.salesman.id},
            {"state": "claimed"},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                card.write(vals)
        self.assertRecordValues(
            card,
            [
                {
                    "credits": 60,
                    "buyer_partner_id": self.organization.id,
                    "state": "active",
                    "claimed_partner_id": False,
                }
            ],
        )
        with self.assertRaises(UserError):
            self._card(state="claimed")
        with self.assertRaises(UserError):
            self.Card.with_context(
                default_claimed_partner_id=self.organization.id
            ).create(
                {"credits": 5},
            )
        # the claim hook's context key cannot be forged by a client (JSON context)
        with self.assertRaises(UserError):
            card.with_context(support_credit_card_claim=True).write(
                {"state": "claimed", "claimed_partner_id": self.other_organization.id},
            )
        # the expiry may be moved by a manager
        card.with_user(self.support_manager).write({"expiry_date": "2030-01-01"})
        self.assertEqual(card.expiry_date, date(2030, 1, 1))

    @freeze_time("2026-03-10 09:30:00")
    def test_mark_claimed(self):
        card = self._card()
        card._mark_claimed(self.other_contact, self.support_user)
        self.assertRecordValues(
            card,
            [
                {
                    "state": "claimed",
                    "claimed_partner_id": self.other_organization.id,
                    "claimed_by_user_id": self.support_user.id,
                    "claim_date": datetime(2026, 3, 10, 9, 30),
                }
            ],
        )
        with self.assertRaises(UserError):
            card._mark_claimed(self.contact)
        with self.assertRaises(UserError):
            card.write({"state": "active"})
        cancelled = self._card()
        cancelled.action_cancel()
        with self.assertRaises(UserError):
            cancelled._mark_claimed(self.other_contact)

    # ------------------------------------------------------------------
    # Life cycle
    # ------------------------------------------------------------------

    def test_expiry_cron(self):
        with freeze_time("2026-03-10"):
            past = self._card(expiry_date="2026-03-09")
            today = self._card(expiry_date="2026-03-10")
            future = self._card()
            claimed = self._card(expiry_date="2026-03-01")
            claimed._mark_claimed(self.other_organization)
            cancelled = self._card(expiry_date="2026-03-01")
            cancelled.action_cancel()
            self._run_cron(CRON_CARD_EXPIRE)
        self.assertEqual(
            (past | today | future | claimed | cancelled).mapped("state"),
            ["expired", "active", "active", "claimed", "cancelled"],
        )
        with freeze_time("2026-03-11"):
            self._run_cron(CRON_CARD_EXPIRE)
        self.assertEqual(today.state, "expired")
        self.assertEqual(future.state, "active")

    def test_expiry_cron_batches(self):
        cards = self.Card._issue(
            [
                {
                    "credits": 10,
                    "buyer_partner_id": self.contact.id,
                    "expiry_date": "2026-01-31",
                }
                for _i in range(5)
            ]
        )
        with (
            freeze_time("2026-03-10"),
            cron_progress(self.env) as commit_progress,
        ):
            self.Card._cron_expire_cards(batch_size=2)
        self.assertEqual(set(cards.mapped("state")), {"expired"})
        self.assertEqual(
            [
                (call.args[1], call.kwargs["remaining"])
                for call in commit_progress.call_args_list
            ],
            [(2, 3), (2, 1), (1, 0)],
        )
        # out of time after the first batch: the rest waits for the next run
        more = self.Card._issue(
            [
                {
                    "credits": 10,
                    "buyer_partner_id": self.contact.id,
                    "expiry_date": "2026-01-31",
                }
                for _i in range(3)
            ]
        )
        with freeze_time("2026-03-10"), cron_progress(self.env, time_left=0):
            self.Card._cron_expire_cards(batch_size=2)
        self.assertEqual(sorted(more.mapped("state")), ["active", "expired", "expired"])

    def test_cancel(self):
        active = self._card()
        active.with_user(self.support_manager).action_cancel()
        self.assertEqual(active.state, "cancelled")

        claimed = self._card()
        claimed._mark_claimed(self.other_organization)
        other = self._card()
        with self.assertRaisesRegex(UserError, claimed.display_name):
            (other | claimed).action_cancel()
        self.assertEqual(
            other.state, "active", "nothing is cancelled when one card is claimed"
        )
        self.assertEqual(claimed.state, "claimed")
        # support users read cards but cannot cancel them
        with self.assertRaises(AccessError):
            other.with_user(self.support_user).action_cancel()

    def test_claimed_card_cannot_be_deleted(self):
        claimed = self._card()
        claimed._mark_claimed(self.other_organization)
        with self.assertRaisesRegex(UserError, claimed.display_name):
            claimed.unlink()
        active = self._card()
        active.unlink()
        self.assertFalse(active.exists())
        self.assertTrue(claimed.exists())

    # ------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------

    def test_access_rights(self):
        card = self._card()
        self.assertEqual(card.with_user(self.support_user).code, card.code)
        self.assertEqual(card.with_user(self.salesman).credits, 60)
        for user in (self.support_user, self.salesman):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.Card.with_user(user).create({"credits": 5})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                card.with_user(user).write({"expiry_date": "2030-01-01"})
        new = self.Card.with_user(self.support_manager).create(
            {
                "credits": 5,
                "buyer_partner_id": self.contact.id,
            }
        )
        self.assertTrue(card_code.is_well_formed(new.sudo().code))
        with self.assertRaises(AccessError):
            new.with_user(self.support_manager).unlink()

    def test_form_shows_code_to_support_users_only(self):
        for user, shown in ((self.support_user, True), (self.salesman, False)):
            with self.subTest(user=user.login):
                views = self.Card.with_user(user).get_views(
                    [(False, "form"), (False, "list")]
                )
                for view_type in ("form", "list"):
                    arch = views["views"][view_type]["arch"]
                    self.assertEqual('name="code_display"' in arch, shown)
                    self.assertNotIn('name="code"', arch)

    def test_multi_company_rule(self):
        other_company = self.env["res.company"].create({"name": "Support Co B"})
        foreign = self._card(company_id=other_company.id)
        mine = self._card()
        found = self.Card.with_user(self.support_user).search(
            [("id", "in", (foreign | mine).ids)]
        )
        self.assertEqual(found, mine)
        self.support_user.write({"company_ids": [(4, other_company.id)]})
        found = (
            self.Card.with_user(self.support_user)
            .with_context(
                allowed_company_ids=[self.env.company.id, other_company.id],
            )
            .search([("id", "in", (foreign | mine).ids)])
        )
        self.assertEqual(found, foreign | mine)

    def test_default_expiry_is_twelve_months(self):
        with freeze_time("2028-02-29"):
            card = self._card()
        self.assertEqual(card.expiry_date, date(2028, 2, 29) + relativedelta(months=12))

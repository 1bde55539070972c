"""Cards, claims and deployments, attacked by the users with the least rights
who can reach them (issue "Nobody moves, invents or doubles credits").

Every test checks that what the attacker tries leaves the balance, the
ledger (and the deployments) unchanged, and that the error is clear.
"""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields, http
from odoo.exceptions import AccessError, ValidationError
from odoo.modules.registry import DummyRLock, Registry
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.support_contract.lib import card_code
from odoo.addons.support_contract.models.support_card_claim_attempt import (
    THROTTLE_ADDRESS_DEFAULT,
    THROTTLE_MAX_FAILURES,
    THROTTLE_MAX_REFUSALS_RECORDED,
)

from .common import CardClaimCase, CommittedCase, SupportCase

# ----------------------------------------------------------------------
# 1. Deployment references across companies
# ----------------------------------------------------------------------


@tagged("post_install", "-at_install")
class TestSecurityDeploymentCompanies(SupportCase, TransactionCase):
    """A salesperson of company A against a deployment of company B."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Hidden Branch Co"})
        cls.customer_a = cls._create_organization("Visible Customer")
        cls.secret_customer = cls._create_organization("Secret Customer Inc")
        cls.Deployment = cls.env["support.deployment"]
        cls.mine = cls.Deployment.create(
            {"name": "SN-A-1", "partner_id": cls.customer_a.id}
        )
        cls.secret = cls.Deployment.create(
            {
                "name": "SN-SECRET-9",
                "partner_id": cls.secret_customer.id,
                "company_id": cls.company_b.id,
            }
        )
        cls.salesman = new_test_user(
            cls.env,
            "sec_dep_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company_a.id,
            company_ids=[cls.company_a.id],
        )

    def _deployments(self):
        self.env.flush_all()
        return self.Deployment.sudo().search_read(
            [], ["name", "company_id", "partner_id"], order="id"
        )

    def _assert_discreet(self, message):
        self.assertNotIn("Secret Customer", message)
        self.assertNotIn("Hidden Branch", message)

    def test_create_in_a_foreign_company_is_refused(self):
        before = self._deployments()
        Deployment = self.Deployment.with_user(self.salesman)
        for reference in ("sn-secret-9", "SN-NEW-IN-B"):
            with (
                self.subTest(reference=reference),
                self.assertRaises(ValidationError) as error,
            ):
                Deployment.create(
                    {
                        "name": reference,
                        "partner_id": self.customer_a.id,
                        "company_id": self.company_b.id,
                    }
                )
            message = str(error.exception)
            self.assertIn("company you work in", message)
            self._assert_discreet(message)
            self.assertNotIn(
                "already used", message, "nothing learnt of company B's references"
            )
        self.assertEqual(self._deployments(), before)

    def test_import_in_a_foreign_company_is_refused(self):
        before = self._deployments()
        result = self.Deployment.with_user(self.salesman).load(
            ["name", "partner_id/.id", "company_id/.id"],
            [["SN-SECRET-9", str(self.customer_a.id), str(self.company_b.id)]],
        )
        self.assertFalse(result["ids"])
        messages = " ".join(message["message"] for message in result["messages"])
        self.assertIn("company you work in", messages)
        self._assert_discreet(messages)
        self.assertEqual(self._deployments(), before)

    def test_move_to_a_foreign_company_is_refused(self):
        before = self._deployments()
        with self.assertRaises(ValidationError) as error:
            self.mine.with_user(self.salesman).write(
                {
                    "name": "SN-SECRET-9",
                    "company_id": self.company_b.id,
                }
            )
        self._assert_discreet(str(error.exception))
        self.assertIn("company you work in", str(error.exception))
        self.assertEqual(self._deployments(), before)

    def test_duplicate_in_own_company_names_the_readable_owner(self):
        with self.assertRaises(ValidationError) as error:
            self.Deployment.with_user(self.salesman).create(
                {
                    "name": " sn-a-1 ",
                    "partner_id": self.customer_a.id,
                }
            )
        self.assertIn("SN-A-1", str(error.exception))
        self.assertIn("Visible Customer", str(error.exception))

    def test_same_reference_in_own_company_is_allowed(self):
        twin = self.Deployment.with_user(self.salesman).create(
            {
                "name": "SN-SECRET-9",
                "partner_id": self.customer_a.id,
            }
        )
        self.assertEqual(twin.company_id, self.company_a)

    def test_server_side_duplicate_never_names_an_unreadable_owner(self):
        """Code acting as superuser for the salesperson (an order confirmed,
        a wizard) may reach company B: the error still names nothing the
        salesperson may not read."""
        before = self._deployments()
        with self.assertRaises(ValidationError) as error:
            self.Deployment.with_user(self.salesman).sudo().create(
                {
                    "name": "Sn-Secret-9",
                    "partner_id": self.customer_a.id,
                    "company_id": self.company_b.id,
                }
            )
        message = str(error.exception)
        self.assertIn("already used by another deployment", message)
        self.assertIn("Sn-Secret-9", message)
        self._assert_discreet(message)
        self.assertEqual(self._deployments(), before)


# ----------------------------------------------------------------------
# 2. Claim attempts under company rules
# ----------------------------------------------------------------------


@tagged("post_install", "-at_install")
class TestSecurityClaimAttemptCompany(CardClaimCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Attempt Branch Co"})
        cls.manager_a = new_test_user(
            cls.env,
            "sec_attempt_manager_a",
            groups="support_contract.group_support_manager",
            company_id=cls.company_a.id,
            company_ids=[cls.company_a.id],
        )
        cls.manager_b = new_test_user(
            cls.env,
            "sec_attempt_manager_b",
            groups="support_contract.group_support_manager",
            company_id=cls.company_b.id,
            company_ids=[cls.company_b.id],
        )

    def test_attempts_belong_to_the_cards_company(self):
        card_b = self._card(company_id=self.company_b.id)
        card_b.action_cancel()
        self._claim(self.claimer_user, card_b.code)  # cancelled: a failure with a card
        self._claim(self.claimer_user, card_code.generate_code())  # unknown code
        attempts = self.Attempt.sudo().search(
            [("user_id", "=", self.claimer_user.id)], order="id"
        )
        self.assertEqual(attempts.mapped("reason"), ["cancelled", "unknown"])
        self.assertEqual(
            attempts.mapped("company_id"),
            self.company_b | self.claimer_user.company_id,
        )
        self.assertEqual(
            attempts.company_id.ids, [self.company_b.id, self.company_a.id]
        )

    def test_managers_see_their_companies_attempts_only(self):
        card_b = self._card(company_id=self.company_b.id)
        card_b.action_cancel()
        self._claim(self.claimer_user, card_b.code)
        self._claim(self.claimer_user, card_code.generate_code())
        in_a = self.Attempt.with_user(self.manager_a).search([])
        in_b = self.Attempt.with_user(self.manager_b).search([])
        self.assertEqual(in_a.mapped("reason"), ["unknown"])
        self.assertEqual(in_b.mapped("reason"), ["cancelled"])
        with self.assertRaises(AccessError):
            (in_a | in_b).with_user(self.manager_a).read(["reason"])

    def test_portal_and_internal_users_read_no_attempt(self):
        self._claim(self.claimer_user, card_code.generate_code())
        helpdesk_user = new_test_user(
            self.env,
            "sec_attempt_helpdesk",
            groups="helpdesk_mgmt.group_helpdesk_user_own",
        )
        support_user = new_test_user(
            self.env,
            "sec_attempt_support_user",
            groups="support_contract.group_support_user",
        )
        for user in (self.claimer_user, helpdesk_user, support_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.Attempt.with_user(user).search([])


# ----------------------------------------------------------------------
# 3. Company of the balance
# ----------------------------------------------------------------------


@tagged("post_install", "-at_install")
class TestSecurityBalanceCompany(CardClaimCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Balance Branch Co"})
        cls.today = fields.Date.context_today(cls.env["support.credit.lot"])
        # the claiming organization already has 100 credits in company A
        cls.env["support.credit.lot"]._grant(
            cls.claimer,
            100,
            cls.today + timedelta(days=200),
            "Credits in A",
            company_id=cls.company_a.id,
        )

    def test_portal_claim_shows_the_balance_in_the_cards_company(self):
        card_b = self._card(credits=30, company_id=self.company_b.id)
        self.assertEqual(self.claimer_user.company_id, self.company_a)
        result = self._claim(self.claimer_user, card_b.code)
        self.assertTrue(result.success, result.message)
        self.assertEqual(result.lot.company_id, self.company_b)
        self.assertEqual(result.balance, 30, "company B's balance, not A's, nor A + B")

    def test_wizard_shows_the_balance_in_the_cards_company(self):
        card_b = self._card(credits=45, company_id=self.company_b.id)
        manager = new_test_user(
            self.env,
            "sec_balance_manager",
            groups="support_contract.group_support_manager",
            company_id=self.company_a.id,
            company_ids=[self.company_a.id, self.company_b.id],
        )
        wizard = (
            self.env["support.credit.card.claim.wizard"]
            .with_user(manager)
            .create(
                {
                    "code": card_b.code,
                    "partner_id": self.claimer.id,
                }
            )
        )
        wizard.action_claim()
        self.assertEqual(wizard.state, "done", wizard.result_message)
        self.assertEqual(wizard.balance, 45)

    def test_low_balance_notice_counts_the_company_of_the_consumption(self):
        Lot = self.env["support.credit.lot"]
        org = self._create_organization("Two Company Org", email="two@example.com")
        self.company_a.support_low_balance_threshold = 60
        self.company_b.support_low_balance_threshold = 60
        Lot._grant(
            org,
            500,
            self.today + timedelta(days=200),
            "Plenty in A",
            company_id=self.company_a.id,
        )
        Lot._grant(
            org,
            10,
            self.today + timedelta(days=200),
            "Little in B",
            company_id=self.company_b.id,
        )

        def notices():
            return self._low_balance_notices(org)

        before = self._ledger_snapshot()
        org._support_notify_low_balance(self.company_a)
        self.assertFalse(notices(), "500 credits in A: not low there")
        org._support_notify_low_balance(self.company_b)
        self.assertEqual(
            len(notices()), 1, "10 credits in B: low there, whatever A holds"
        )
        self.assertIn("10 credits left", notices().body)
        # the default is the current company; the flag is per company
        org.with_company(self.company_b)._support_notify_low_balance()
        self.assertEqual(
            len(notices()), 1, "one notice per company, not one per consumption"
        )
        self.assertEqual(self._ledger_snapshot(), before, "a notice moves no credit")


# ----------------------------------------------------------------------
# 4. The claim throttle
# ----------------------------------------------------------------------


@tagged("post_install", "-at_install")
class TestSecurityThrottleRefusals(CardClaimCase):
    def _attempts(self, **domain):
        return self.Attempt.sudo().search(
            [(k, "=", v) for k, v in domain.items()], order="id"
        )

    @freeze_time("2026-03-10 09:00:00")
    def test_a_blocked_user_cannot_grow_the_attempts_table(self):
        card = self._card()
        for _i in range(THROTTLE_MAX_FAILURES):
            self.assertEqual(
                self._claim(self.claimer_user, card_code.generate_code()).reason,
                "unknown",
            )
        before = self._ledger_snapshot()
        for _i in range(50):
            result = self._claim(self.claimer_user, card.code)
            self.assertEqual(result.reason, "throttled")
            self.assertIn("Too many failed attempts", result.message)
        self.assertEqual(card.state, "active")
        self.assertEqual(self._ledger_snapshot(), before)
        reasons = self._attempts(user_id=self.claimer_user.id).mapped("reason")
        self.assertEqual(
            reasons,
            ["unknown"] * THROTTLE_MAX_FAILURES
            + ["throttled"] * THROTTLE_MAX_REFUSALS_RECORDED,
        )

    @freeze_time("2026-03-10 09:00:00")
    def test_a_blocked_address_cannot_grow_the_attempts_table(self):
        self.env.company.support_claim_address_limit = THROTTLE_MAX_FAILURES
        for _i in range(THROTTLE_MAX_FAILURES):
            self._claim(
                self.third_user, card_code.generate_code(), remote_addr="10.7.7.7"
            )
        for user in (self.claimer_user, self.buyer_user) * 20:
            self.assertEqual(
                self._claim(
                    user, card_code.generate_code(), remote_addr="10.7.7.7"
                ).reason,
                "throttled",
            )
        refusals = self._attempts(remote_addr="10.7.7.7", reason="throttled")
        self.assertLessEqual(len(refusals), THROTTLE_MAX_REFUSALS_RECORDED)


@tagged("post_install", "-at_install")
class TestSecurityThrottleConcurrency(CommittedCase):
    """Failed claims sent in parallel by one user (or from one address), in
    two threads with two real database cursors: together they never exceed
    the limit. The fixtures are committed and deleted afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with cls.committed_env() as env:
            cls.organization = cls._commit(
                cls._create_organization("Parallel Guesser", env=env)
            )
            contacts = cls._commit(
                env["res.partner"].create(
                    [
                        {"name": f"Guesser {i}", "parent_id": cls.organization.id}
                        for i in range(3)
                    ]
                )
            )
            cls.user_ids = [
                cls._commit(
                    cls._create_portal_user(
                        f"parallel_guesser_{i}",
                        partner_id=contact.id,
                        name=contact.name,
                        env=env,
                    )
                ).id
                for i, contact in enumerate(contacts)
            ]

    def setUp(self):
        super().setUp()
        self.addCleanup(self._delete_attempts)

    @classmethod
    def _delete_attempts(cls):
        with cls.committed_env() as env:
            cls._delete_rows(
                env,
                "support_card_claim_attempt",
                SQL(
                    "user_id = ANY(%s) OR remote_addr LIKE %s", cls.user_ids, "10.77.%"
                ),
            )

    def _commit_failures(self, user_id, remote_addr, count):
        with self.committed_env() as env:
            for _i in range(count):
                env["support.card.claim.attempt"]._record(
                    env["res.users"].browse(user_id),
                    remote_addr,
                    card_code.generate_code(),
                    "unknown",
                )

    def _parallel_claims(self, user_ids, remote_addrs):
        barrier = threading.Barrier(len(user_ids))

        def claim(index):
            with self.committed_env(user_ids[index]) as env:
                user = env.user
                # the transaction has started (its snapshot is taken) before
                # the other one records anything
                self.assertTrue(user.partner_id.name)
                barrier.wait(timeout=10)
                result = env["support.credit.card"]._claim_code(
                    card_code.generate_code(),
                    user.partner_id,
                    remote_addr=remote_addrs[index],
                )
                return result.reason

        with (
            patch.object(Registry, "_lock", DummyRLock()),
            ThreadPoolExecutor(max_workers=len(user_ids)) as executor,
        ):
            futures = [executor.submit(claim, i) for i in range(len(user_ids))]
            return sorted(future.result(timeout=60) for future in futures)

    def _counted_failures(self, domain):
        with self.committed_env() as env:
            return env["support.card.claim.attempt"].search_count(
                [*domain, ("success", "=", False), ("reason", "!=", "throttled")],
            )

    def _ledger_of_organization(self):
        with self.committed_env() as env:
            return env["support.credit.move"].search_count(
                [("partner_id", "=", self.organization.id)]
            )

    @mute_logger("odoo.sql_db")
    def test_parallel_failures_of_one_user_stop_at_the_limit(self):
        user_id = self.user_ids[0]
        self._commit_failures(user_id, "10.77.0.1", THROTTLE_MAX_FAILURES - 1)
        outcomes = self._parallel_claims([user_id, user_id], ["10.77.0.2", "10.77.0.3"])
        self.assertEqual(outcomes, ["throttled", "unknown"])
        self.assertEqual(
            self._counted_failures([("user_id", "=", user_id)]), THROTTLE_MAX_FAILURES
        )
        self.assertEqual(self._ledger_of_organization(), 0)

    @mute_logger("odoo.sql_db")
    def test_parallel_failures_from_one_address_stop_at_the_limit(self):
        # the address limit is the company's (default 30)
        self._commit_failures(
            self.user_ids[2], "10.77.9.9", THROTTLE_ADDRESS_DEFAULT - 1
        )
        outcomes = self._parallel_claims(self.user_ids[:2], ["10.77.9.9", "10.77.9.9"])
        self.assertEqual(outcomes, ["throttled", "unknown"])
        self.assertEqual(
            self._counted_failures([("remote_addr", "=", "10.77.9.9")]),
            THROTTLE_ADDRESS_DEFAULT,
        )
        self.assertEqual(self._ledger_of_organization(), 0)


# ----------------------------------------------------------------------
# 5. What a buyer sees of a claim
# ----------------------------------------------------------------------


@tagged("post_install", "-at_install")
class TestSecurityBuyerSeesOrganization(CardClaimCase, HttpCase):
    """The buyer's portal user, through HTTP, after a portal claim."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.env["support.credit.card"].create(
            {"credits": 90, "buyer_partner_id": cls.buyer_contact.id},
        )

    def _claim_through_the_portal(self):
        self.authenticate("card_claimer_portal", "card_claimer_portal")
        response = self.url_open(
            "/my/support/cards/claim",
            data={
                "code": self.card.code_display,
                "csrf_token": http.Request.csrf_token(self),
            },
        )
        self.assertIn("o_support_claim_success", response.text)
        self.assertEqual(self.card.claimed_partner_id, self.claimer)
        self.assertEqual(
            self.card.claimed_by_user_id, self.claimer_user, "staff keep who claimed"
        )

    def _assert_no_claiming_person(self, text):
        self.assertNotIn("Hank", text)
        self.assertNotIn("card_claimer_portal", text)
        self.assertNotIn("hank@globex", text)

    def test_buyer_pages_and_report_show_the_organization_only(self):
        self._claim_through_the_portal()
        self.authenticate("card_buyer_portal", "card_buyer_portal")
        for url in (
            "/my/support/cards",
            f"/my/support/cards/{self.card.id}",
            f"/my/support/cards/{self.card.id}?report_type=html",
        ):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertEqual(response.status_code, 200)
                self._assert_no_claiming_person(response.text)
        self.assertIn("Globex", self.url_open(f"/my/support/cards/{self.card.id}").text)

    def test_buyer_cannot_read_the_claiming_user(self):
        self._claim_through_the_portal()
        before = self._ledger_snapshot()
        self.authenticate("card_buyer_portal", "card_buyer_portal")
        # through RPC, as the buyer's portal user
        with mute_logger("odoo.http"):
            response = self.url_open(
                "/web/dataset/call_kw/support.credit.card/read",
                data=self._jsonrpc(
                    "support.credit.card",
                    "read",
                    [[self.card.id], ["claimed_by_user_id"]],
                ),
                headers={"Content-Type": "application/json"},
            )
        error = response.json().get("error")
        self.assertTrue(error, "the field is refused")
        self.assertIn("AccessError", error["data"]["name"])
        self._assert_no_claiming_person(response.text)
        card_as_buyer = self.card.with_user(self.buyer_user)
        with self.assertRaises(AccessError):
            card_as_buyer.read(["claimed_by_user_id"])
        # nor through who last wrote the card
        values = card_as_buyer.read(["claimed_partner_id", "write_uid"])[0]
        self.assertEqual(values["claimed_partner_id"][0], self.claimer.id)
        self.assertNotEqual(values["write_uid"][0], self.claimer_user.id)
        self.assertEqual(self._ledger_snapshot(), before)

    def test_buyer_notification_comes_from_the_company(self):
        self._claim_through_the_portal()
        messages = (
            self.env["mail.message"]
            .with_user(self.buyer_user)
            .search(
                [
                    ("model", "=", "support.credit.card"),
                    ("res_id", "=", self.card.id),
                ]
            )
        )
        notice = messages.filtered(lambda m: "claimed by" in (m.body or ""))
        self.assertEqual(len(notice), 1)
        self.assertIn("Globex", notice.body)
        self.assertEqual(notice.sudo().author_id, self.card.company_id.partner_id)
        for message in messages.sudo():
            self.assertNotEqual(message.author_id, self.claimer_contact)
            self.assertNotEqual(message.create_uid, self.claimer_user)
            self._assert_no_claiming_person(message.body or "")
        mails = (
            self.env["mail.mail"].sudo().search([("mail_message_id", "=", notice.id)])
        )
        for mail in mails:
            self._assert_no_claiming_person(mail.email_from or "")
            self._assert_no_claiming_person(mail.body_html or "")

    def _jsonrpc(self, model, method, args):
        return json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "id": 1,
                "params": {
                    "model": model,
                    "method": method,
                    "args": args,
                    "kwargs": {},
                },
            }
        )

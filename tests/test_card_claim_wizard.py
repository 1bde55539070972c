from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tests.form import Form

from odoo.addons.support_contract.lib import card_code

from .common import CardClaimCase


@tagged("post_install", "-at_install")
class TestCardClaimWizard(CardClaimCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Wizard = cls.env["support.credit.card.claim.wizard"].with_user(cls.manager)

    def _run(self, code, partner):
        wizard = self.Wizard.create({"code": code, "partner_id": partner.id})
        action = wizard.action_claim()
        self.assertEqual(
            (action["res_model"], action["res_id"]), (wizard._name, wizard.id)
        )
        return wizard

    def test_claim_for_chosen_organization(self):
        card = self._card(credits=240)
        with Form(self.Wizard) as form:
            form.code = card_code.format_code(card.code).lower()
            form.partner_id = self.third
            wizard = form.save()
        wizard.action_claim()
        self.assertRecordValues(
            wizard, [{"state": "done", "card_id": card.id, "balance": 240}]
        )
        self.assertRecordValues(
            card,
            [
                {
                    "state": "claimed",
                    "claimed_partner_id": self.third.id,
                    "claimed_by_user_id": self.manager.id,
                }
            ],
        )
        self.assertEqual(
            self.Lot.sudo().search([("card_id", "=", card.id)]).partner_id, self.third
        )

    def test_failures_keep_the_wizard_open_with_the_message(self):
        claimed = self._card()
        self._claim(self.claimer_user, claimed.code)
        wizard = self._run(claimed.code, self.third)
        self.assertRecordValues(
            wizard,
            [
                {
                    "state": "failed",
                    "result_message": "This card has already been claimed.",
                }
            ],
        )
        wizard = self._run("nope", self.third)
        self.assertEqual(wizard.state, "failed")
        self.assertIn("This code is not valid", wizard.result_message)
        self.assertEqual(
            self.Attempt.sudo()
            .search([("user_id", "=", self.manager.id)])
            .mapped("reason"),
            ["unknown", "claimed"],
        )

    def test_throttle_applies(self):
        card = self._card()
        for _i in range(5):
            self._run(card_code.generate_code(), self.third)
        wizard = self._run(card.code, self.third)
        self.assertEqual(wizard.state, "failed")
        self.assertIn("Too many failed attempts", wizard.result_message)
        self.assertEqual(card.state, "active")

    def test_managers_only(self):
        for user in (self.claimer_user, self.env.ref("base.user_demo")):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["support.credit.card.claim.wizard"].with_user(user).create(
                    {
                        "code": "x",
                        "partner_id": self.third.id,
                    }
                )


@tagged("post_install", "-at_install")
class TestCardClaimWizardOverHttp(CardClaimCase, HttpCase):
    """The wizard, run from the web client as a Support Manager: throttled per
    user, never per address (that limit is for portal users behind one
    office address)."""

    def test_staff_attempts_carry_no_address(self):
        self.authenticate(self.manager.login, self.manager.login)
        wizard_id = self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "support.credit.card.claim.wizard",
                "method": "create",
                "args": [
                    {
                        "code": "ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2",
                        "partner_id": self.third.id,
                    }
                ],
                "kwargs": {},
            },
        )
        self.make_jsonrpc_request(
            "/web/dataset/call_button/support.credit.card.claim.wizard/action_claim",
            {
                "model": "support.credit.card.claim.wizard",
                "method": "action_claim",
                "args": [wizard_id if isinstance(wizard_id, list) else [wizard_id]],
                "kwargs": {},
            },
        )
        attempt = (
            self.env["support.card.claim.attempt"]
            .sudo()
            .search([("user_id", "=", self.manager.id)])
        )
        self.assertEqual(len(attempt), 1)
        self.assertEqual(attempt.reason, "unknown")
        self.assertFalse(attempt.remote_addr)

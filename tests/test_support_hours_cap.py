# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import SupportCase, SupportMeteringCase


@tagged("post_install", "-at_install")
class TestSupportHoursCap(SupportMeteringCase):
    """A plan's maximum support hours per term (doc/rules.md, "Maximum
    support hours"): covered time of a term, over all its tickets, stops at
    the cap even with credits left; beyond it time is billed hourly."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan.max_support_hours = 1.0  # 60 minutes per term
        cls.deployment_terms = cls.env["support.deployment"].create(
            {"name": "CAP-DEP", "partner_id": cls.org_a.id}
        )
        cls.contract_terms = cls._create_contract(
            cls.deployment_terms,
            cls.plan,
            (date(2026, 1, 1), date(2026, 12, 31)),
            (date(2027, 1, 1), date(2027, 12, 31)),
        )

    def test_within_at_and_past_the_cap_across_two_tickets(self):
        self._grant(self.org_a, 1000)
        first, second = self._ticket(), self._ticket(name="Second problem")
        self.assertEqual(first.support_max_minutes, 60)
        within = self._log(first, 0.5)  # 30 of 60
        self.assertEqual(
            (within.support_covered_minutes, within.support_uncovered_minutes), (30, 0)
        )
        self.assertEqual(
            second.support_cap_left_minutes,
            30,
            "the cap counts every ticket of the term",
        )
        at = self._log(second, 0.5)  # 60 of 60: exactly at the cap
        self.assertEqual(
            (at.support_covered_minutes, at.support_uncovered_minutes), (30, 0)
        )
        past = self._log(first, 0.25)  # beyond: uncovered although 940 credits are left
        self.assertEqual(
            (past.support_covered_minutes, past.support_uncovered_minutes), (0, 15)
        )
        self.assertEqual(self._balance(self.org_a), 940)
        self.assertEqual(
            self._uncovered_line(self.org_a).qty_delivered, 0.25, "billed hourly"
        )
        first.invalidate_recordset(["support_cap_left_minutes"])
        self.assertEqual(first.support_cap_left_minutes, 0)
        self.contract.invalidate_recordset(["support_hours_used", "support_hours_left"])
        self.assertEqual(
            (self.contract.support_hours_used, self.contract.support_hours_left),
            (1.0, 0.0),
        )

    def test_a_line_straddling_the_cap_is_split(self):
        self._grant(self.org_a, 1000)
        ticket = self._ticket()
        self._log(ticket, 0.75)
        line = self._log(ticket, 0.5)  # 45 + 30: 15 covered, 15 beyond
        self.assertEqual(
            (line.support_covered_minutes, line.support_uncovered_minutes), (15, 15)
        )
        # a shorter line frees its covered time for the next one
        line.unit_amount = 0.25  # 15 minutes: the uncovered part goes first
        self.assertEqual(
            (line.support_covered_minutes, line.support_uncovered_minutes), (15, 0)
        )

    def test_a_new_term_resets_the_cap(self):
        self._grant(self.org_a, 1000)
        ticket = self._ticket(deployment=self.deployment_terms)
        in_2026 = self._log(ticket, 1.0, date=date(2026, 6, 1))
        beyond = self._log(ticket, 0.5, date=date(2026, 6, 2))
        self.assertEqual(in_2026.support_covered_minutes, 60)
        self.assertEqual(
            (beyond.support_covered_minutes, beyond.support_uncovered_minutes), (0, 30)
        )
        in_2027 = self._log(ticket, 0.5, date=date(2027, 2, 1))
        self.assertEqual(
            (in_2027.support_covered_minutes, in_2027.support_uncovered_minutes),
            (30, 0),
        )

    def test_uncapped_plan_is_unchanged(self):
        self.plan.max_support_hours = 0
        self._grant(self.org_a, 1000)
        ticket = self._ticket()
        self.assertEqual(ticket.support_max_minutes, 0)
        line = self._log(ticket, 2.0)
        self.assertEqual(
            (line.support_covered_minutes, line.support_uncovered_minutes), (120, 0)
        )

    def test_tickets_keep_the_cap_of_the_plan_when_they_opened(self):
        self._grant(self.org_a, 1000)
        ticket = self._ticket()
        self.plan.max_support_hours = 0
        self.env.flush_all()
        ticket.invalidate_recordset()
        self.assertEqual(ticket.support_max_minutes, 60)

    def test_the_owner_is_told_once_at_80_percent(self):
        self._grant(self.org_a, 1000)
        ticket = self._ticket()
        term = self.contract.term_ids
        self._log(ticket, 0.75)  # 45 of 60: 75%
        self.assertFalse(term.support_cap_warned)
        count = self.env["mail.message"].search_count(
            [("model", "=", "res.partner"), ("res_id", "=", self.org_a.id)]
        )
        self._log(ticket, 0.1)  # 51 of 60: 85%
        self.assertTrue(term.support_cap_warned)
        messages = self.env["mail.message"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.org_a.id)],
            order="id desc",
        )
        self.assertEqual(len(messages) - count, 1)
        self.assertIn("maximum support hours", messages[0].body)
        self.assertIn(self.contact_a, messages[0].partner_ids)
        self._log(ticket, 0.1)
        self.assertEqual(
            self.env["mail.message"].search_count(
                [("model", "=", "res.partner"), ("res_id", "=", self.org_a.id)]
            )
            - count,
            1,
            "once per term",
        )

    def test_nobody_writes_the_warning_flag(self):
        with self.assertRaises(AccessError):
            self.contract.term_ids.with_user(self.manager).write(
                {"support_cap_warned": True}
            )


@tagged("post_install", "-at_install")
class TestPortalSupportHoursCap(SupportCase, HttpCase):
    def test_deployment_page_shows_the_cap_and_what_is_left(self):
        plan = self.env.ref("support_contract.support_plan_suitecrm_dedicated")
        self.assertEqual(plan.max_support_hours, 10)
        org = self._create_organization("Capped Org")
        self._create_portal_user("portal_capped", org)
        deployment = self.env["support.deployment"].create(
            {"name": "CAPPED-1", "partner_id": org.id}
        )
        self._create_contract(deployment, plan, (date(2026, 1, 1), date(2030, 12, 31)))
        self.authenticate("portal_capped", "portal_capped_pw")
        page = self.url_open(f"/my/support/deployments/{deployment.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Support hours", page.text)
        self.assertIn("10:00", page.text)
        self.assertIn("Left:", page.text)

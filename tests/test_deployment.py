from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from .common import SupportCase


@tagged("post_install", "-at_install")
class TestDeployment(SupportCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.org = cls._create_organization("Orbital Telecom")
        cls.contact = cls._create_contact(cls.org, "Ada Contact")
        cls.reseller = cls._create_organization("Reseller Ltd")
        cls.reseller_contact = cls._create_contact(cls.reseller, "Rex Contact")
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Support Other Co"})
        cls.plan = cls.env.ref("support_contract.support_plan_premium")
        cls.basic = cls.env.ref("support_contract.support_plan_basic")
        cls.Deployment = cls.env["support.deployment"]
        cls.deployment = cls.Deployment.create(
            {"name": "SN-0042", "kind": "serial", "partner_id": cls.org.id}
        )

    # --- reference ---------------------------------------------------------

    def test_reference_trimmed_and_keyed(self):
        deployment = self.Deployment.create(
            {"name": "  Dep-ABC-1  ", "partner_id": self.org.id}
        )
        self.assertRecordValues(
            deployment, [{"name": "Dep-ABC-1", "name_key": "dep-abc-1"}]
        )
        deployment.name = " NEW-Ref "
        self.assertRecordValues(
            deployment, [{"name": "NEW-Ref", "name_key": "new-ref"}]
        )

    def test_duplicate_reference_names_existing_deployment(self):
        for reference in ("SN-0042", "sn-0042", "  Sn-0042 "):
            with (
                self.subTest(reference=reference),
                self.assertRaises(ValidationError) as error,
            ):
                self.Deployment.create(
                    {"name": reference, "partner_id": self.reseller.id}
                )
            message = str(error.exception)
            self.assertIn("SN-0042", message)
            self.assertIn("Orbital Telecom", message)
        self.assertEqual(
            self.Deployment.search_count([("name_key", "=", "sn-0042")]), 1
        )

    def test_duplicate_reference_refused_on_rename(self):
        other = self.Deployment.create(
            {"name": "SN-0043", "partner_id": self.reseller.id}
        )
        with self.assertRaises(ValidationError) as error:
            other.name = " sn-0042"
        self.assertIn("SN-0042", str(error.exception))
        self.assertIn("Orbital Telecom", str(error.exception))

    def test_duplicate_reference_in_one_batch(self):
        with self.assertRaises(ValidationError) as error:
            self.Deployment.create(
                [
                    {"name": "SN-9000", "partner_id": self.org.id},
                    {"name": "sn-9000 ", "partner_id": self.reseller.id},
                ]
            )
        self.assertIn("SN-9000", str(error.exception))

    def test_empty_reference_refused(self):
        with self.assertRaises(ValidationError):
            self.Deployment.create({"name": "   ", "partner_id": self.org.id})

    def test_same_reference_allowed_in_another_company(self):
        twin = self.Deployment.create(
            {
                "name": "sn-0042",
                "partner_id": self.org.id,
                "company_id": self.other_company.id,
            }
        )
        self.assertEqual(twin.company_id, self.other_company)
        self.assertEqual(twin.name_key, self.deployment.name_key)

    def test_unique_index_guards_the_database(self):
        """Writes that bypass the ORM (or race it) still hit the unique index."""
        other = self.Deployment.create({"name": "SN-0044", "partner_id": self.org.id})
        self.env.flush_all()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                SQL(
                    "UPDATE support_deployment SET name_key = %s WHERE id = %s",
                    "sn-0042",
                    other.id,
                )
            )

    # --- owner -------------------------------------------------------------

    def test_owner_stored_as_organization(self):
        deployment = self.Deployment.create(
            {
                "name": "DEP-1",
                "partner_id": self.contact.id,
                "coowner_ids": [Command.set([self.reseller_contact.id])],
            }
        )
        self.assertEqual(deployment.partner_id, self.org)
        self.assertEqual(deployment.coowner_ids, self.reseller)
        deployment.write(
            {
                "partner_id": self.reseller_contact.id,
                "coowner_ids": [Command.link(self.contact.id)],
            }
        )
        self.assertEqual(deployment.partner_id, self.reseller)
        self.assertEqual(deployment.coowner_ids, self.reseller | self.org)

    # --- coverage ----------------------------------------------------------

    @freeze_time("2025-06-15")
    def test_never_covered(self):
        self.assertRecordValues(
            self.deployment,
            [{"coverage_start": False, "coverage_end": False, "state": "never"}],
        )
        self.assertIn(
            self.deployment, self.Deployment.search([("state", "=", "never")])
        )

    @freeze_time("2025-06-15")
    def test_coverage_from_terms_covered(self):
        self._create_contract(
            self.deployment,
            self.plan,
            (date(2023, 7, 1), date(2024, 6, 30)),
            (date(2024, 7, 1), date(2025, 6, 30)),
        )
        self._create_contract(
            self.deployment, self.basic, (date(2022, 1, 1), date(2022, 12, 31))
        )
        self.assertRecordValues(
            self.deployment,
            [
                {
                    "coverage_start": date(2022, 1, 1),
                    "coverage_end": date(2025, 6, 30),
                    "state": "covered",
                }
            ],
        )
        self.assertEqual(
            self.Deployment.search(
                [("id", "=", self.deployment.id), ("state", "=", "covered")]
            ),
            self.deployment,
        )
        self.assertFalse(
            self.Deployment.search(
                [("id", "=", self.deployment.id), ("state", "in", ["lapsed", "never"])]
            )
        )
        self.assertEqual(
            self.Deployment.search(
                [("id", "=", self.deployment.id), ("state", "!=", "lapsed")]
            ),
            self.deployment,
        )

    @freeze_time("2025-06-15")
    def test_coverage_lapsed_and_expiry_day(self):
        contract = self._create_contract(
            self.deployment, self.plan, (date(2024, 6, 15), date(2025, 6, 14))
        )
        self.assertRecordValues(
            self.deployment, [{"coverage_end": date(2025, 6, 14), "state": "lapsed"}]
        )
        self.assertEqual(
            self.Deployment.search(
                [("id", "=", self.deployment.id), ("state", "=", "lapsed")]
            ),
            self.deployment,
        )
        # covered through the expiry day itself
        contract.term_ids.date_end = date(2025, 6, 15)
        self.assertRecordValues(
            self.deployment, [{"coverage_end": date(2025, 6, 15), "state": "covered"}]
        )

    @freeze_time("2025-06-15")
    def test_cancelled_contract_does_not_cover(self):
        self._create_contract(
            self.deployment, self.basic, (date(2024, 1, 1), date(2024, 12, 31))
        )
        premium = self._create_contract(
            self.deployment, self.plan, (date(2025, 1, 1), date(2025, 12, 31))
        )
        self.assertEqual(self.deployment.state, "covered")
        premium.action_cancel()
        self.assertRecordValues(
            self.deployment, [{"coverage_end": date(2024, 12, 31), "state": "lapsed"}]
        )

    def test_renewal_periods_catch_up(self):
        """doc/rules.md, "Continuity and catch-up" on a deployment: lapsed
        since 2012-09-30, ordered 2017-06-15."""
        self._create_contract(
            self.deployment, self.plan, (date(2011, 10, 1), date(2012, 9, 30))
        )
        periods = self.deployment._get_renewal_periods(date(2017, 6, 15))
        self.assertEqual(len(periods), 5)
        self.assertEqual(periods[0], (date(2012, 10, 1), date(2013, 9, 30)))
        self.assertEqual(periods[-1][1], date(2017, 9, 30))
        never = self.Deployment.create({"name": "NEVER-1", "partner_id": self.org.id})
        self.assertEqual(
            never._get_renewal_periods(date(2017, 6, 15)),
            [(date(2017, 6, 15), date(2018, 6, 14))],
        )

    def test_contracts_smart_button(self):
        contract = self._create_contract(
            self.deployment, self.plan, (date(2024, 1, 1), date(2024, 12, 31))
        )
        self.assertEqual(self.deployment.contract_count, 1)
        action = self.deployment.action_view_contracts()
        self.assertEqual(action["res_id"], contract.id)

    def test_deployment_with_contract_cannot_be_deleted(self):
        self._create_contract(
            self.deployment, self.plan, (date(2024, 1, 1), date(2024, 12, 31))
        )
        with self.assertRaisesRegex(UserError, "SN-0042"):
            self.deployment.unlink()
        spare = self.Deployment.create({"name": "SPARE-1", "partner_id": self.org.id})
        spare.unlink()
        self.assertFalse(spare.exists())

    # --- access ------------------------------------------------------------

    def test_access_rights(self):
        salesman = new_test_user(
            self.env, "sc_salesman", groups="sales_team.group_sale_salesman"
        )
        support_user = new_test_user(
            self.env, "sc_support_user", groups="support_contract.group_support_user"
        )
        deployment = self.Deployment.with_user(salesman).create(
            {"name": "DEP-SALES", "partner_id": self.org.id}
        )
        deployment.write({"kind": "serial"})
        self.assertTrue(self.plan.with_user(salesman).name)
        with self.assertRaises(AccessError):
            self.env["support.contract"].with_user(salesman).create(
                {"deployment_id": deployment.id, "plan_id": self.plan.id}
            )
        with self.assertRaises(AccessError):
            self.plan.with_user(support_user).write({"credits_per_term": 1})
        with self.assertRaises(AccessError):
            deployment.with_user(support_user).unlink()
        deployment.with_user(support_user).write({"kind": "deployment"})

    def test_multi_company_rule(self):
        user = new_test_user(
            self.env, "sc_user_mc", groups="support_contract.group_support_user"
        )
        foreign = self.Deployment.create(
            {
                "name": "FOREIGN-1",
                "partner_id": self.org.id,
                "company_id": self.other_company.id,
            }
        )
        visible = self.Deployment.with_user(user).search(
            [("name", "in", ["FOREIGN-1", "SN-0042"])]
        )
        self.assertEqual(visible, self.deployment)
        self.assertNotIn(foreign, visible)

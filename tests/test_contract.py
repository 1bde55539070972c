from datetime import date
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .common import SupportContractCase, cron_progress


@tagged("post_install", "-at_install")
class TestContract(SupportContractCase):
    def test_name_from_sequence_and_partner_organization(self):
        with freeze_time("2025-03-01"):
            contract = self.Contract.create(
                {
                    "deployment_id": self.dep_a.id,
                    "plan_id": self.premium.id,
                    "partner_id": self.contact.id,
                }
            )
        self.assertRegex(contract.name, r"^SC/2025/\d{5}$")
        self.assertEqual(contract.partner_id, self.org)
        self.assertEqual(contract.company_id, self.dep_a.company_id)
        self.assertTrue(contract.auto_renew)
        # without a partner: the deployment's owner
        other = self.Contract.create(
            {"deployment_id": self.dep_b.id, "plan_id": self.premium.id}
        )
        self.assertEqual(other.partner_id, self.org)
        self.assertNotEqual(other.name, contract.name)

    def test_one_contract_per_deployment_and_plan(self):
        self.Contract.create(
            {"deployment_id": self.dep_a.id, "plan_id": self.premium.id}
        )
        # another plan for the same deployment is fine
        self.Contract.create({"deployment_id": self.dep_a.id, "plan_id": self.basic.id})
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.Contract.create(
                {"deployment_id": self.dep_a.id, "plan_id": self.premium.id}
            )

    @freeze_time("2025-06-15")
    def test_dates_and_state_from_terms(self):
        contract = self.Contract.create(
            {"deployment_id": self.dep_a.id, "plan_id": self.premium.id}
        )
        self.assertRecordValues(
            contract, [{"date_start": False, "date_end": False, "state": "lapsed"}]
        )
        self.Term.create(
            [
                {
                    "contract_id": contract.id,
                    "date_start": date(2023, 6, 1),
                    "date_end": date(2024, 5, 31),
                    "credits": 60,
                },
                {
                    "contract_id": contract.id,
                    "date_start": date(2024, 6, 1),
                    "date_end": date(2025, 5, 31),
                    "credits": 60,
                },
            ]
        )
        self.assertRecordValues(
            contract,
            [
                {
                    "date_start": date(2023, 6, 1),
                    "date_end": date(2025, 5, 31),
                    "state": "lapsed",
                    "credits_total": 120,
                }
            ],
        )
        self.Term.create(
            {
                "contract_id": contract.id,
                "date_start": date(2025, 6, 1),
                "date_end": date(2026, 5, 31),
            }
        )
        self.assertRecordValues(
            contract, [{"date_end": date(2026, 5, 31), "state": "active"}]
        )
        self.assertEqual(self.dep_a.coverage_end, date(2026, 5, 31))

    def test_overlapping_terms_refused(self):
        contract = self.Contract.create(
            {"deployment_id": self.dep_a.id, "plan_id": self.premium.id}
        )
        self.Term.create(
            {
                "contract_id": contract.id,
                "date_start": date(2024, 1, 1),
                "date_end": date(2024, 12, 31),
            }
        )
        with self.assertRaises(ValidationError) as error:
            self.Term.create(
                {
                    "contract_id": contract.id,
                    "date_start": date(2024, 12, 31),
                    "date_end": date(2025, 12, 30),
                }
            )
        self.assertIn(contract.name, str(error.exception))
        with self.assertRaises(ValidationError):
            self.Term.create(
                {
                    "contract_id": contract.id,
                    "date_start": date(2023, 1, 1),
                    "date_end": date(2026, 1, 1),
                }
            )
        with self.assertRaises(ValidationError):
            self.Term.create(
                [
                    {
                        "contract_id": contract.id,
                        "date_start": date(2025, 1, 1),
                        "date_end": date(2025, 12, 31),
                    },
                    {
                        "contract_id": contract.id,
                        "date_start": date(2025, 6, 1),
                        "date_end": date(2026, 5, 31),
                    },
                ]
            )
        # contiguous terms are fine, and terms of another contract never clash
        self.Term.create(
            {
                "contract_id": contract.id,
                "date_start": date(2025, 1, 1),
                "date_end": date(2025, 12, 31),
            }
        )
        other = self.Contract.create(
            {"deployment_id": self.dep_a.id, "plan_id": self.basic.id}
        )
        self.Term.create(
            {
                "contract_id": other.id,
                "date_start": date(2024, 1, 1),
                "date_end": date(2024, 12, 31),
            }
        )
        self.assertEqual(len(contract.term_ids), 2)

    def test_term_ending_before_start_refused(self):
        contract = self.Contract.create(
            {"deployment_id": self.dep_a.id, "plan_id": self.premium.id}
        )
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.Term.create(
                {
                    "contract_id": contract.id,
                    "date_start": date(2024, 1, 2),
                    "date_end": date(2024, 1, 1),
                }
            )
        # a one-day term is valid
        self.Term.create(
            {
                "contract_id": contract.id,
                "date_start": date(2024, 1, 1),
                "date_end": date(2024, 1, 1),
            }
        )

    def test_get_or_create_many_creates_once_and_reuses(self):
        existing = self.Contract.create(
            {"deployment_id": self.dep_c.id, "plan_id": self.basic.id}
        )
        requests = [
            (self.dep_a, self.premium, self.contact),
            (self.dep_b, self.premium, self.org),
            (self.dep_a, self.premium, self.org),
            (self.dep_c, self.basic, self.org),
        ]
        create = type(self.Contract).create
        create_calls = []

        def spy_create(model, vals_list):
            create_calls.append(vals_list)
            return create(model, vals_list)

        with patch.object(type(self.Contract), "create", spy_create):
            contracts = self.Contract._get_or_create_many(requests)
        self.assertEqual([len(vals_list) for vals_list in create_calls], [2])
        self.assertEqual(len(contracts), 4)
        self.assertEqual(contracts[0], contracts[2])
        self.assertEqual(contracts[3], existing)
        self.assertRecordValues(
            contracts[:2],
            [
                {
                    "deployment_id": self.dep_a.id,
                    "plan_id": self.premium.id,
                    "partner_id": self.org.id,
                },
                {
                    "deployment_id": self.dep_b.id,
                    "plan_id": self.premium.id,
                    "partner_id": self.org.id,
                },
            ],
        )
        # second time: nothing created, the same contracts come back
        count = self.Contract.search_count([])
        again = self.Contract._get_or_create_many(requests)
        self.assertEqual(again.ids, contracts.ids)
        self.assertEqual(self.Contract.search_count([]), count)
        self.assertEqual(
            self.Contract._get_or_create(self.dep_b, self.premium, self.contact),
            contracts[1],
        )
        self.assertFalse(self.Contract._get_or_create_many([]))

    def test_auto_renew_toggle(self):
        contract = self.Contract.create(
            {"deployment_id": self.dep_a.id, "plan_id": self.premium.id}
        )
        contract.action_turn_auto_renew_off()
        self.assertFalse(contract.auto_renew)
        contract.action_turn_auto_renew_on()
        self.assertTrue(contract.auto_renew)

    @freeze_time("2025-06-15")
    def test_cancel_and_reactivate(self):
        contract = self.Contract.create(
            {
                "deployment_id": self.dep_a.id,
                "plan_id": self.premium.id,
                "term_ids": [
                    Command.create(
                        {"date_start": date(2025, 1, 1), "date_end": date(2025, 12, 31)}
                    )
                ],
            }
        )
        self.assertEqual(contract.state, "active")
        contract.action_cancel()
        self.assertEqual(contract.state, "cancelled")
        self.assertFalse(self.dep_a.coverage_end)
        # a new term does not revive a cancelled contract
        self.Term.create(
            {
                "contract_id": contract.id,
                "date_start": date(2026, 1, 1),
                "date_end": date(2026, 12, 31),
            }
        )
        self.assertEqual(contract.state, "cancelled")
        contract.action_reactivate()
        self.assertEqual(contract.state, "active")
        self.assertEqual(self.dep_a.coverage_end, date(2026, 12, 31))

    def test_cron_marks_expired_contracts_lapsed(self):
        with freeze_time("2025-06-15"):
            contracts = self.Contract.create(
                [
                    {
                        "deployment_id": deployment.id,
                        "plan_id": self.premium.id,
                        "term_ids": [
                            Command.create(
                                {"date_start": date(2024, 7, 1), "date_end": end}
                            )
                        ],
                    }
                    for deployment, end in (
                        (self.dep_a, date(2025, 6, 30)),
                        (self.dep_b, date(2026, 6, 30)),
                    )
                ]
            )
            cancelled = self.Contract.create(
                {
                    "deployment_id": self.dep_c.id,
                    "plan_id": self.premium.id,
                    "term_ids": [
                        Command.create(
                            {
                                "date_start": date(2024, 7, 1),
                                "date_end": date(2025, 6, 30),
                            }
                        )
                    ],
                }
            )
            cancelled.action_cancel()
            self.assertEqual(contracts.mapped("state"), ["active", "active"])
        with (
            freeze_time("2025-07-01"),
            cron_progress(self.env, time_left=60.0) as progress,
        ):
            self.Contract._cron_update_state(batch_size=1)
        self.assertEqual(contracts.mapped("state"), ["lapsed", "active"])
        self.assertEqual(cancelled.state, "cancelled")
        # progress announced, then reported batch by batch (batches of one)
        first, *batches = progress.call_args_list
        self.assertGreaterEqual(first.kwargs["remaining"], 1)
        self.assertEqual(
            [call.kwargs for call in batches],
            [{"processed": 1}] * first.kwargs["remaining"],
        )
        self.assertEqual(self.dep_a.state, "lapsed")


@tagged("post_install", "-at_install")
class TestSupportProduct(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.premium = cls.env.ref("support_contract.support_plan_premium")
        cls.Template = cls.env["product.template"]

    def test_contract_product_needs_plan_and_term(self):
        with self.assertRaisesRegex(ValidationError, "needs a support plan"):
            self.Template.create(
                {"name": "Support X", "type": "service", "support_kind": "contract"}
            )
        with self.assertRaisesRegex(ValidationError, "at least one month"):
            self.Template.create(
                {
                    "name": "Support Y",
                    "type": "service",
                    "support_kind": "contract",
                    "support_plan_id": self.premium.id,
                    "support_term_months": 0,
                }
            )
        product = self.Template.create(
            {
                "name": "Support Z",
                "type": "service",
                "support_kind": "contract",
                "support_plan_id": self.premium.id,
            }
        )
        self.assertEqual(product.support_term_months, 12)
        with self.assertRaises(ValidationError):
            product.support_plan_id = False

    def test_credits_never_negative(self):
        with self.assertRaisesRegex(ValidationError, "cannot be negative"):
            self.Template.create(
                {"name": "Odd", "type": "service", "support_credits": -5}
            )
        with self.assertRaisesRegex(ValidationError, "at least one credit"):
            self.Template.create(
                {"name": "Empty pack", "type": "service", "support_kind": "credit_pack"}
            )

    def test_support_product_is_a_service(self):
        with self.assertRaisesRegex(ValidationError, "must be a service"):
            self.Template.create(
                {
                    "name": "Boxed pack",
                    "type": "consu",
                    "support_kind": "credit_pack",
                    "support_credits": 60,
                }
            )

    def test_used_plan_cannot_be_deleted(self):
        with self.assertRaisesRegex(UserError, "Premium"):
            self.premium.unlink()
        spare = self.env["support.plan"].create(
            {
                "name": "Spare",
                "sla_line_ids": [
                    Command.create({"priority": "3", "response_hours": 2.0})
                ],
            }
        )
        spare.unlink()
        self.assertFalse(spare.exists())

    def test_sla_line_unique_per_priority(self):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.premium.sla_line_ids = [
                Command.create({"priority": "3", "response_hours": 5.0})
            ]
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.env.cr.savepoint(),
        ):
            self.env["support.plan"].create(
                {
                    "name": "Negative",
                    "sla_line_ids": [
                        Command.create({"priority": "1", "response_hours": -1.0})
                    ],
                }
            )

    def test_onchange_plan_proposes_its_credits(self):
        product = self.Template.new({"type": "service", "support_kind": "contract"})
        product.support_plan_id = self.premium
        product._onchange_support_plan_id()
        self.assertEqual(product.support_credits, 60)


@tagged("post_install", "-at_install")
class TestSupportData(TransactionCase):
    def test_four_plans_with_sla_and_credits(self):
        ref = self.env.ref
        calendar = ref("support_contract.resource_calendar_support")
        hourly = ref("support_contract.product_hourly_support")
        expected = {
            "enterprise": ("Enterprise", 120, 1.0),
            "premium": ("Premium", 60, 3.0),
            "basic": ("Basic", 30, 12.0),
            "free": ("Free", 0, None),
        }
        for key, (name, credits, hours) in expected.items():
            plan = ref(f"support_contract.support_plan_{key}")
            self.assertRecordValues(
                plan,
                [
                    {
                        "name": name,
                        "credits_per_term": credits,
                        "metering": "minutes",
                        "resource_calendar_id": calendar.id,
                        "hourly_product_id": hourly.id,
                    }
                ],
            )
            if hours is None:
                self.assertFalse(plan.sla_line_ids)
                continue
            self.assertEqual(
                sorted(
                    (line.priority, line.response_hours, line.round_the_clock)
                    for line in plan.sla_line_ids
                ),
                [
                    ("0", hours, False),
                    ("1", hours, False),
                    ("2", hours, False),
                    ("3", hours, True),
                ],
            )
        self.assertEqual(
            ref("support_contract.support_plan_enterprise")
            ._get_sla("3")
            .response_hours,
            1.0,
        )

    def test_calendar_and_hourly_product(self):
        calendar = self.env.ref("support_contract.resource_calendar_support")
        self.assertEqual(calendar.name, "Support hours (Mon-Fri 9-17)")
        self.assertEqual(
            sorted(
                (a.dayofweek, a.hour_from, a.hour_to) for a in calendar.attendance_ids
            ),
            [(str(day), 9.0, 17.0) for day in range(5)],
        )
        hourly = self.env.ref("support_contract.product_hourly_support")
        self.assertRecordValues(
            hourly,
            [
                {
                    "name": "Hourly Support",
                    "type": "service",
                    "list_price": 100.0,
                    "uom_id": self.env.ref("uom.product_uom_hour").id,
                    "invoice_policy": "delivery",
                    "service_policy": "delivered_manual",
                }
            ],
        )

    def test_support_products(self):
        ref = self.env.ref
        for key, credits in (("enterprise", 120), ("premium", 60), ("basic", 30)):
            product = ref(f"support_contract.product_support_contract_{key}")
            self.assertRecordValues(
                product,
                [
                    {
                        "type": "service",
                        "invoice_policy": "order",
                        "support_kind": "contract",
                        "support_plan_id": ref(
                            f"support_contract.support_plan_{key}"
                        ).id,
                        "support_term_months": 12,
                        "support_credits": credits,
                    }
                ],
            )
            self.assertGreater(product.list_price, 0)
        pack = ref("support_contract.product_support_credits_60")
        self.assertRecordValues(
            pack,
            [
                {
                    "type": "service",
                    "invoice_policy": "order",
                    "support_kind": "credit_pack",
                    "support_credits": 60,
                }
            ],
        )

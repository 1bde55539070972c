from datetime import date

from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user


class SupportTicketCase(TransactionCase):
    """Fixtures of the ticket tests: a plan on a Mon-Fri 9-17 (UTC) calendar,
    organizations A (owner), B (co-owner) and C (stranger), a covered and an
    uncovered deployment of A, an engineer and a support manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "Office Mon-Fri 9-17",
                "tz": "UTC",
                "company_id": False,
                "attendance_ids": [Command.clear()]
                + [
                    Command.create(
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 9,
                            "hour_to": 17,
                            "day_period": "full_day",
                        }
                    )
                    for day in range(5)
                ],
            }
        )
        cls.hourly_product = cls.env.ref("support_contract.product_hourly_support")
        cls.plan = cls.env["support.plan"].create(
            {
                "name": "Test Plan",
                "resource_calendar_id": cls.calendar.id,
                "metering": "minutes",
                "rounding_minutes": 1,
                "hourly_product_id": cls.hourly_product.id,
                "sla_line_ids": [
                    Command.create({"priority": "1", "response_hours": 4.0}),
                    Command.create(
                        {
                            "priority": "3",
                            "response_hours": 2.0,
                            "round_the_clock": True,
                        }
                    ),
                ],
            }
        )
        Partner = cls.env["res.partner"]
        cls.org_a = Partner.create(
            {"name": "Alpha Org", "is_company": True, "email": "alpha@example.com"}
        )
        cls.contact_a = Partner.create(
            {
                "name": "Anna Alpha",
                "parent_id": cls.org_a.id,
                "email": "anna@example.com",
            }
        )
        cls.org_b = Partner.create({"name": "Beta Reseller", "is_company": True})
        cls.contact_b = Partner.create(
            {"name": "Bob Beta", "parent_id": cls.org_b.id, "email": "bob@example.com"}
        )
        cls.org_c = Partner.create({"name": "Gamma Stranger", "is_company": True})
        cls.contact_c = Partner.create(
            {
                "name": "Carl Gamma",
                "parent_id": cls.org_c.id,
                "email": "carl@example.com",
            }
        )
        Deployment = cls.env["support.deployment"]
        cls.deployment = Deployment.create(
            {
                "name": "TKT-DEP-1",
                "partner_id": cls.org_a.id,
                "coowner_ids": [Command.set(cls.org_b.ids)],
            }
        )
        cls.deployment_uncovered = Deployment.create(
            {"name": "TKT-DEP-2", "partner_id": cls.org_a.id}
        )
        cls.contract = cls.env["support.contract"].create(
            {
                "deployment_id": cls.deployment.id,
                "plan_id": cls.plan.id,
                "term_ids": [
                    Command.create(
                        {"date_start": date(2020, 1, 1), "date_end": date(2035, 12, 31)}
                    )
                ],
            }
        )
        cls.engineer = new_test_user(
            cls.env,
            login="support_engineer",
            name="Sam Engineer",
            groups="base.group_user,helpdesk_mgmt.group_helpdesk_user,support_contract.group_support_user,"
            "hr_timesheet.group_hr_timesheet_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="support_manager",
            name="Mia Manager",
            groups="base.group_user,helpdesk_mgmt.group_helpdesk_manager,support_contract.group_support_manager,"
            "hr_timesheet.group_hr_timesheet_user",
        )
        cls.env["hr.employee"].create(
            [
                {
                    "name": user.name,
                    "user_id": user.id,
                    "company_id": cls.env.company.id,
                }
                for user in (cls.engineer, cls.manager, cls.env.user)
                if not user.employee_ids
            ]
        )
        cls.Ticket = cls.env["helpdesk.ticket"]

    @classmethod
    def _ticket(cls, partner=None, deployment=None, **vals):
        partner = partner or cls.contact_a
        deployment = cls.deployment if deployment is None else deployment
        return cls.Ticket.create(
            {
                "name": "Printer on fire",
                "description": "<p>It burns.</p>",
                "partner_id": partner.id,
                "support_deployment_id": deployment.id,
                **vals,
            }
        )

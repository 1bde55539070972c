"""The fixtures of the addon's tests, in one hierarchy.

``SupportCase`` is the root: the factories of fixtures, which create in any
environment (a test's own, or a committed one), and the helpers that every
test reads the same way (a balance, a card, a cron run, an order of support
lines...). Below it, each class adds the fixtures that the tests of one
subject share::

    SupportCase                 factories and helpers, no record of its own
    ├── SupportCommon           a company of its own, organizations A and B, staff
    │   └── CreditLedgerCase    the credit ledger's API, as a Support Manager
    └── SupportTicketCase       a plan on office hours, organizations A, B, C
        └── SupportMeteringCase time logged on tickets, the credits it takes

``CommittedCase`` opens its own cursors; the other classes are
``TransactionCase`` classes, and a test class that needs HTTP adds
``HttpCase`` after one of them (``class TestX(SupportCommon,
HttpCase)``). A test class without shared fixtures derives from
``SupportCase`` and ``TransactionCase`` (or ``HttpCase``) for the factories
and helpers.
"""

from contextlib import ExitStack, contextmanager
from datetime import date

from freezegun import freeze_time

from odoo import Command, api, fields
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, TransactionCase, get_db_name, new_test_user

# The addon's scheduled actions (ir.cron), for SupportCase._run_cron.
CRON_CREDIT_EXPIRE = "support_contract.ir_cron_support_credit_expire"


LOW_BALANCE_SUBJECT = "Your support credits run low"


class SupportCase(BaseCase):
    """Root of the addon's test classes: factories and helpers.

    The factories (``_create_*``) are class methods; they create in ``env``
    when given (a committed environment, see ``CommittedCase``), in the
    class's ``env`` otherwise. The helpers read the test's ``env``.
    """

    @classmethod
    def _env(cls, env=None):
        return cls.env if env is None else env

    # ------------------------------------------------------------------
    # Factories
    # ------------------------------------------------------------------
    @classmethod
    def _create_organization(cls, name, env=None, **vals):
        """An organization: a company partner named ``name``."""
        return cls._env(env)["res.partner"].create(
            {"name": name, "is_company": True, **vals}
        )

    @classmethod
    def _create_contact(cls, organization, name, env=None, **vals):
        """A contact person of ``organization``."""
        return cls._env(env)["res.partner"].create(
            {"name": name, "parent_id": organization.id, **vals}
        )

    @classmethod
    def _create_portal_user(cls, login, organization=None, env=None, **vals):
        """A portal user ``login``, with the password ``<login>_pw`` unless
        ``vals`` gives one; with ``organization``, its partner becomes a
        contact of that organization."""
        vals.setdefault("password", f"{login}_pw")
        user = new_test_user(
            cls._env(env), login=login, groups="base.group_portal", **vals
        )
        if organization:
            user.partner_id.parent_id = organization
        return user

    @classmethod
    def _create_contract(cls, deployment, plan, *periods, env=None, **vals):
        """A contract of ``deployment`` on ``plan``, with one term for each
        ``(date_start, date_end)`` of ``periods``."""
        return cls._env(env)["support.contract"].create(
            {
                "deployment_id": deployment.id,
                "plan_id": plan.id,
                "term_ids": [
                    Command.create({"date_start": start, "date_end": end})
                    for start, end in periods
                ],
                **vals,
            }
        )

    # ------------------------------------------------------------------
    # Credits and cards
    # ------------------------------------------------------------------
    @property
    def Lot(self):
        """The lots' model (a class sets ``Lot`` to use them as a user)."""
        return self.env["support.credit.lot"]

    def _grant(
        self,
        partner,
        quantity,
        expiry_date=date(2035, 12, 31),
        reason="Test credits",
        **origin,
    ):
        """Grant ``quantity`` credits to ``partner``'s organization through
        the ledger's API (``Lot._grant``); ``expiry_date`` a date or an ISO
        string."""
        return self.Lot._grant(
            partner, quantity, fields.Date.to_date(expiry_date), reason, **origin
        )

    def _balance(self, partner=None, user=None):
        """The credit balance of ``partner`` (the class's ``org`` by default),
        read again from the database (as ``user`` when given)."""
        partner = partner or self.org
        if user:
            partner = partner.with_user(user)
        partner.invalidate_recordset(["support_credit_balance"])
        return partner.support_credit_balance

    def _low_balance_notices(self, partner):
        """The "credits run low" notices posted on ``partner``."""
        return self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("subject", "=", LOW_BALANCE_SUBJECT),
            ]
        )

    # ------------------------------------------------------------------
    # Scheduled actions
    # ------------------------------------------------------------------
    def _run_cron(self, *xmlids, on=None):
        """Run the scheduled actions ``xmlids`` (``CRON_*``) as the scheduler
        runs them: each through its ``ir.cron`` record, as the cron's user,
        on a cursor of its own (here a test cursor on the test's transaction),
        on the date ``on`` (frozen) when given. The caches are read again
        afterwards."""
        with ExitStack() as stack:
            if on is not None:
                stack.enter_context(freeze_time(on))
            if not type(self)._registry_patched:  # an HttpCase always is
                stack.enter_context(self.enter_registry_test_mode())
            for xmlid in xmlids:
                self.env.ref(xmlid).method_direct_trigger()
        self.env.invalidate_all()


# ----------------------------------------------------------------------
# Transaction cases
# ----------------------------------------------------------------------


class SupportCommon(SupportCase, TransactionCase):
    """Shared fixtures of the ledger's tests.

    - ``company``: a company of its own, the current company of ``env``;
    - ``org_a`` / ``org_b``: two organizations, with contacts ``contact_a`` /
      ``contact_b``;
    - ``support_user``, ``support_manager``, ``salesman``: users of ``company``.

    Dates are not frozen here: tests freeze them with ``freeze_time``.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create({"name": "Support Test Company"})
        cls.env = cls.env(
            context=dict(cls.env.context, allowed_company_ids=cls.company.ids, tz="UTC")
        )
        cls.org_a = cls._create_organization("Acme Corporation")
        cls.org_b = cls._create_organization("Globex")
        cls.contact_a = cls._create_contact(cls.org_a, "Alice Acme")
        cls.contact_b = cls._create_contact(cls.org_b, "Bob Globex")

        user_values = {
            "company_id": cls.company.id,
            "company_ids": [Command.set(cls.company.ids)],
            "tz": "UTC",
        }
        cls.support_user = new_test_user(
            cls.env,
            login="support_user",
            groups="support_contract.group_support_user",
            **user_values,
        )
        cls.support_manager = new_test_user(
            cls.env,
            login="support_manager",
            groups="support_contract.group_support_manager",
            **user_values,
        )
        cls.salesman = new_test_user(
            cls.env,
            login="support_salesman",
            groups="sales_team.group_sale_salesman",
            **user_values,
        )


class CreditLedgerCase(SupportCommon):
    """The ledger's API as a Support Manager: ``Lot`` and ``Move`` are theirs
    (``_grant`` grants as them); ``consume`` draws from ``org_a`` unless told
    otherwise."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Lot = cls.env["support.credit.lot"].with_user(cls.support_manager)
        cls.Move = cls.env["support.credit.move"].with_user(cls.support_manager)

    def consume(self, quantity, partner=None, reason="Test consumption", **kwargs):
        return self.Lot._consume(partner or self.org_a, quantity, reason, **kwargs)


class SupportTicketCase(SupportCase, TransactionCase):
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
        cls.org_a = cls._create_organization("Alpha Org", email="alpha@example.com")
        cls.contact_a = cls._create_contact(
            cls.org_a, "Anna Alpha", email="anna@example.com"
        )
        cls.org_b = cls._create_organization("Beta Reseller")
        cls.contact_b = cls._create_contact(
            cls.org_b, "Bob Beta", email="bob@example.com"
        )
        cls.org_c = cls._create_organization("Gamma Stranger")
        cls.contact_c = cls._create_contact(
            cls.org_c, "Carl Gamma", email="carl@example.com"
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
        cls.contract = cls._create_contract(
            cls.deployment, cls.plan, (date(2020, 1, 1), date(2035, 12, 31))
        )
        cls.engineer = new_test_user(
            cls.env,
            login="support_engineer",
            name="Sam Engineer",
            groups="base.group_user,helpdesk_mgmt.group_helpdesk_user,"
            "support_contract.group_support_user,"
            "hr_timesheet.group_hr_timesheet_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="support_manager",
            name="Mia Manager",
            groups="base.group_user,helpdesk_mgmt.group_helpdesk_manager,"
            "support_contract.group_support_manager,"
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


class SupportMeteringCase(SupportTicketCase):
    """Time logged on tickets by the engineer, and the credits it takes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Lot = cls.env["support.credit.lot"]
        cls.Move = cls.env["support.credit.move"]
        cls.employee = cls.engineer.employee_ids[:1]

    def _log(self, ticket, hours, user=None, **vals):
        """A timesheet line of ``hours`` on ``ticket``, logged by ``user``
        (the engineer by default), read back as the superuser."""
        return (
            self.env["account.analytic.line"]
            .with_user(user or self.engineer)
            .create(
                {
                    "ticket_id": ticket.id,
                    "unit_amount": hours,
                    "name": "Work",
                    "employee_id": self.employee.id,
                    **vals,
                }
            )
            .sudo()
        )

    def _uncovered_line(self, partner):
        order = self.env["sale.order"].search(
            [("partner_id", "=", partner.id), ("support_uncovered", "=", True)]
        )
        return order.order_line.filtered("support_uncovered")


class CommittedCase(BaseCase):
    """Tests that need two or more real database cursors (two transactions):
    their fixtures are committed, so that every cursor sees them, and the
    subclass's ``_cleanup`` deletes them afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls.addClassCleanup(cls._cleanup)

    @classmethod
    def _cleanup(cls):
        """Delete what the fixtures committed (override)."""

    @classmethod
    @contextmanager
    def committed_env(cls):
        """A superuser environment on a cursor of its own, committed on exit."""
        with cls.registry.cursor() as cr:
            yield api.Environment(cr, api.SUPERUSER_ID, {})

from contextlib import contextmanager

from odoo import Command, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, TransactionCase, get_db_name, new_test_user


class SupportCommon(TransactionCase):
    """Shared fixtures of the addon's tests.

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

        Partner = cls.env["res.partner"]
        cls.org_a, cls.org_b = Partner.create(
            [
                {"name": "Acme Corporation", "is_company": True},
                {"name": "Globex", "is_company": True},
            ]
        )
        cls.contact_a, cls.contact_b = Partner.create(
            [
                {"name": "Alice Acme", "parent_id": cls.org_a.id},
                {"name": "Bob Globex", "parent_id": cls.org_b.id},
            ]
        )

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

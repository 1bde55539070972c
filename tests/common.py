"""The fixtures of the addon's tests, in one hierarchy.

``SupportCase`` is the root: the factories of fixtures, which create in any
environment (a test's own, or a committed one), and the helpers that every
test reads the same way (a balance, a card, a cron run, an order of support
lines...). Below it, each class adds the fixtures that the tests of one
subject share::

    SupportCase                 factories and helpers, no record of its own
    ├── CommittedCase           two real cursors: committed fixtures, one cleanup
    ├── SupportCommon           a company of its own, organizations A and B, staff
    │   └── CreditLedgerCase    the credit ledger's API, as a Support Manager
    ├── SupportContractCase     contracts of one organization's deployments
    ├── SupportSaleCase         support products; orders, invoices, payments
    │   └── RenewalCase         renewals, and the cron jobs that make them
    ├── SupportTicketCase       a plan on office hours, organizations A, B, C
    │   └── SupportMeteringCase time logged on tickets, the credits it takes
    ├── CardClaimCase           a buyer, a claimer, a third party, portal users
    ├── SuiteCrmPlanCase        a customer on the shipped "SuiteCRM Dedicated" plan
    └── SpanishCase             Spanish active, with the addon's terms loaded

``CommittedCase`` opens its own cursors; the other classes are
``TransactionCase`` classes, and a test class that needs HTTP adds
``HttpCase`` after one of them (``class TestCardPortal(CardClaimCase,
HttpCase)``). A test class without shared fixtures derives from
``SupportCase`` and ``TransactionCase`` (or ``HttpCase``) for the factories
and helpers.
"""

import os
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command, api, fields
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, TransactionCase, get_db_name, new_test_user
from odoo.tools import SQL

ADDON = "support_contract"

# The addon's scheduled actions (ir.cron), for SupportCase._run_cron.
CRON_CONTRACT_STATE = "support_contract.ir_cron_support_contract_update_state"
CRON_RENEWAL = "support_contract.ir_cron_support_contract_renewal"
CRON_CREDIT_EXPIRE = "support_contract.ir_cron_support_credit_expire"
CRON_CARD_EXPIRE = "support_contract.ir_cron_support_credit_card_expire"

# A well-formed card code, for the cards that tests claim by a code they know.
KNOWN_CODE = "ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2"

LOW_BALANCE_SUBJECT = "Your support credits run low"


def examples(default):
    """How many random examples a property test tries: ``default``, or
    ``SUPPORT_PROPERTY_EXAMPLES`` to search harder (README, "Tests")."""
    return int(os.environ.get("SUPPORT_PROPERTY_EXAMPLES") or default)


def cron_progress(env, time_left=float("inf")):
    """Patch the cron's progress report (``ir.cron._commit_progress``), so
    that a cron job's method runs in the test's transaction, called directly:
    it commits nothing and has ``time_left`` seconds left after each batch.

    ``env``: an environment, or the registry. The patch is on the model's
    class, for every thread: threads share one. Entered, it gives the mock,
    whose calls tell the batches (``autospec``: each call's first argument
    is the ``ir.cron`` record)."""
    IrCron = env["ir.cron"]
    return patch.object(
        IrCron if isinstance(IrCron, type) else type(IrCron),
        "_commit_progress",
        autospec=True,
        return_value=time_left,
    )


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
    def _create_pack_product(cls, name, env=None, **vals):
        """A product of the "credit pack" kind: 60 credits a unit unless
        ``vals`` say otherwise."""
        return cls._env(env)["product.product"].create(
            {
                "name": name,
                "type": "service",
                "list_price": 100.0,
                "support_kind": "credit_pack",
                "support_credits": 60,
                **vals,
            }
        )

    @classmethod
    def _create_contract_product(cls, name, plan, env=None, **vals):
        """A product of the "contract" kind on ``plan``: a term of 12 months
        a unit, granting no credits unless ``vals`` say otherwise."""
        return cls._env(env)["product.product"].create(
            {
                "name": name,
                "type": "service",
                "support_kind": "contract",
                "support_plan_id": plan.id,
                "support_term_months": 12,
                "support_credits": 0,
                **vals,
            }
        )

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

    @classmethod
    def _create_order(cls, lines, partner=None, user=None, env=None):
        """A quotation of ``partner`` (the class's ``contact`` by default)
        with one line for each dict of values of ``lines``, created as
        ``user`` when given; returned in ``env`` (the class's by default)."""
        env = cls._env(env)
        Order = env["sale.order"].with_user(user) if user else env["sale.order"]
        order = Order.create(
            {
                "partner_id": (partner or cls.contact).id,
                "order_line": [Command.create(vals) for vals in lines],
            }
        )
        return order.with_env(env)

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

    def _ledger_snapshot(self):
        """Every lot and every move of the ledger: what must not change."""
        self.env.flush_all()
        lots = (
            self.env["support.credit.lot"]
            .sudo()
            .search_read(
                [], ["partner_id", "quantity", "remaining", "company_id"], order="id"
            )
        )
        moves = (
            self.env["support.credit.move"]
            .sudo()
            .search_read(
                [], ["lot_id", "partner_id", "quantity", "move_type"], order="id"
            )
        )
        return lots, moves

    def _low_balance_notices(self, partner):
        """The "credits run low" notices posted on ``partner``."""
        return self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("subject", "=", LOW_BALANCE_SUBJECT),
            ]
        )

    def _card(self, buyer=None, **vals):
        """A Support Credit Card of 60 credits, bought by ``buyer`` (the
        class's ``card_buyer`` by default)."""
        return self.env["support.credit.card"].create(
            {"credits": 60, "buyer_partner_id": (buyer or self.card_buyer).id, **vals}
        )

    def _claim(self, user, code, partner=None, remote_addr="10.0.0.1"):
        """``user`` claims the card ``code`` for ``partner`` (their own
        partner by default): the claim's result."""
        return (
            self.env["support.credit.card"]
            .with_user(user)
            ._claim_code(code, partner or user.partner_id, remote_addr=remote_addr)
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
# Two real cursors
# ----------------------------------------------------------------------


class CommittedCase(SupportCase):
    """Tests that need two or more real database cursors (two transactions,
    often in two threads): their fixtures are committed, so that every cursor
    sees them, and one cleanup (``_cleanup``) deletes them afterwards.

    A fixture created in ``committed_env()`` is handed to ``_commit`` (which
    returns it) for the cleanup; a value written on an existing record goes
    through ``_commit_write``, and the cleanup writes the previous one back.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        cls._committed = []  # (model, ids), in the order of creation
        cls._written = []  # (model, ids, previous values)
        cls.addClassCleanup(cls._cleanup)

    @classmethod
    @contextmanager
    def committed_env(cls, uid=api.SUPERUSER_ID, context=None):
        """An environment of ``uid`` on a cursor of its own, committed on
        exit (the superuser's by default)."""
        with cls.registry.cursor() as cr:
            yield api.Environment(cr, uid, context or {})

    @classmethod
    def _commit(cls, *recordsets):
        """Remember ``recordsets``, created in a committed environment, for
        the cleanup; return them (one, or a tuple)."""
        for records in recordsets:
            cls._committed.append((records._name, records.ids))
        return recordsets[0] if len(recordsets) == 1 else recordsets

    @classmethod
    def _commit_write(cls, records, **values):
        """Write ``values`` on ``records`` (in a committed environment); the
        cleanup writes the previous values back, first."""
        previous = {
            name: records._fields[name].convert_to_write(records[name], records)
            for name in values
        }
        cls._written.append((records._name, records.ids, previous))
        records.write(values)

    @classmethod
    def _cleanup(cls):
        """Delete every committed fixture, and what the tests made of them:

        1. the values written on existing records go back (on their own, in
           a transaction of their own: other tests expect them);
        2. what holds on the fixtures goes first: the ledger's rows (lots and
           moves of the organizations, cards, order lines and tickets), what
           invoices granted, the claim attempts, the cards, the time logged
           on the tickets: by SQL, as the ORM refuses to delete them; the
           renewals, payments, invoices and orders are cancelled or reset
           to draft, then deleted; the contracts and their terms, by SQL;
        3. then the fixtures themselves, the newest first, with the users'
           partners.
        """
        with cls.committed_env() as env:
            for model, ids, previous in reversed(cls._written):
                env[model].browse(ids).write(previous)
        committed = defaultdict(list)
        for model, ids in cls._committed:
            committed[model] += ids
        with cls.committed_env(context={"force_delete": True}) as env:

            def fixtures(model):
                return env[model].browse(committed[model]).exists()

            users = fixtures("res.users")
            partners = fixtures("res.partner") | users.partner_id
            orders = fixtures("sale.order")
            lines = orders.order_line
            invoices = fixtures("account.move") | orders.invoice_ids
            contracts = fixtures("support.contract")
            tickets = fixtures("helpdesk.ticket")
            cards = fixtures("support.credit.card") | env["support.credit.card"].search(
                [("sale_line_id", "in", lines.ids)]
            )
            renewals = env["support.contract.renewal"].search(
                [("contract_id", "in", contracts.ids)]
            )

            cls._delete_rows(
                env, "support_invoice_credit", SQL("sale_line_id = ANY(%s)", lines.ids)
            )
            lots = SQL(
                "SELECT id FROM support_credit_lot"
                " WHERE partner_id = ANY(%s) OR card_id = ANY(%s)"
                " OR sale_line_id = ANY(%s)",
                partners.ids,
                cards.ids,
                lines.ids,
            )
            cls._delete_rows(
                env,
                "support_credit_move",
                SQL("lot_id IN (%s) OR ticket_id = ANY(%s)", lots, tickets.ids),
            )
            cls._delete_rows(env, "support_credit_lot", SQL("id IN (%s)", lots))
            cls._delete_rows(
                env,
                "support_card_claim_attempt",
                SQL("user_id = ANY(%s) OR card_id = ANY(%s)", users.ids, cards.ids),
            )
            cls._delete_with_chatter(env, cards)
            cls._delete_rows(
                env, "account_analytic_line", SQL("ticket_id = ANY(%s)", tickets.ids)
            )
            renewal_orders = renewals.order_id
            renewals.unlink()
            renewal_orders.with_context(disable_cancel_warning=True).action_cancel()
            renewal_orders.unlink()
            payments = invoices._get_reconciled_payments()
            payments.action_draft()
            payments.unlink()
            invoices.button_draft()
            invoices.unlink()
            orders._action_cancel()
            orders.unlink()
            cls._delete_rows(
                env,
                "support_contract_term",
                SQL("contract_id = ANY(%s)", contracts.ids),
            )
            cls._delete_with_chatter(env, contracts)
            tickets.unlink()
            env["account.payment.register"].search(
                [("partner_id", "in", partners.ids)]
            ).unlink()
            env.invalidate_all()
            for model, ids in reversed(cls._committed):
                records = env[model].browse(ids).exists()
                if model == "res.users":
                    # a user's own partner goes with it
                    partner = records.partner_id
                    records.unlink()
                    partner.exists().unlink()
                else:
                    records.unlink()

    @staticmethod
    def _delete_rows(env, table, where):
        env.cr.execute(SQL("DELETE FROM %s WHERE %s", SQL.identifier(table), where))

    @classmethod
    def _delete_with_chatter(cls, env, records):
        """Delete ``records`` by SQL, with their messages, mails and
        followers (the ORM refuses to delete some of them)."""
        chatter = [("model", "=", records._name), ("res_id", "in", records.ids)]
        env["mail.mail"].search(chatter).unlink()
        env["mail.message"].search(chatter).unlink()
        env["mail.followers"].search(
            [("res_model", "=", records._name), ("res_id", "in", records.ids)]
        ).unlink()
        cls._delete_rows(env, records._table, SQL("id = ANY(%s)", records.ids))


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


class SupportContractCase(SupportCase, TransactionCase):
    """An organization with three deployments, and the shipped Premium and
    Basic plans."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.org = cls._create_organization("Nimbus Networks")
        cls.contact = cls._create_contact(cls.org, "Nina Contact")
        cls.premium = cls.env.ref("support_contract.support_plan_premium")
        cls.basic = cls.env.ref("support_contract.support_plan_basic")
        Deployment = cls.env["support.deployment"]
        cls.dep_a, cls.dep_b, cls.dep_c = Deployment.create(
            [
                {"name": f"SC-TEST-{suffix}", "partner_id": cls.org.id}
                for suffix in "ABC"
            ]
        )
        cls.Contract = cls.env["support.contract"]
        cls.Term = cls.env["support.contract.term"]


class SupportSaleCase(SupportCase, TransactionCase):
    """An organization, a deployment and support products, built without
    demo data; orders of support lines, and what an accountant does with
    them (the class that invoices sets ``accountant``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.org = cls._create_organization("Tony Lewis Home")
        cls.contact = cls._create_contact(cls.org, "Tony Lewis")
        cls.reseller = cls._create_organization("Reseller Ltd")
        cls.plan = cls.env["support.plan"].create(
            {"name": "Test Enterprise", "credits_per_term": 120}
        )
        cls.contract_product = cls._create_contract_product(
            "Support Contract - Test, 1 year",
            cls.plan,
            support_credits=120,
            list_price=1000.0,
        )
        cls.pack_product = cls._create_pack_product("Support Credits - Test 60 minutes")
        cls.deployment = cls.env["support.deployment"].create(
            {
                "name": "78927639",
                "kind": "serial",
                "partner_id": cls.org.id,
            }
        )

    @classmethod
    def _cover_until(cls, deployment, date_end, date_start=None):
        """Give `deployment` a contract whose last term ends on `date_end`."""
        date_start = date_start or date(date_end.year - 1, date_end.month, 1)
        return cls._create_contract(
            deployment,
            cls.plan,
            (date_start, date_end),
            partner_id=deployment.partner_id.id,
        )

    def _contract_line(self, qty=1, deployment=None, **extra):
        vals = {"product_id": self.contract_product.id, "product_uom_qty": qty}
        if deployment is not False:
            vals["support_deployment_id"] = (deployment or self.deployment).id
        vals.update(extra)
        return vals

    def _pack_line(self, qty=1, **extra):
        return {"product_id": self.pack_product.id, "product_uom_qty": qty, **extra}

    def _confirmed(self, lines, user=None):
        """An order of ``lines``, created and confirmed (as ``user`` when
        given); returned in the test's environment."""
        order = self._create_order(lines, user=user)
        (order.with_user(user) if user else order).action_confirm()
        self.assertEqual(order.state, "sale")
        return order

    def _lots(self, partner=None):
        return self.env["support.credit.lot"].search(
            [("partner_id", "=", (partner or self.org).id)]
        )

    def _invoice(self, order, quantities=None):
        """The accountant invoices ``order`` (``quantities``: per order line,
        when not all of it) and posts the invoice."""
        invoice = order.with_user(self.accountant)._create_invoices()
        if quantities:
            for line in invoice.invoice_line_ids:
                line.quantity = quantities[line.sale_line_ids]
        invoice.action_post()
        return invoice

    def _pay(self, invoice):
        """The accountant registers the payment of what ``invoice`` owes."""
        self.env["account.payment.register"].with_user(self.accountant).with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def _credit_note(self, invoice, quantities=None, reason="Customer returned it"):
        """The accountant reverses ``invoice`` with a credit note (for
        ``quantities`` per order line, when not all of it) and posts it."""
        reversal = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"reason": reason, "journal_id": invoice.journal_id.id})
        )
        action = reversal.refund_moves()
        credit_note = (
            self.env["account.move"].browse(action["res_id"]).with_user(self.accountant)
        )
        if quantities:
            for line in credit_note.invoice_line_ids:
                line.quantity = quantities[line.sale_line_ids]
        credit_note.action_post()
        return credit_note


class RenewalCase(SupportSaleCase):
    """Renewals: the customer has email addresses; notice 30 days before the
    expiry, reminders 7 days and 1 day before it."""

    SOLD_ON = "2025-01-10"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.org.email = "accounts@tonylewis.example.com"
        cls.contact.email = "tony@tonylewis.example.com"
        cls.Renewal = cls.env["support.contract.renewal"]
        cls.env.company.write(
            {"support_renewal_notice_days": 30, "support_renewal_reminder_days": "7,1"}
        )

    def _sell(self, deployment=None, on=SOLD_ON, **line):
        with freeze_time(on):
            order = self._create_order(
                [self._contract_line(qty=1, deployment=deployment, **line)]
            )
            order.action_confirm()
        return order

    def _contract(self, deployment=None):
        return (deployment or self.deployment).contract_ids

    def run_cron(self, on):
        """The nightly jobs of ``on``: contracts' states, then renewals."""
        self._run_cron(CRON_CONTRACT_STATE, CRON_RENEWAL, on=on)

    def _messages(self, record, text):
        return record.message_ids.filtered(
            lambda m: text in (m.subject or "") + str(m.body)
        )


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


class CardClaimCase(SupportCase, TransactionCase):
    """Fixtures of the claim tests: a buyer organization, a claimer
    organization with a portal user, a third organization, and cards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.Card = env["support.credit.card"]
        cls.Attempt = env["support.card.claim.attempt"]
        cls.buyer = cls._create_organization(
            "Acme Robotics", email="billing@acme.example.com"
        )
        cls.buyer_contact = cls._create_contact(
            cls.buyer, "Ada Buyer", email="ada@acme.example.com"
        )
        cls.claimer = cls._create_organization("Globex")
        cls.claimer_contact = cls._create_contact(
            cls.claimer, "Hank Claimer", email="hank@globex.example.com"
        )
        cls.third = cls._create_organization("Initech")
        cls.third_contact = cls._create_contact(
            cls.third, "Peter Third", email="peter@initech.example.com"
        )
        cls.card_buyer = cls.buyer_contact
        cls.buyer_user, cls.claimer_user, cls.third_user = (
            cls._create_portal_user(
                login,
                partner_id=contact.id,
                password=login,
                name=contact.name,
                email=contact.email,
            )
            for login, contact in (
                ("card_buyer_portal", cls.buyer_contact),
                ("card_claimer_portal", cls.claimer_contact),
                ("card_third_portal", cls.third_contact),
            )
        )
        cls.manager = new_test_user(
            env,
            "card_claim_manager",
            groups="support_contract.group_support_manager",
        )


class SuiteCrmPlanCase(SupportCase, TransactionCase):
    """A customer on the shipped "SuiteCRM Dedicated" plan (London business
    days, Severity 1 to 4)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        name = "Hispano CRM"
        cls.plan = cls.env.ref("support_contract.support_plan_suitecrm_dedicated")
        cls.org = cls._create_organization(name)
        cls.contact = cls._create_contact(cls.org, f"{name} contact")
        cls.deployment = cls.env["support.deployment"].create(
            {"name": f"{name} CRM-1", "partner_id": cls.org.id}
        )
        cls.contract = cls._create_contract(
            cls.deployment, cls.plan, (date(2026, 1, 1), date(2030, 12, 31))
        )


class SpanishCase(SupportCase, TransactionCase):
    """Spanish (Spain) active, with the addon's Spanish terms loaded;
    ``es_env``: the environment in Spanish."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("es_ES")
        cls.env["ir.module.module"]._load_module_terms(
            [ADDON], ["es_ES"], overwrite=True
        )
        cls.es_env = cls.env(context=dict(cls.env.context, lang="es_ES"))

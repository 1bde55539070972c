"""Accountants see the invoice credits (issue 12): what each invoice line
granted once paid, and each credit note line withdrew, in a read-only list
under Support > Credits, and from the invoice itself."""

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SupportSaleCase

TODAY = "2025-03-01"


@tagged("post_install", "-at_install")
class TestInvoiceCreditViews(SupportSaleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env, login="credits_accountant", groups="account.group_account_invoice"
        )
        cls.support_manager = new_test_user(
            cls.env,
            login="credits_support_manager",
            groups="support_contract.group_support_manager",
        )
        cls.support_user = new_test_user(
            cls.env,
            login="credits_support_user",
            groups="support_contract.group_support_user",
        )
        cls.Credit = cls.env["support.invoice.credit"]

    def setUp(self):
        super().setUp()
        self.env.company.support_credit_grant = "paid"

    def _paid_invoice(self):
        order = self._create_order([self._pack_line(2)])
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertEqual(
            invoice.with_user(self.accountant).support_invoice_credit_count,
            0,
            "nothing before payment",
        )
        self._pay(invoice)
        return order, invoice.with_env(self.env)

    def _credit_note_of_one(self, invoice):
        """A credit note of one unit of each line of ``invoice``."""
        return self._credit_note(
            invoice,
            {line: 1 for line in invoice.invoice_line_ids.sale_line_ids},
            reason="Returned",
        )

    def _reachable(self, menu, user):
        """Whether ``user`` reaches ``menu`` from the app switcher: it and
        every menu above it are visible to them."""
        visible = self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        while menu:
            if menu.id not in visible:
                return False
            menu = menu.parent_id
        return True

    @freeze_time(TODAY)
    def test_accountant_reads_but_cannot_write(self):
        order, invoice = self._paid_invoice()
        records = self.Credit.with_user(self.accountant).search(
            [("move_id", "=", invoice.id)]
        )
        self.assertRecordValues(
            records,
            [
                {
                    "kind": "grant",
                    "credits": 120,
                    "quantity": 2,
                    "partner_id": self.org.id,
                    "order_id": order.id,
                }
            ],
        )
        for operation in (
            lambda: records.write({"credits": 600}),
            lambda: self.Credit.with_user(self.accountant).create(
                {
                    "kind": "grant",
                    "move_line_id": invoice.invoice_line_ids.id,
                    "sale_line_id": order.order_line.id,
                    "credits": 600,
                }
            ),
            lambda: records.unlink(),
        ):
            with self.assertRaises(AccessError):
                operation()
        self.assertEqual(records.credits, 120)

    @freeze_time(TODAY)
    def test_filters_and_group_bys(self):
        _order, invoice = self._paid_invoice()
        credit_note = self._credit_note_of_one(invoice)
        Credit = self.Credit.with_user(self.accountant)
        self.assertEqual(
            Credit.search(
                [("kind", "=", "grant"), ("move_id", "=", invoice.id)]
            ).credits,
            120,
        )
        withdrawal = Credit.search(
            [("kind", "=", "withdraw"), ("move_id", "=", credit_note.id)]
        )
        self.assertRecordValues(
            withdrawal, [{"credits": 60, "owed": 0, "partner_id": self.org.id}]
        )
        groups = Credit._read_group(
            [("partner_id", "child_of", self.org.id)],
            ["partner_id", "kind"],
            ["credits:sum"],
        )
        self.assertEqual(
            sorted((partner, kind, total) for partner, kind, total in groups),
            [(self.org, "grant", 120), (self.org, "withdraw", 60)],
        )
        self.assertEqual(
            len(
                Credit._read_group(
                    [("move_id", "in", (invoice | credit_note).ids)], ["move_id"]
                )
            ),
            2,
        )
        # every filter and group-by of the search view reads
        search = self.env.ref("support_contract.support_invoice_credit_view_search")
        for name in (
            "filter_grant",
            "filter_withdraw",
            "filter_owed",
            "groupby_kind",
            "groupby_partner",
            "groupby_move",
            "groupby_order",
            "groupby_date",
        ):
            self.assertIn(f'name="{name}"', search.arch)

    @freeze_time(TODAY)
    def test_action_views_and_menu_for_accountants_and_managers(self):
        menu = self.env.ref("support_contract.support_invoice_credit_menu")
        accounting_menu = self.env.ref(
            "support_contract.support_invoice_credit_menu_accounting"
        )
        root = self.env.ref("support_contract.support_menu_root")
        support_accountant = new_test_user(
            self.env,
            login="credits_support_accountant",
            groups="account.group_account_invoice,support_contract.group_support_user",
        )
        expected = {
            # the Support app is for support users: a Billing user alone finds
            # the list in Invoicing > Customers
            self.accountant: {accounting_menu},
            support_accountant: {accounting_menu, menu, root},
            self.support_manager: {menu, root},
        }
        for user, menus in expected.items():
            with self.subTest(user=user.login):
                action = (
                    self.env["ir.actions.act_window"]
                    .with_user(user)
                    ._for_xml_id("support_contract.support_invoice_credit_action")
                )
                self.assertEqual(action["res_model"], "support.invoice.credit")
                views = self.Credit.with_user(user).get_views(
                    [(False, "list"), (False, "form"), (False, "search")]
                )
                self.assertIn("credits", views["views"]["list"]["arch"])
                self.assertEqual(
                    {
                        m
                        for m in (menu, accounting_menu, root)
                        if self._reachable(m, user)
                    },
                    menus,
                )
        # the accountant's form leaves out the ledger's records, which are not theirs
        form = self.Credit.with_user(self.accountant).get_views([(False, "form")])[
            "views"
        ]["form"]["arch"]
        self.assertNotIn("lot_ids", form)
        form = self.Credit.with_user(self.support_manager).get_views([(False, "form")])[
            "views"
        ]["form"]["arch"]
        self.assertIn("lot_ids", form)
        # a support user (not a manager) reads the records, without the menu
        self.assertFalse(self._reachable(menu, self.support_user))

    @freeze_time(TODAY)
    def test_the_invoice_links_to_its_credits(self):
        _order, invoice = self._paid_invoice()
        as_accountant = invoice.with_user(self.accountant)
        as_accountant.invalidate_recordset(
            ["support_invoice_credit_count"]
        )  # read before the payment
        self.assertEqual(as_accountant.support_invoice_credit_count, 1)
        credit_note = self._credit_note_of_one(invoice)
        as_accountant.invalidate_recordset(["support_invoice_credit_count"])
        self.assertEqual(
            as_accountant.support_invoice_credit_count,
            2,
            "its grant, and the credit note withdrawing",
        )
        self.assertEqual(
            credit_note.with_user(self.accountant).support_invoice_credit_count, 1
        )
        action = as_accountant.action_view_support_invoice_credits()
        records = self.Credit.with_user(self.accountant).search(action["domain"])
        self.assertEqual(sorted(records.mapped("kind")), ["grant", "withdraw"])
        # the button is on the invoice form for those who read the credits
        arch = (
            self.env["account.move"]
            .with_user(self.accountant)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertIn("action_view_support_invoice_credits", arch)

    def test_accountants_reach_the_renewals_from_invoicing(self):
        """An accountant who does not use the Support app follows renewals
        (due, quoted, invoiced, paid, lapsed) from Invoicing > Customers, and
        reads them there."""
        menu = self.env.ref("support_contract.support_contract_renewal_menu_accounting")
        self.assertTrue(self._reachable(menu, self.accountant))
        self.assertFalse(
            self._reachable(
                self.env.ref("support_contract.support_menu_root"), self.accountant
            )
        )
        action = (
            self.env["ir.actions.act_window"]
            .with_user(self.accountant)
            ._for_xml_id("support_contract.support_contract_renewal_action")
        )
        Renewal = self.env["support.contract.renewal"].with_user(self.accountant)
        Renewal.search([])  # allowed
        for view_type in ("list", "form", "search"):
            Renewal.get_view(view_type=view_type)
        self.assertEqual(action["res_model"], "support.contract.renewal")

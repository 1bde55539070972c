# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import Counter

from odoo import fields, models
from odoo.fields import Domain

# Who reads what invoices granted and credit notes withdrew (as the access
# rules of support.invoice.credit say).
INVOICE_CREDIT_READERS = (
    "account.group_account_invoice,sales_team.group_sale_salesman,"
    "support_contract.group_support_user"
)


class AccountMove(models.Model):
    _inherit = "account.move"

    support_invoice_credit_count = fields.Integer(
        string="Support Credits",
        compute="_compute_support_invoice_credit_count",
        groups=INVOICE_CREDIT_READERS,
        help="What this invoice's lines granted once paid, or this credit note's "
        "lines withdrew, and the withdrawals that reversed this invoice.",
    )

    def _support_invoice_credit_domain(self):
        return Domain("move_id", "in", self.ids) | Domain(
            "reversed_line_id.move_id", "in", self.ids
        )

    def _compute_support_invoice_credit_count(self):
        moves = self._origin.filtered("id")
        counts = Counter()
        if moves:
            records = self.env["support.invoice.credit"].search_fetch(
                moves._support_invoice_credit_domain(),
                ["move_id", "reversed_line_id"],
            )
            for record in records:
                for move in record.move_id | record.reversed_line_id.move_id:
                    counts[move.id] += 1
        for move in self:
            move.support_invoice_credit_count = counts[move._origin.id]

    def action_view_support_invoice_credits(self):
        """The support credits of this invoice: what its payment granted, what
        credit notes withdrew of it (or, for a credit note, what it withdrew)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_contract.support_invoice_credit_action"
        )
        action["domain"] = [
            "|",
            ("move_id", "=", self.id),
            ("reversed_line_id.move_id", "=", self.id),
        ]
        action["context"] = {}
        return action

    def _invoice_paid_hook(self):
        """A customer invoice is paid (or in payment): grant the support
        credits that wait for it (companies granting credits on payment).
        Odoo calls this hook again when an invoice in payment becomes paid,
        or is reconciled again: nothing is granted twice."""
        result = super()._invoice_paid_hook()
        invoices = self.filtered(lambda move: move.move_type == "out_invoice")
        if invoices:
            self.env["support.invoice.credit"]._grant_paid(invoices.invoice_line_ids)
        return result

    def _post(self, soft=True):
        """A credit note is posted: withdraw the support credits that the
        payment of the invoice it reverses granted."""
        posted = super()._post(soft)
        refunds = posted.filtered(lambda move: move.move_type == "out_refund")
        if refunds:
            self.env["support.invoice.credit"]._withdraw_refunded(
                refunds.invoice_line_ids
            )
        return posted

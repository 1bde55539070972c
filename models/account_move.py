# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

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
            self.env["support.invoice.credit"]._withdraw_refunded(refunds.invoice_line_ids)
        return posted

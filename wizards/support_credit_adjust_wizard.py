# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class SupportCreditAdjustWizard(models.TransientModel):
    _name = "support.credit.adjust.wizard"
    _description = "Adjust Support Credits"

    lot_id = fields.Many2one(
        "support.credit.lot", string="Lot", required=True, readonly=True
    )
    partner_id = fields.Many2one(related="lot_id.partner_id")
    remaining = fields.Integer(related="lot_id.remaining")
    quantity = fields.Integer(
        required=True,
        help="Credits to add (positive) or to remove (negative).",
    )
    reason = fields.Char(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.lot_id._adjust(self.quantity, self.reason)
        return {"type": "ir.actions.act_window_close"}

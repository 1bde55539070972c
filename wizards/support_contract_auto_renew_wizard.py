# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class SupportContractAutoRenewWizard(models.TransientModel):
    """Turn auto-renewal off, saying why (backend)."""

    _name = "support.contract.auto.renew.wizard"
    _description = "Turn Auto-renewal Off"

    contract_ids = fields.Many2many(
        "support.contract", string="Contracts", required=True
    )
    reason_id = fields.Many2one("support.renewal.reason", string="Reason")
    note = fields.Char(
        string="Other Reason", help="Free text, when no reason of the list fits."
    )

    def action_confirm(self):
        self.ensure_one()
        self.contract_ids.action_turn_auto_renew_off(reason=self.note or self.reason_id)
        return {"type": "ir.actions.act_window_close"}

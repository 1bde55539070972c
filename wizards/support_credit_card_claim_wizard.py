# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class SupportCreditCardClaimWizard(models.TransientModel):
    """Support Managers claim a card for a chosen organization.

    Same rules as the portal (``support.credit.card._claim_code``), throttle
    included: per user. The per-address limit is for portal users, who may
    share an office address; a staff member is throttled by name, and the
    wizard knows nothing of HTTP. A failure does not raise (that would roll back
    the attempt record the throttle counts): the wizard stays open with the
    message.
    """

    _name = "support.credit.card.claim.wizard"
    _description = "Claim a Support Credit Card"

    code = fields.Char(
        required=True,
        help="The card's code, as printed (dashes and spaces are ignored).",
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Organization",
        required=True,
        domain="[('is_company', '=', True)]",
        help="The organization whose credits the card becomes.",
    )
    state = fields.Selection(
        selection=[("draft", "Draft"), ("failed", "Failed"), ("done", "Claimed")],
        default="draft",
        required=True,
    )
    result_message = fields.Char(readonly=True)
    card_id = fields.Many2one("support.credit.card", readonly=True)
    balance = fields.Integer(string="New Balance", readonly=True)

    def action_claim(self):
        self.ensure_one()
        result = self.env["support.credit.card"]._claim_code(self.code, self.partner_id)
        self.write(
            {
                "state": "done" if result.success else "failed",
                "result_message": result.message,
                "card_id": result.card.id if result.card else False,
                "balance": result.balance or 0,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Claim a Support Credit Card"),
        }

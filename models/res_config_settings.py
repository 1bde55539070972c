from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    support_project_id = fields.Many2one(
        related="company_id.support_project_id", readonly=False
    )
    support_refund_validity_days = fields.Integer(
        related="company_id.support_refund_validity_days", readonly=False
    )
    support_low_balance_threshold = fields.Integer(
        related="company_id.support_low_balance_threshold", readonly=False
    )
    support_renewal_notice_days = fields.Integer(
        related="company_id.support_renewal_notice_days", readonly=False
    )
    support_renewal_reminder_days = fields.Char(
        related="company_id.support_renewal_reminder_days", readonly=False
    )
    support_claim_address_limit = fields.Integer(
        related="company_id.support_claim_address_limit", readonly=False
    )
    support_credit_grant = fields.Selection(
        related="company_id.support_credit_grant", readonly=False
    )

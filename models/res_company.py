from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    support_project_id = fields.Many2one(
        "project.project",
        string="Support Project",
        help="Project of the time logged on helpdesk tickets. Empty: the Support "
        "project created with the module.",
    )
    support_refund_validity_days = fields.Integer(
        string="Refunded Credits Validity (days)",
        default=90,
        help="Validity of the new lot granted when a bug refund goes back to a lot that has expired.",
    )
    support_low_balance_threshold = fields.Integer(
        string="Low Balance Threshold",
        default=60,
        help="An organization whose credit balance falls below this number receives one notice.",
    )

    _check_support_refund_validity_days = models.Constraint(
        "CHECK(support_refund_validity_days > 0)",
        "The validity of refunded credits must be at least one day.",
    )

    def _get_support_project(self):
        self.ensure_one()
        return self.support_project_id or self.env.ref("support_contract.project_support", raise_if_not_found=False)

from odoo import fields, models
from odoo.exceptions import UserError


class SupportDeploymentApplyWizard(models.TransientModel):
    _name = "support.deployment.apply.wizard"
    _description = "Apply one deployment to every support-contract line of an order"

    order_id = fields.Many2one("sale.order", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="order_id.company_id")
    deployment_id = fields.Many2one(
        "support.deployment",
        string="Deployment",
        required=True,
        check_company=True,
        help="Serial number or deployment ID to set on every support-contract line.",
    )

    def action_apply(self):
        self.ensure_one()
        if self.order_id.state not in ("draft", "sent"):
            raise UserError(
                self.env._("Deployments can only be applied to quotations.")
            )
        lines = self.order_id.order_line.filtered(
            lambda line: line.support_kind == "contract" and not line.support_processed
        )
        if not lines:
            raise UserError(
                self.env._(
                    "This order has no support-contract line to apply a deployment to."
                )
            )
        lines.write({"support_deployment_id": self.deployment_id.id})
        # Propose the catch-up quantity on each line, as choosing it by hand does.
        for line in lines:
            if line.support_catch_up_terms > line.product_uom_qty:
                line.product_uom_qty = line.support_catch_up_terms
        return {"type": "ir.actions.act_window_close"}

from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    support_contract_ids = fields.Many2many(
        "support.contract",
        string="Support Contracts",
        compute="_compute_support_documents",
    )
    support_contract_count = fields.Integer(compute="_compute_support_documents")
    support_card_count = fields.Integer(compute="_compute_support_documents")
    support_needs_deployment = fields.Boolean(
        compute="_compute_support_needs_deployment",
        help="Technical: the order has support-contract lines.",
    )

    @api.depends("order_line.support_term_ids", "order_line.support_card_ids")
    def _compute_support_documents(self):
        for order in self:
            order.support_contract_ids = order.order_line.support_term_ids.contract_id
            order.support_contract_count = len(order.support_contract_ids)
            order.support_card_count = len(order.order_line.support_card_ids)

    @api.depends("order_line.product_id")
    def _compute_support_needs_deployment(self):
        for order in self:
            order.support_needs_deployment = any(
                line.support_kind == "contract" for line in order.order_line
            )

    def action_confirm(self):
        self.order_line._support_check_confirmation()
        return super().action_confirm()

    def _action_confirm(self):
        result = super()._action_confirm()
        self.order_line._support_apply_confirmation()
        return result

    def action_support_apply_deployment(self):
        """Open the wizard that sets one deployment on every support-contract line."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Apply Deployment to All Lines"),
            "res_model": "support.deployment.apply.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def action_view_support_contracts(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Support Contracts"),
            "res_model": "support.contract",
            "view_mode": "list,form",
            "domain": [("id", "in", self.support_contract_ids.ids)],
        }

    def action_view_support_cards(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Support Credit Cards"),
            "res_model": "support.credit.card",
            "view_mode": "list,form",
            "domain": [("sale_line_id.order_id", "=", self.id)],
        }

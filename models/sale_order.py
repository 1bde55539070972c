from odoo import api, fields, models
from odoo.fields import Command, Domain


class SaleOrder(models.Model):
    _inherit = "sale.order"

    support_uncovered = fields.Boolean(
        string="Uncovered Support Time",
        readonly=True,
        copy=False,
        index=True,
        help="This order bills the support time no credits covered (one open order per organization).",
    )

    @api.model
    def _support_uncovered_line(self, partner, company, product):
        """The order line billing ``product`` on the open uncovered-time order of
        ``partner`` (an organization) in ``company``; order and line are created
        (and the order confirmed, so that delivered time is invoiceable) when
        missing."""
        order = self.sudo().search(
            Domain("support_uncovered", "=", True)
            & Domain("partner_id", "=", partner.id)
            & Domain("company_id", "=", company.id)
            & Domain("state", "in", ["draft", "sent", "sale"])
            & Domain("locked", "=", False),
            order="id desc",
            limit=1,
        )
        line_vals = {"product_id": product.id, "product_uom_qty": 0, "support_uncovered": True}
        if not order:
            order = self.sudo().with_company(company).create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "support_uncovered": True,
                    "origin": self.env._("Uncovered support time"),
                    "order_line": [Command.create(line_vals)],
                }
            )
            order.action_confirm()
        line = order.order_line.filtered(lambda sol: sol.support_uncovered and sol.product_id == product)[:1]
        if not line:
            line = self.env["sale.order.line"].sudo().create({**line_vals, "order_id": order.id})
        return line

from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    support_uncovered = fields.Boolean(
        string="Uncovered Support Time",
        readonly=True,
        copy=False,
        help="This line bills support time no credits covered; its delivered "
        "quantity is the uncovered time of its timesheet lines, in hours.",
    )
    support_timesheet_ids = fields.One2many(
        "account.analytic.line", "support_sale_line_id", string="Uncovered Timesheets", readonly=True
    )

    def _support_update_uncovered_delivered(self):
        """Delivered quantity = uncovered minutes of the linked timesheet lines,
        in hours (one grouped query for all these lines)."""
        lines = self.filtered("support_uncovered").sudo()
        if not lines:
            return
        totals = dict(
            self.env["account.analytic.line"].sudo()._read_group(
                [("support_sale_line_id", "in", lines.ids)],
                ["support_sale_line_id"],
                ["support_uncovered_minutes:sum"],
            )
        )
        for line in lines:
            line.qty_delivered = totals.get(line, 0) / 60.0

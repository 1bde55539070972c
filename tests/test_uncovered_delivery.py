from datetime import date

from odoo.tests import tagged

from .common import SupportMeteringCase


@tagged("post_install", "-at_install")
class TestUncoveredDelivery(SupportMeteringCase):
    """The uncovered-time order line is delivered through its own
    ``qty_delivered_method``, computed from its timesheets, as sale_timesheet
    delivers a timesheet product: nothing writes its delivered quantity."""

    def _uncovered_sale_line(self, hours=1.0):
        ticket = self._ticket(deployment=self.deployment_uncovered)
        line = self._log(ticket, hours)
        return line, line.support_sale_line_id

    def test_delivered_method_and_quantities(self):
        line, sale_line = self._uncovered_sale_line(0.75)
        self.assertRecordValues(
            sale_line,
            [
                {
                    "qty_delivered_method": "support_uncovered",
                    "qty_delivered": 0.75,
                    "product_uom_qty": 0.75,
                }
            ],
        )
        self.assertEqual(
            sale_line.order_id.amount_untaxed,
            sale_line.price_unit * 0.75,
            "the order shows what the delivered time amounts to",
        )

    def test_delivered_follows_the_timesheets_without_metering(self):
        """The delivered quantity depends on the timesheets' uncovered minutes,
        so that any change of them (here a direct write, as an upgrade script
        would do) is reflected without the metering code calling anything."""
        line, sale_line = self._uncovered_sale_line(1.0)
        line.sudo().support_uncovered_minutes = 30
        self.assertEqual(sale_line.qty_delivered, 0.5)
        self.assertEqual(sale_line.product_uom_qty, 0.5)
        line.sudo().support_sale_line_id = False
        self.assertEqual(sale_line.qty_delivered, 0.0)
        self.assertEqual(sale_line.product_uom_qty, 0.0)

    def test_other_lines_keep_odoo_rules(self):
        """Other order lines are delivered as Odoo says (manual for a service),
        and their ordered quantity does not follow their delivered one."""
        _line, sale_line = self._uncovered_sale_line(0.5)
        other = self.env["sale.order.line"].create(
            {
                "order_id": sale_line.order_id.id,
                "product_id": self.hourly_product.id,
                "product_uom_qty": 3,
            }
        )
        self.assertEqual(other.qty_delivered_method, "manual")
        other.qty_delivered = 2
        self.assertEqual(other.product_uom_qty, 3)
        self.assertEqual(sale_line.qty_delivered, 0.5)

    def test_accrual_date_counts_timesheets_up_to_it(self):
        """Odoo's accrued-revenue entries read the delivered quantity at a past
        date: only the uncovered time logged up to that date counts."""
        ticket = self._ticket(deployment=self.deployment_uncovered)
        first = self._log(ticket, 1.0)
        first.sudo().date = date(2026, 1, 10)
        second = self._log(ticket, 0.5)
        second.sudo().date = date(2026, 2, 10)
        sale_line = first.support_sale_line_id
        self.assertEqual(second.support_sale_line_id, sale_line)
        self.assertEqual(sale_line.qty_delivered, 1.5)
        at_date = sale_line.with_context(accrual_entry_date=date(2026, 1, 31))
        self.assertEqual(at_date._support_uncovered_hours(), {sale_line: 1.0})
        self.assertEqual(at_date._prepare_qty_delivered()[sale_line], 1.0)

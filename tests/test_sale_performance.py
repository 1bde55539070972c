from odoo.tests import tagged

from .common import SupportSaleCase

# Queries that one more support line may add to a confirmation, at the most.
MAX_QUERIES_PER_LINE = 2


@tagged("post_install", "-at_install")
class TestSupportSalePerformance(SupportSaleCase):
    """Confirming N support lines on N deployments costs the same per line at any N."""

    def _order_on_new_deployments(self, count, prefix):
        deployments = self.env["support.deployment"].create(
            [
                {
                    "name": f"{prefix}-{i}",
                    "kind": "deployment",
                    "partner_id": self.org.id,
                }
                for i in range(count)
            ]
        )
        order = self._create_order(
            [
                self._contract_line(qty=1, deployment=deployment)
                for deployment in deployments
            ]
        )
        self.env.flush_all()
        self.env.invalidate_all()
        return order

    def _confirmation_queries(self, count, prefix):
        order = self._order_on_new_deployments(count, prefix)
        before = self.cr.sql_log_count
        order.action_confirm()
        self.env.flush_all()
        queries = self.cr.sql_log_count - before
        self.assertEqual(len(order.order_line.support_term_ids), count)
        lots = self.env["support.credit.lot"].search(
            [("sale_line_id", "in", order.order_line.ids)]
        )
        self.assertEqual(sum(lots.mapped("quantity")), 120 * count)
        return queries

    def test_confirmation_cost_per_line_is_constant(self):
        # Warm up caches (views, ir.config_parameter, ...) out of the measure.
        self._confirmation_queries(3, "W")
        q20 = self._confirmation_queries(20, "A")
        q110 = self._confirmation_queries(110, "B")
        q200 = self._confirmation_queries(200, "C")
        low, high = (q110 - q20) / 90, (q200 - q110) / 90
        message = (
            f"confirming 20 / 110 / 200 lines took {q20} / {q110} / {q200} queries: "
            f"{low:.2f} then {high:.2f} queries per extra line"
        )
        self.assertLessEqual(high, MAX_QUERIES_PER_LINE, message)
        self.assertLessEqual(abs(high - low), 0.25, message)

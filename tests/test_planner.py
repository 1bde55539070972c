import doctest
from datetime import date

from odoo.tests import BaseCase, tagged

from odoo.addons.support_contract.lib import planner


@tagged("post_install", "-at_install")
class TestPlanner(BaseCase):
    def test_lines_of_one_deployment_extend_one_after_another(self):
        plans = planner.plan_lines(
            [
                ("a", date(2012, 9, 30), 3, 12),
                ("b", None, 1, 12),
                ("a", date(2012, 9, 30), 2, 12),
            ],
            date(2017, 6, 15),
        )
        self.assertEqual(
            [plan.extends_from for plan in plans],
            [date(2012, 9, 30), None, date(2015, 9, 30)],
        )
        self.assertEqual([plan.catch_up for plan in plans], [5, 1, 2])
        self.assertEqual(
            [plan.new_expiry for plan in plans],
            [date(2015, 9, 30), date(2018, 6, 14), date(2017, 9, 30)],
        )
        self.assertEqual(plans[2].periods[0], (date(2015, 10, 1), date(2016, 9, 30)))

    def test_a_line_without_terms_leaves_the_next_one_where_it_was(self):
        plans = planner.plan_lines(
            [("a", date(2020, 1, 31), 0, 12), ("a", date(2020, 1, 31), 1, 12)],
            date(2020, 1, 1),
        )
        self.assertEqual(plans[0], planner.LinePlan(date(2020, 1, 31), 1, [], None))
        self.assertEqual(plans[1].new_expiry, date(2021, 1, 31))

    def test_doctest(self):
        failures, _tests = doctest.testmod(planner)
        self.assertEqual(failures, 0)

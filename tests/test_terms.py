from datetime import date

from odoo.tests import BaseCase, tagged

from odoo.addons.support_contract.lib import terms


@tagged("post_install", "-at_install")
class TestTerms(BaseCase):
    def test_seed_example_catch_up(self):
        """Expiry 2012-09-30, ordered 2017-06-15: 5 terms, new expiry 2017-09-30."""
        expiry, ordered = date(2012, 9, 30), date(2017, 6, 15)
        self.assertEqual(terms.catch_up_terms(expiry, ordered), 5)
        periods = terms.term_periods(expiry, ordered, 5)
        self.assertEqual(
            periods,
            [
                (date(2012, 10, 1), date(2013, 9, 30)),
                (date(2013, 10, 1), date(2014, 9, 30)),
                (date(2014, 10, 1), date(2015, 9, 30)),
                (date(2015, 10, 1), date(2016, 9, 30)),
                (date(2016, 10, 1), date(2017, 9, 30)),
            ],
        )
        self.assertEqual(terms.new_expiry(expiry, ordered, 5), date(2017, 9, 30))
        # four terms would leave it lapsed
        self.assertLess(terms.new_expiry(expiry, ordered, 4), ordered)

    def test_never_covered_starts_on_order_date(self):
        ordered = date(2024, 3, 10)
        self.assertEqual(terms.catch_up_terms(None, ordered), 1)
        self.assertEqual(
            terms.term_periods(None, ordered, 1),
            [(date(2024, 3, 10), date(2025, 3, 9))],
        )
        self.assertEqual(
            terms.term_periods(None, ordered, 2),
            [
                (date(2024, 3, 10), date(2025, 3, 9)),
                (date(2025, 3, 10), date(2026, 3, 9)),
            ],
        )
        self.assertEqual(
            terms.new_expiry(None, ordered, 3, term_months=1), date(2024, 6, 9)
        )

    def test_not_lapsed_extends_from_expiry_not_today(self):
        expiry, ordered = date(2025, 11, 30), date(2025, 10, 5)
        self.assertEqual(terms.catch_up_terms(expiry, ordered), 1)
        self.assertEqual(
            terms.term_periods(expiry, ordered, 1),
            [(date(2025, 12, 1), date(2026, 11, 30))],
        )
        # ordered on the very day of expiry: still covered, one term
        self.assertEqual(terms.catch_up_terms(expiry, expiry), 1)
        # the day after expiry: lapsed by one day, one term is still enough
        self.assertEqual(terms.catch_up_terms(expiry, date(2025, 12, 1)), 1)
        # a year and a day later: two terms
        self.assertEqual(terms.catch_up_terms(expiry, date(2026, 12, 1)), 2)
        # exactly a year later the new expiry would equal the order date: not after it
        self.assertEqual(terms.catch_up_terms(expiry, date(2026, 11, 30)), 2)

    def test_29_february_anchor_comes_back(self):
        expiry = date(2016, 2, 29)
        periods = terms.term_periods(expiry, date(2016, 1, 10), 4)
        self.assertEqual(
            [end for _start, end in periods],
            [
                date(2017, 2, 28),
                date(2018, 2, 28),
                date(2019, 2, 28),
                date(2020, 2, 29),
            ],
        )
        self.assertEqual(periods[0][0], date(2016, 3, 1))
        self.assertEqual(periods[3][0], date(2019, 3, 1))
        self.assertEqual(
            terms.new_expiry(expiry, date(2016, 1, 10), 4), date(2020, 2, 29)
        )

    def test_month_end_anchor(self):
        """31 January + 1 month is 28 February, and the 31st comes back after."""
        periods = terms.term_periods(
            date(2021, 1, 31), date(2021, 1, 15), 3, term_months=1
        )
        self.assertEqual(
            periods,
            [
                (date(2021, 2, 1), date(2021, 2, 28)),
                (date(2021, 3, 1), date(2021, 3, 31)),
                (date(2021, 4, 1), date(2021, 4, 30)),
            ],
        )
        self.assertEqual(
            terms.catch_up_terms(date(2021, 1, 31), date(2021, 3, 15), term_months=1), 2
        )

    def test_periods_are_contiguous(self):
        periods = terms.term_periods(
            date(2010, 8, 31), date(2019, 1, 1), 9, term_months=12
        )
        for (_s1, end), (start, _e2) in zip(periods, periods[1:], strict=False):
            self.assertEqual((start - end).days, 1)

    def test_invalid_input(self):
        with self.assertRaises(ValueError):
            terms.term_periods(date(2020, 1, 1), date(2020, 1, 1), 0)
        with self.assertRaises(ValueError):
            terms.term_periods(date(2020, 1, 1), date(2020, 1, 1), -2)
        with self.assertRaises(ValueError):
            terms.term_periods(date(2020, 1, 1), date(2020, 1, 1), 1, term_months=0)
        with self.assertRaises(ValueError):
            terms.catch_up_terms(date(2020, 1, 1), date(2020, 1, 1), term_months=-12)
        with self.assertRaises(ValueError):
            terms.new_expiry(None, date(2020, 1, 1), 0)

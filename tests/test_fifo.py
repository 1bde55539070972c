from datetime import date

from odoo.tests import BaseCase, tagged

from odoo.addons.support_contract.lib.fifo import allocate
from odoo.addons.support_contract.lib.quantity import is_whole

TODAY = date(2025, 1, 15)


@tagged("post_install", "-at_install")
class TestFifoAllocate(BaseCase):
    def test_draws_from_the_lot_expiring_first(self):
        lots = [
            (1, 50, date(2025, 6, 30)),
            (2, 30, date(2025, 2, 28)),
            (3, 40, date(2025, 3, 31)),
        ]
        self.assertEqual(allocate(lots, 60, TODAY), ([(2, 30), (3, 30)], 0))

    def test_ties_on_expiry_go_to_the_lowest_id(self):
        lots = [(9, 10, date(2025, 2, 1)), (4, 10, date(2025, 2, 1))]
        self.assertEqual(allocate(lots, 15, TODAY), ([(4, 10), (9, 5)], 0))

    def test_skips_expired_and_empty_lots(self):
        lots = [
            (1, 100, date(2025, 1, 14)),  # expired yesterday
            (2, 0, date(2025, 1, 20)),  # nothing left
            (3, 5, date(2025, 1, 15)),  # expires today: still usable
        ]
        self.assertEqual(allocate(lots, 3, TODAY), ([(3, 3)], 0))

    def test_returns_the_uncovered_rest(self):
        lots = [(1, 10, date(2025, 2, 1)), (2, 5, date(2025, 3, 1))]
        self.assertEqual(allocate(lots, 40, TODAY), ([(1, 10), (2, 5)], 25))

    def test_nothing_to_draw_from(self):
        self.assertEqual(allocate([], 7, TODAY), ([], 7))
        self.assertEqual(allocate([(1, 10, date(2024, 12, 31))], 7, TODAY), ([], 7))

    def test_stops_once_covered(self):
        lots = [(1, 10, date(2025, 2, 1)), (2, 10, date(2025, 3, 1))]
        self.assertEqual(allocate(lots, 10, TODAY), ([(1, 10)], 0))

    def test_refuses_a_non_positive_amount(self):
        for amount in (0, -1):
            with self.subTest(amount=amount), self.assertRaises(ValueError):
                allocate([(1, 10, date(2025, 2, 1))], amount, TODAY)


@tagged("post_install", "-at_install")
class TestWholeNumbers(BaseCase):
    def test_positive_whole_numbers(self):
        for value in (1, 10, 10**9):
            self.assertTrue(is_whole(value), value)
        for value in (0, -1, 1.0, 2.5, True, False, None, "3"):
            self.assertFalse(is_whole(value), value)

    def test_negative_whole_numbers_when_allowed(self):
        for value in (1, -1, -120):
            self.assertTrue(is_whole(value, negative=True), value)
        for value in (0, -1.0, True, None):
            self.assertFalse(is_whole(value, negative=True), value)

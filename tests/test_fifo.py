from datetime import date

from odoo.tests import BaseCase, tagged

from odoo.addons.support_contract.lib import fifo, quantity

TODAY = date(2025, 1, 15)


@tagged("post_install", "-at_install")
class TestFifoAllocate(BaseCase):
    def test_draws_from_the_lot_expiring_first(self):
        lots = [
            (1, 50, date(2025, 6, 30)),
            (2, 30, date(2025, 2, 28)),
            (3, 40, date(2025, 3, 31)),
        ]
        self.assertEqual(fifo.allocate(lots, 60, TODAY), ([(2, 30), (3, 30)], 0))

    def test_ties_on_expiry_go_to_the_lowest_id(self):
        lots = [(9, 10, date(2025, 2, 1)), (4, 10, date(2025, 2, 1))]
        self.assertEqual(fifo.allocate(lots, 15, TODAY), ([(4, 10), (9, 5)], 0))

    def test_skips_expired_and_empty_lots(self):
        lots = [
            (1, 100, date(2025, 1, 14)),  # expired yesterday
            (2, 0, date(2025, 1, 20)),  # nothing left
            (3, 5, date(2025, 1, 15)),  # expires today: still usable
        ]
        self.assertEqual(fifo.allocate(lots, 3, TODAY), ([(3, 3)], 0))

    def test_returns_the_uncovered_rest(self):
        lots = [(1, 10, date(2025, 2, 1)), (2, 5, date(2025, 3, 1))]
        self.assertEqual(fifo.allocate(lots, 40, TODAY), ([(1, 10), (2, 5)], 25))

    def test_nothing_to_draw_from(self):
        self.assertEqual(fifo.allocate([], 7, TODAY), ([], 7))
        self.assertEqual(
            fifo.allocate([(1, 10, date(2024, 12, 31))], 7, TODAY), ([], 7)
        )

    def test_stops_once_covered(self):
        lots = [(1, 10, date(2025, 2, 1)), (2, 10, date(2025, 3, 1))]
        self.assertEqual(fifo.allocate(lots, 10, TODAY), ([(1, 10)], 0))

    def test_refuses_a_non_positive_amount(self):
        for amount in (0, -1):
            with self.subTest(amount=amount), self.assertRaises(ValueError):
                fifo.allocate([(1, 10, date(2025, 2, 1))], amount, TODAY)


@tagged("post_install", "-at_install")
class TestFifoOutlook(BaseCase):
    SOON = date(2025, 2, 14)  # 30 days after TODAY

    def outlook(self, lots, complete):
        return fifo.Outlook.of(lots, complete)

    def test_every_lot_read_tells_the_balance_and_the_next_expiry(self):
        outlook = self.outlook(
            [(0, date(2025, 1, 20)), (40, date(2025, 3, 1)), (30, date(2025, 6, 1))],
            True,
        )
        self.assertEqual(
            outlook, fifo.Outlook(70, date(2025, 3, 1), date(2025, 6, 1), True)
        )
        self.assertIs(outlook.is_low(60, self.SOON), False)
        self.assertIs(outlook.is_low(71, self.SOON), True)

    def test_credits_expiring_soon_are_low_whatever_the_balance(self):
        outlook = self.outlook([(500, date(2025, 2, 1))], False)
        self.assertIs(outlook.is_low(60, self.SOON), True)

    def test_enough_in_the_lots_read_is_not_low_without_reading_the_others(self):
        outlook = self.outlook([(0, date(2025, 3, 1)), (80, date(2025, 4, 1))], False)
        self.assertIs(outlook.is_low(60, self.SOON), False)

    def test_too_little_in_the_lots_read_cannot_tell(self):
        outlook = self.outlook([(0, date(2025, 3, 1)), (20, date(2025, 4, 1))], False)
        self.assertIsNone(outlook.is_low(60, self.SOON))

    def test_nothing_left_in_the_lots_read_cannot_tell_what_expires_next(self):
        # the lots not read expire on or after the last one read: within 30 days,
        # some of them might
        self.assertIsNone(
            self.outlook([(0, date(2025, 2, 1))], False).is_low(0, self.SOON)
        )
        # after 30 days, none of them does
        self.assertIs(
            self.outlook([(0, date(2025, 3, 1))], False).is_low(0, self.SOON), False
        )

    def test_no_lot_read_cannot_tell(self):
        # the organization may never have held credits here: nothing "falls"
        self.assertIsNone(self.outlook([], True).is_low(60, self.SOON))


@tagged("post_install", "-at_install")
class TestWholeNumbers(BaseCase):
    def test_positive_whole_numbers(self):
        for value in (1, 10, 10**9):
            self.assertTrue(quantity.is_whole(value), value)
        for value in (0, -1, 1.0, 2.5, True, False, None, "3"):
            self.assertFalse(quantity.is_whole(value), value)

    def test_negative_whole_numbers_when_allowed(self):
        for value in (1, -1, -120):
            self.assertTrue(quantity.is_whole(value, negative=True), value)
        for value in (0, -1.0, True, None):
            self.assertFalse(quantity.is_whole(value, negative=True), value)

from datetime import datetime

from odoo.tests import BaseCase, tagged

from odoo.addons.support_contract.lib import business_hours

# Monday to Friday, 9:00-17:00
OFFICE = [(weekday, 9.0, 17.0) for weekday in range(5)]


@tagged("post_install", "-at_install")
class TestBusinessHours(BaseCase):
    def test_friday_afternoon_to_monday_noon(self):
        """Friday 16:00 + 4 working hours on Mon-Fri 9-17 is Monday 12:00."""
        friday = datetime(2026, 11, 20, 16, 0)
        self.assertEqual(
            business_hours.add_working_hours(friday, 4, OFFICE),
            datetime(2026, 11, 23, 12, 0),
        )

    def test_within_the_day_and_before_opening(self):
        tuesday_early = datetime(2026, 11, 24, 7, 30)
        self.assertEqual(
            business_hours.add_working_hours(tuesday_early, 2, OFFICE),
            datetime(2026, 11, 24, 11, 0),
        )
        self.assertEqual(
            business_hours.add_working_hours(datetime(2026, 11, 24, 10, 0), 7, OFFICE),
            datetime(2026, 11, 24, 17, 0),
        )
        self.assertEqual(
            business_hours.add_working_hours(
                datetime(2026, 11, 24, 10, 0), 7.5, OFFICE
            ),
            datetime(2026, 11, 25, 9, 30),
        )
        # a Saturday opening starts counting on Monday morning
        self.assertEqual(
            business_hours.add_working_hours(datetime(2026, 11, 21, 12, 0), 1, OFFICE),
            datetime(2026, 11, 23, 10, 0),
        )

    def test_public_holiday_skipped(self):
        """A public holiday on Monday pushes the deadline to Tuesday."""
        friday = datetime(2026, 11, 20, 16, 0)
        monday_off = [(datetime(2026, 11, 23, 0, 0), datetime(2026, 11, 24, 0, 0))]
        self.assertEqual(
            business_hours.add_working_hours(friday, 4, OFFICE, holidays=monday_off),
            datetime(2026, 11, 24, 12, 0),
        )
        # a holiday covering part of a day only removes that part
        monday_morning_off = [
            (datetime(2026, 11, 23, 9, 0), datetime(2026, 11, 23, 11, 0))
        ]
        self.assertEqual(
            business_hours.add_working_hours(
                friday, 4, OFFICE, holidays=monday_morning_off
            ),
            datetime(2026, 11, 23, 14, 0),
        )

    def test_time_zone_ahead_of_utc(self):
        """Tokyo (UTC+9): Friday 16:00 local is 07:00 UTC; the deadline is
        Monday 12:00 local, 03:00 UTC."""
        friday_utc = datetime(2026, 11, 20, 7, 0)
        self.assertEqual(
            business_hours.add_working_hours(friday_utc, 4, OFFICE, tz="Asia/Tokyo"),
            datetime(2026, 11, 23, 3, 0),
        )
        # Monday 08:00 local (Sunday 23:00 UTC) opens at 09:00 local = 00:00 UTC
        sunday_utc = datetime(2026, 11, 22, 23, 0)
        self.assertEqual(
            business_hours.add_working_hours(sunday_utc, 1, OFFICE, tz="Asia/Tokyo"),
            datetime(2026, 11, 23, 1, 0),
        )

    def test_round_the_clock(self):
        """A 24x7 target ignores working hours and holidays."""
        friday = datetime(2026, 11, 20, 16, 0)
        self.assertEqual(
            business_hours.add_working_hours(
                friday,
                4,
                OFFICE,
                holidays=[(friday, datetime(2026, 11, 21))],
                round_the_clock=True,
            ),
            datetime(2026, 11, 20, 20, 0),
        )

    def test_bad_input(self):
        with self.assertRaises(ValueError):
            business_hours.add_working_hours(datetime(2026, 11, 20), -1, OFFICE)
        with self.assertRaises(ValueError):
            business_hours.add_working_hours(datetime(2026, 11, 20), 1, [])

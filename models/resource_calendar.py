from collections import defaultdict

from odoo import models
from odoo.fields import Domain


class ResourceCalendar(models.Model):
    _inherit = "resource.calendar"

    def _support_schedules(self):
        """{calendar id: [(weekday, hour_from, hour_to)]}: the weekly working
        intervals of these calendars (breaks and section lines aside), read in
        one query. Two-week calendars use both weeks' lines."""
        schedules = defaultdict(list)
        attendances = (
            self.env["resource.calendar.attendance"]
            .sudo()
            .search_fetch(
                Domain("calendar_id", "in", self.ids)
                & Domain("display_type", "=", False)
                & Domain("day_period", "!=", "lunch"),
                ["calendar_id", "dayofweek", "hour_from", "hour_to"],
            )
        )
        for attendance in attendances:
            schedules[attendance.calendar_id.id].append(
                (int(attendance.dayofweek), attendance.hour_from, attendance.hour_to)
            )
        return dict(schedules)

    def _support_holidays(self, date_from, date_to):
        """{calendar id: [(start, end)]}: the public holidays (leaves without a
        resource, of the calendar or of every calendar) between two naive UTC
        datetimes, in one query."""
        leaves = (
            self.env["resource.calendar.leaves"]
            .sudo()
            .search_fetch(
                Domain("resource_id", "=", False)
                & Domain("time_type", "=", "leave")
                & Domain("calendar_id", "in", [False, *self.ids])
                & Domain("date_to", ">=", date_from)
                & Domain("date_from", "<=", date_to),
                ["calendar_id", "date_from", "date_to"],
            )
        )
        holidays = {calendar.id: [] for calendar in self}
        for leave in leaves:
            for calendar in self:
                if not leave.calendar_id or leave.calendar_id == calendar:
                    holidays[calendar.id].append((leave.date_from, leave.date_to))
        return holidays

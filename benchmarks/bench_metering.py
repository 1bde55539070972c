"""Benchmark: what metering costs on top of a plain timesheet line.

Run with `make bench` (it feeds this file to `odoo shell` on the `make run`
database). An engineer logs time, one ``create`` per line as the timesheet
grid does: on a task of a plain project (Odoo's floor), and on a ticket
covered by a contract whose organization holds 2 open credit lots, then
2,000. Each line is flushed; the cases take turns, line after line, so that
the load of a shared machine weighs on all of them alike.

Two ways of logging are measured: lines logged one after another in one
transaction (what the ORM already holds stays in its cache), and each line
with empty caches (as a new request finds them). For each, the queries per
line (mean) and the milliseconds per line (median), and the ratios of the
covered lines to the plain one. Prints figures; asserts nothing; rolls
everything back.
"""

# ruff: noqa: F821  (`env` is given by odoo shell)
import statistics
import time
from datetime import timedelta

from odoo import Command, fields

ROUNDS = 100  # measured lines per case and way of logging
WARMUP = 5  # lines per case logged first, not measured
LOTS = (2, 2_000)

env = env(context=dict(env.context, tz="UTC"))
company = env.company
today = fields.Date.context_today(env.user)
engineer = env["res.users"].create(
    {
        "name": "Metering Benchmark Engineer",
        "login": "metering-bench-engineer",
        "company_id": company.id,
        "company_ids": [Command.set(company.ids)],
        "tz": "UTC",
        "group_ids": [
            Command.set(
                [
                    env.ref(xmlid).id
                    for xmlid in (
                        "base.group_user",
                        "helpdesk_mgmt.group_helpdesk_user",
                        "support_contract.group_support_user",
                        "hr_timesheet.group_hr_timesheet_user",
                    )
                ]
            )
        ],
    }
)
employee = env["hr.employee"].create(
    {"name": engineer.name, "user_id": engineer.id, "company_id": company.id}
)
project = env["project.project"].create(
    {"name": "Metering Benchmark Project", "allow_timesheets": True}
)
task = env["project.task"].create(
    {"name": "Metering Benchmark Task", "project_id": project.id}
)
plan = env["support.plan"].create(
    {"name": "Metering Benchmark Plan", "metering": "minutes", "rounding_minutes": 1}
)


def covered_ticket(lots):
    """A ticket on a covered deployment of a new organization holding ``lots``
    open lots, with credits for every line, none expiring within 30 days."""
    org = env["res.partner"].create(
        {"name": f"Metering Benchmark Org {lots}", "is_company": True}
    )
    contact = env["res.partner"].create(
        {"name": f"Metering Benchmark Contact {lots}", "parent_id": org.id}
    )
    deployment = env["support.deployment"].create(
        {"name": f"METER-BENCH-{lots}", "kind": "deployment", "partner_id": org.id}
    )
    env["support.contract"].create(
        {
            "deployment_id": deployment.id,
            "plan_id": plan.id,
            "term_ids": [
                Command.create(
                    {
                        "date_start": today - timedelta(days=30),
                        "date_end": today + timedelta(days=700),
                    }
                )
            ],
        }
    )
    env["support.credit.lot"]._grant_many(
        [
            {
                "partner_id": org.id,
                "quantity": 5_000,
                "expiry_date": today + timedelta(days=60 + i % 600),
                "reason": "Metering benchmark",
            }
            for i in range(lots)
        ]
    )
    return env["helpdesk.ticket"].create(
        {
            "name": f"Metering benchmark {lots}",
            "description": "<p>Benchmark.</p>",
            "partner_id": contact.id,
            "support_deployment_id": deployment.id,
            "user_id": engineer.id,
        }
    )


def log_line(values, cold):
    """Queries and milliseconds of one line logged by the engineer."""
    cr = env.cr
    env.flush_all()
    if cold:
        env.invalidate_all()
    queries, start = cr.sql_log_count, time.perf_counter()
    env["account.analytic.line"].with_user(engineer).create(
        {**values, "name": "Work", "unit_amount": 0.25, "employee_id": employee.id}
    )
    env.flush_all()
    return cr.sql_log_count - queries, (time.perf_counter() - start) * 1000


cases = [("plain project task", {"project_id": project.id, "task_id": task.id})]
cases += [
    (f"covered ticket, {lots:,} lots", {"ticket_id": covered_ticket(lots).id})
    for lots in LOTS
]
env.flush_all()

results = {}  # (label, cold) -> (queries per line, median ms)
for cold in (False, True):
    samples = {label: ([], []) for label, _values in cases}
    for round_ in range(WARMUP + ROUNDS):
        for label, values in cases:
            queries, ms = log_line(values, cold)
            if round_ >= WARMUP:
                samples[label][0].append(queries)
                samples[label][1].append(ms)
    for label, (queries, ms) in samples.items():
        results[label, cold] = (statistics.mean(queries), statistics.median(ms))

print(
    "Metering: queries and ms per timesheet line "
    f"(one create per line; {ROUNDS} lines per case,"
)
print(
    "queries: mean, ms: median), and the ratio of each case to the plain project task"
)
for cold, title in (
    (False, "lines logged one after another"),
    (True, "each line with empty caches"),
):
    print(f"\n{title}")
    print(f"{'case':<28} {'queries':>8} {'ms':>7} {'x queries':>10} {'x time':>7}")
    floor_queries, floor_ms = results[cases[0][0], cold]
    for label, _values in cases:
        queries, ms = results[label, cold]
        print(
            f"{label:<28} {queries:>8.1f} {ms:>7.2f} "
            f"{queries / floor_queries:>10.2f} {ms / floor_ms:>7.2f}"
        )

env.cr.rollback()

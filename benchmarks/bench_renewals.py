"""Benchmark: the renewal job against the floor of Odoo doing the same by hand.

Run with `make bench` (it feeds this file to `odoo shell` on the `make run`
database). For 100 and 1,000 contracts due for renewal it prints the time
and queries per contract of the renewal job (create the renewal, the one-line
quotation, send Odoo's quotation email), beside the floor: Odoo creating the
same one-line quotation and posting the same email, in the same process.
Prints figures; asserts nothing; rolls everything back.
"""

# ruff: noqa: F821  (`env` is given by odoo shell)
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields


def measure(fn):
    cr = env.cr
    env.flush_all()
    env.invalidate_all()
    queries, start = cr.sql_log_count, time.perf_counter()
    fn()
    env.flush_all()
    return cr.sql_log_count - queries, time.perf_counter() - start


today = fields.Date.context_today(env["res.partner"])
org = env["res.partner"].create(
    {"name": "Renewal Benchmark Org", "is_company": True, "email": "bench@example.com"}
)
plan = env["support.plan"].create({"name": "Renewal Benchmark Plan"})
product = env["product.product"].create(
    {
        "name": "Renewal benchmark contract",
        "type": "service",
        "support_kind": "contract",
        "support_plan_id": plan.id,
        "support_term_months": 12,
        "support_credits": 0,
        "list_price": 500.0,
    }
)
template = env.ref("sale.email_template_edi_sale")
# The quotation email attaches the quotation as PDF: wkhtmltopdf takes about a
# second per order, the same for the job and the floor, and would make the
# run last an hour. Both are measured without it (rolled back at the end).
template.report_template_ids = False
Renewal = env["support.contract.renewal"]


def due_contracts(count, tag):
    deployments = env["support.deployment"].create(
        [
            {
                "name": f"RENEW-BENCH-{tag}-{i}",
                "kind": "deployment",
                "partner_id": org.id,
            }
            for i in range(count)
        ]
    )
    contracts = env["support.contract"].create(
        [
            {
                "deployment_id": d.id,
                "plan_id": plan.id,
                "date_start": today - timedelta(days=340),
                "date_end": today + timedelta(days=20),
            }
            for d in deployments
        ]
    )
    env.flush_all()
    return contracts


def floor(count):
    for _i in range(count):
        order = env["sale.order"].create(
            {
                "partner_id": org.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": 1})
                ],
            }
        )
        order._portal_ensure_token()
        order.message_post_with_source(
            template,
            email_layout_xmlid="mail.mail_notification_layout_with_responsible_signature",
            subtype_xmlid="mail.mt_comment",
        )
        order.action_quotation_sent()


def job():
    with patch.object(
        type(env["ir.cron"]), "_commit_progress", return_value=float("inf")
    ):
        Renewal._cron_process()


print(
    "Renewals: time and queries per contract (job) "
    "against Odoo's floor (quotation + email)"
)
print(
    f"{'contracts':>9} {'job q/c':>8} {'job ms/c':>9} "
    f"{'floor q/c':>10} {'floor ms/c':>11} {'ratio t':>8}"
)
for count in (100, 1_000):
    floor_queries, floor_seconds = measure(lambda count=count: floor(count))
    contracts = due_contracts(count, count)
    job_queries, job_seconds = measure(job)
    quoted = Renewal.search_count(
        [("contract_id", "in", contracts.ids), ("state", "=", "quoted")]
    )
    assert quoted == count, f"{quoted} of {count} quoted"
    print(
        f"{count:>9} {job_queries / count:>8.1f} {job_seconds * 1000 / count:>9.1f} "
        f"{floor_queries / count:>10.1f} {floor_seconds * 1000 / count:>11.1f} "
        f"{job_seconds / floor_seconds:>8.2f}"
    )

env.cr.rollback()

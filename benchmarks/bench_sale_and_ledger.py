"""Benchmark: confirming support orders and reading credit balances.

Run with `make bench` (it feeds this file to `odoo shell` on the `make run`
database). Prints figures; asserts nothing; rolls everything back.
"""

# ruff: noqa: F821  (`env` is given by odoo shell)
import time

from dateutil.relativedelta import relativedelta

from odoo import Command, fields


def measure(fn):
    cr = env.cr
    env.flush_all()
    env.invalidate_all()
    queries, start = cr.sql_log_count, time.perf_counter()
    result = fn()
    env.flush_all()
    return result, cr.sql_log_count - queries, time.perf_counter() - start


org = env["res.partner"].create({"name": "Benchmark Org", "is_company": True})
plan = env["support.plan"].search([], limit=1)
product = env["product.product"].create(
    {
        "name": "Benchmark contract",
        "type": "service",
        "support_kind": "contract",
        "support_plan_id": plan.id,
        "support_term_months": 12,
        "support_credits": 120,
    }
)

print("Confirming one order of N support lines on N deployments")
print(f"{'lines':>6} {'queries':>8} {'per line':>9} {'seconds':>8}")
for count in (20, 200):
    deployments = env["support.deployment"].create(
        [
            {"name": f"BENCH-{count}-{i}", "kind": "deployment", "partner_id": org.id}
            for i in range(count)
        ]
    )
    order = env["sale.order"].create(
        {
            "partner_id": org.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "product_uom_qty": 1,
                        "support_deployment_id": d.id,
                    }
                )
                for d in deployments
            ],
        }
    )
    _result, queries, seconds = measure(order.action_confirm)
    print(f"{count:>6} {queries:>8} {queries / count:>9.2f} {seconds:>8.2f}")

print("\nReading an organization's balance behind its ledger")
print(f"{'moves':>6} {'queries':>8} {'seconds':>8} {'balance':>8}")
Lot = env["support.credit.lot"]
expiry = fields.Date.today() + relativedelta(months=6)
for target in (1_000, 10_000):
    ledger_org = env["res.partner"].create(
        {"name": f"Ledger Org {target}", "is_company": True}
    )
    # Half grants of 10 credits, half consumptions: each consumption of 100
    # credits draws on 10 lots (10 moves). `target` moves in all.
    Lot._grant_many(
        [
            {
                "partner_id": ledger_org.id,
                "quantity": 10,
                "expiry_date": expiry,
                "reason": "benchmark",
            }
            for _i in range(target // 2)
        ]
    )
    env.flush_all()
    for _i in range(target // 2 // 10):
        Lot._consume(ledger_org, 100, "benchmark")
    moves = env["support.credit.move"].search_count(
        [("partner_id", "=", ledger_org.id)]
    )
    balance, queries, seconds = measure(
        lambda org_id=ledger_org.id: (
            env["res.partner"].browse(org_id).support_credit_balance
        )
    )
    print(f"{moves:>6} {queries:>8} {seconds:>8.3f} {balance:>8}")

env.cr.rollback()

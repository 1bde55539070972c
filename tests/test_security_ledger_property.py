"""Issue 8, as a property: random sequences of selling, cancelling and
confirming again, logging, editing, moving and deleting time, and resolving
tickets as bugs never break the ledger, never take a lot below zero, and
never make one organization pay for another's ticket."""

from contextlib import closing

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import tagged
from odoo.tools import SQL

from .common import SupportMeteringCase, examples

ORG = st.sampled_from(["org_a", "org_c"])
PICK = st.integers(0, 1000)
STEP = st.one_of(
    st.tuples(st.just("sell"), ORG, st.integers(1, 2)),
    st.tuples(st.just("cancel"), PICK),
    st.tuples(st.just("reconfirm"), PICK),
    st.tuples(st.just("log"), ORG, st.integers(1, 90)),
    st.tuples(st.just("edit"), PICK, st.integers(0, 90)),
    st.tuples(st.just("move"), PICK, ORG),
    st.tuples(st.just("delete"), PICK),
    st.tuples(st.just("bug"), ORG),
)


@tagged("post_install", "-at_install")
class TestLedgerSecurityProperties(SupportMeteringCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pack = cls._create_pack_product(
            "Property pack, 60 credits", list_price=10.0
        )
        cls.deployment_c = cls.env["support.deployment"].create(
            {"name": "PROP-DEP-C", "partner_id": cls.org_c.id}
        )
        cls._create_contract(cls.deployment_c, cls.plan, ("2020-01-01", "2035-12-31"))
        cls.orgs = cls.org_a + cls.org_c
        cls.contacts = {"org_a": cls.contact_a, "org_c": cls.contact_c}
        cls.deployments = {"org_a": cls.deployment, "org_c": cls.deployment_c}

    def test_ledger_and_payers_hold_after_every_step(self):
        @settings(max_examples=examples(80), deadline=None, database=None)
        @given(steps=st.lists(STEP, min_size=1, max_size=8))
        def run(steps):
            with closing(self.env.cr.savepoint()):
                self.orders, self.lines, self.tickets = [], [], {}
                for step in steps:
                    getattr(self, f"_step_{step[0]}")(*step[1:])
                    self._check_invariants()

        run()

    # ------------------------------------------------------------------
    # Steps
    # ------------------------------------------------------------------
    def _ticket_of(self, org):
        ticket = self.tickets.get(org)
        if not ticket or ticket.support_resolution == "bug":
            ticket = self.tickets[org] = self._ticket(
                partner=self.contacts[org],
                deployment=self.deployments[org],
                user_id=self.engineer.id,
            )
        return ticket

    def _step_sell(self, org, quantity):
        order = self._create_order(
            [{"product_id": self.pack.id, "product_uom_qty": quantity}],
            partner=self.contacts[org],
        )
        order.action_confirm()
        self.orders.append(order)

    def _step_cancel(self, pick):
        confirmed = [order for order in self.orders if order.state == "sale"]
        if confirmed:
            confirmed[pick % len(confirmed)]._action_cancel()

    def _step_reconfirm(self, pick):
        cancelled = [order for order in self.orders if order.state == "cancel"]
        if cancelled:
            order = cancelled[pick % len(cancelled)]
            order.action_draft()
            order.action_confirm()

    def _step_log(self, org, minutes):
        self.lines.append(self._log(self._ticket_of(org), minutes / 60))

    def _alive_lines(self):
        return [line for line in self.lines if line.exists()]

    def _step_edit(self, pick, minutes):
        if lines := self._alive_lines():
            lines[pick % len(lines)].with_user(self.engineer).unit_amount = minutes / 60

    def _step_move(self, pick, org):
        if lines := self._alive_lines():
            lines[pick % len(lines)].with_user(
                self.engineer
            ).ticket_id = self._ticket_of(org)

    def _step_delete(self, pick):
        if lines := self._alive_lines():
            lines[pick % len(lines)].with_user(self.engineer).unlink()

    def _step_bug(self, org):
        if ticket := self.tickets.get(org):
            ticket.with_user(self.manager).action_resolve_as_bug()

    # ------------------------------------------------------------------
    # Invariants
    # ------------------------------------------------------------------
    def _check_invariants(self):
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                """
            SELECT lot.id, lot.remaining, COALESCE(SUM(move.quantity), 0)
              FROM support_credit_lot lot
         LEFT JOIN support_credit_move move ON move.lot_id = lot.id
             WHERE lot.partner_id IN %s
          GROUP BY lot.id
            """,
                tuple(self.orgs.ids),
            )
        )
        for lot_id, remaining, total in rows:
            self.assertGreaterEqual(remaining, 0, f"lot {lot_id} below zero")
            self.assertEqual(
                remaining, total, f"lot {lot_id}: remaining is not the sum of its moves"
            )
        [[foreign]] = self.env.execute_query(
            SQL(
                """
            SELECT COUNT(*)
              FROM support_credit_move move
              JOIN support_credit_lot lot ON lot.id = move.lot_id
              JOIN helpdesk_ticket ticket ON ticket.id = move.ticket_id
             WHERE lot.partner_id != ticket.support_paying_partner_id
            """,
            )
        )
        self.assertEqual(foreign, 0, "an organization paid for another's ticket")
        # what each line's ledger moves took is what the line says it covered
        self.env.invalidate_all()
        for line in self._alive_lines():
            if line.ticket_id.support_resolution == "bug":
                continue
            # its consumptions and refunds, and the bug refunds of its
            # consumptions (made for the ticket, not the line) when the line
            # has since moved off a ticket resolved as a bug
            moves = self.Move.sudo().search(
                [
                    "|",
                    ("timesheet_id", "=", line.id),
                    ("refund_of_id.timesheet_id", "=", line.id),
                ]
            )
            taken = -sum(
                moves.filtered(lambda m: m.move_type in ("consume", "refund")).mapped(
                    "quantity"
                )
            )
            self.assertEqual(
                taken,
                line.support_covered_minutes,
                f"line {line.id}: ledger and line disagree",
            )
            self.assertEqual(
                line.support_covered_minutes + line.support_uncovered_minutes,
                line.support_minutes,
            )

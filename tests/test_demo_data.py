"""The demo data tells a consistent story (issue 11): what granted credits
holds them, the ledger adds up, the covered customer's time is covered."""

from odoo import fields
from odoo.tests import TransactionCase, tagged

from .common import SupportCase


@tagged("post_install", "-at_install")
class TestDemoData(SupportCase, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.acme = cls.env.ref("base.res_partner_2")
        cls.deployment = cls.env.ref("support_contract.demo_deployment_acme")
        demo_deployments = cls.env["support.deployment"].browse(
            cls.env["ir.model.data"]
            .search(
                [
                    ("module", "=", "support_contract"),
                    ("model", "=", "support.deployment"),
                ]
            )
            .mapped("res_id")
        )
        cls.demo_deployments = demo_deployments
        cls.contracts = demo_deployments.contract_ids
        cards = cls.contracts.term_ids.sale_line_id.support_card_ids
        cls.organizations = (
            demo_deployments.partner_id
            | demo_deployments.coowner_ids
            | cards.claimed_partner_id
        )

    def test_every_credit_granted_by_a_term_is_in_a_lot_or_a_card(self):
        terms = self.contracts.term_ids.filtered(lambda term: not term.cancelled)
        self.assertTrue(terms.filtered("credits"), "the demo sells terms with credits")
        for line, line_terms in (
            terms.filtered("credits").grouped("sale_line_id").items()
        ):
            self.assertTrue(line, "credits are granted by an order line")
            self.assertEqual(line.order_id.state, "sale")
            credits = sum(line_terms.mapped("credits"))
            if line.support_credit_choice == "card":
                self.assertEqual(
                    sum(line.support_card_ids.mapped("credits")),
                    credits,
                    line.display_name,
                )
            else:
                for term in line_terms:
                    self.assertEqual(
                        sum(term.lot_ids.mapped("quantity")),
                        term.credits,
                        term.display_name,
                    )
                    self.assertEqual(
                        term.lot_ids.partner_id,
                        line.order_id.partner_invoice_id.commercial_partner_id,
                    )
        # imported terms (no order) grant nothing
        self.assertFalse(
            terms.filtered(lambda term: not term.sale_line_id).filtered("credits")
        )

    def test_every_lot_equals_its_moves(self):
        lots = self.env["support.credit.lot"].search(
            [("partner_id", "in", self.organizations.ids)]
        )
        self.assertTrue(lots)
        sums = dict(
            self.env["support.credit.move"]._read_group(
                [("lot_id", "in", lots.ids)], ["lot_id"], ["quantity:sum"]
            )
        )
        for lot in lots:
            self.assertEqual(lot.remaining, sums.get(lot, 0), lot.display_name)
            grant = lot.move_ids.filtered(lambda move: move.move_type == "grant")
            self.assertEqual(
                sum(grant.mapped("quantity")), lot.quantity, lot.display_name
            )

    def test_the_covered_customers_time_is_covered(self):
        self.assertEqual(self.deployment.state, "covered")
        contract = self.deployment.contract_ids
        self.assertEqual(contract.state, "active")
        self.assertTrue(
            contract.term_ids.lot_ids, "the covered contract has the lot of its credits"
        )
        tickets = self.env["helpdesk.ticket"].search(
            [("support_deployment_id", "=", self.deployment.id)]
        )
        timesheets = tickets.support_timesheet_ids
        self.assertTrue(timesheets, "time is logged on the covered customer's tickets")
        self.assertEqual(
            sum(timesheets.mapped("support_uncovered_minutes")),
            0,
            "nothing billed as uncovered",
        )
        self.assertFalse(timesheets.support_sale_line_id)
        self.assertEqual(set(tickets.mapped("support_contract_id")), {contract})
        consumed = sum(tickets.mapped("support_credits_consumed"))
        self.assertGreater(consumed, 0)
        self.assertFalse(
            self.env["sale.order"].search(
                [
                    ("partner_id", "child_of", self.acme.id),
                    ("support_uncovered", "=", True),
                ]
            )
        )
        # the balance is what was granted to Acme less what its tickets kept
        lots = self.env["support.credit.lot"].search(
            [("partner_id", "=", self.acme.id)]
        )
        self.assertEqual(
            self._balance(self.acme), sum(lots.mapped("quantity")) - consumed
        )
        # one ticket was a product bug: what it consumed went back
        bug = tickets.filtered(lambda ticket: ticket.support_resolution == "bug")
        self.assertEqual(len(bug), 1)
        self.assertEqual(bug.support_credits_consumed, 0)
        self.assertEqual(
            sum(bug.support_timesheet_ids.mapped("support_refunded_minutes")), 20
        )

    def test_coowned_deployment_cards_renewal_and_incidents(self):
        coowned = self.demo_deployments.filtered("coowner_ids")
        self.assertTrue(coowned, "a co-owned deployment")
        self.assertNotEqual(coowned.partner_id, coowned.coowner_ids)
        cards = (
            self.contracts.term_ids.sale_line_id.order_id.order_line.support_card_ids
        )
        self.assertEqual(
            set(cards.mapped("state")),
            {"active", "claimed"},
            "a card bought, one claimed",
        )
        claimed = cards.filtered(lambda card: card.state == "claimed")
        self.assertNotEqual(claimed.claimed_partner_id, claimed.buyer_partner_id)
        self.assertEqual(
            claimed.claimed_partner_id.support_credit_balance, claimed.credits
        )
        renewals = self.contracts.renewal_ids.filtered(
            lambda renewal: renewal.state in ("due", "quoted")
        )
        self.assertTrue(renewals, "a renewal due soon")
        days_left = (
            renewals[0].date_expiry - fields.Date.context_today(renewals[0])
        ).days
        self.assertLessEqual(days_left, self.env.company.support_renewal_notice_days)
        incident = self.contracts.filtered(
            lambda contract: contract.plan_id.metering == "incident"
        )
        self.assertTrue(incident, "a per-incident customer")
        ticket = self.env["helpdesk.ticket"].search(
            [("support_deployment_id", "=", incident.deployment_id.id)]
        )
        self.assertEqual(
            ticket.support_credits_consumed, incident.plan_id.incident_points
        )
        self.assertEqual(
            self._balance(incident.partner_id),
            incident.credits_total - incident.plan_id.incident_points,
        )

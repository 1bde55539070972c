import math
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from .protected_fields import check_protected_write

# Written by the metering alone (``_support_meter``).
METERING_FIELDS = (
    "support_minutes",
    "support_covered_minutes",
    "support_uncovered_minutes",
    "support_sale_line_id",
)


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Ticket",
        index="btree_not_null",
        ondelete="restrict",
        help="The helpdesk ticket this time was spent on: its minutes consume the "
        "credits of the ticket's paying organization.",
    )
    support_minutes = fields.Integer(
        string="Metered Minutes",
        readonly=True,
        copy=False,
        help="Minutes of this line after the plan's rounding, as last metered.",
    )
    support_covered_minutes = fields.Integer(
        string="Covered by Credits",
        readonly=True,
        copy=False,
    )
    support_uncovered_minutes = fields.Integer(
        string="Uncovered Minutes",
        readonly=True,
        copy=False,
        help="Minutes no credits covered: billed at the plan's hourly product.",
    )
    support_refunded_minutes = fields.Integer(
        string="Refunded (min)",
        compute="_compute_support_refunded_minutes",
        help="Credits this line consumed that a bug resolution gave back.",
    )
    support_sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Billed On",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The order line billing the uncovered minutes of this line.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    def _compute_support_refunded_minutes(self):
        """What a bug resolution gave back of this line's consumptions (the
        refunds of its consume moves made for the ticket; a shorter time shows
        in the line's minutes instead), in one search."""
        refunds = (
            self.env["support.credit.move"]
            .sudo()
            .search(
                [
                    ("refund_of_id.timesheet_id", "in", self._origin.ids),
                    ("move_type", "=", "refund"),
                    ("timesheet_id", "=", False),
                ]
            )
        )
        refunded = defaultdict(int)
        for refund in refunds:
            refunded[refund.refund_of_id.timesheet_id.id] += refund.quantity
        for line in self:
            line.support_refunded_minutes = refunded.get(line._origin.id, 0)

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_protected_write(self, vals, METERING_FIELDS)
        tickets = self.env["helpdesk.ticket"].browse(
            {vals["ticket_id"] for vals in vals_list if vals.get("ticket_id")}
        )
        tickets._support_check_timesheet_access()
        by_id = {ticket.id: ticket for ticket in tickets}
        for vals in vals_list:
            ticket = by_id.get(vals.get("ticket_id"))
            if ticket and not vals.get("project_id") and not vals.get("task_id"):
                project = ticket.company_id._get_support_project()
                if project:
                    vals["project_id"] = project.id
                vals.setdefault("company_id", ticket.company_id.id)
        lines = super().create(vals_list)
        lines.filtered("ticket_id")._support_check_ticket_company()
        lines.filtered("ticket_id")._support_meter()
        return lines

    def write(self, vals):
        check_protected_write(self, vals, METERING_FIELDS)
        moved = self.browse()
        if "ticket_id" in vals:
            self.env["helpdesk.ticket"].browse(
                vals["ticket_id"]
            )._support_check_timesheet_access()
            moved = self.filtered(
                lambda line: line.ticket_id.id != vals["ticket_id"]
                and line.support_minutes
            )
            if moved:
                # the old ticket's organization gets its credits back first;
                # the line is then metered on its new ticket
                moved._support_meter(reverse=True)
        res = super().write(vals)
        if {"ticket_id", "company_id"} & set(vals):
            self.filtered("ticket_id")._support_check_ticket_company()
        if {"unit_amount", "ticket_id"} & set(vals):
            self.filtered("ticket_id")._support_meter()
        return res

    def unlink(self):
        metered = self.filtered(lambda line: line.support_minutes)
        if metered:
            metered._support_meter(reverse=True)
        return super().unlink()

    def _support_check_ticket_company(self):
        """A ticket's time is logged in the ticket's company: its credits and
        its billing are that company's."""
        wrong = self.filtered(lambda line: line.company_id != line.ticket_id.company_id)
        if wrong:
            raise UserError(
                self.env._(
                    "Time on ticket %(ticket)s must be logged in its company, "
                    "%(company)s.",
                    ticket=wrong[0].ticket_id.display_name,
                    company=wrong[0].ticket_id.company_id.name,
                )
            )

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _support_target_minutes(self):
        """Minutes to meter for this line: its duration in whole minutes, rounded
        up to the plan's rounding (copied on the ticket); 0 when the ticket is
        not metered by the minute (per-incident plan, resolved as a bug, no
        deployment)."""
        self.ensure_one()
        ticket = self.ticket_id
        if (
            not ticket.support_deployment_id
            or ticket.support_metering == "incident"
            or ticket.support_resolution == "bug"
            or self.unit_amount <= 0
        ):
            return 0
        minutes = round(self.unit_amount * 60)
        rounding = max(ticket.support_rounding_minutes or 1, 1)
        return int(math.ceil(minutes / rounding) * rounding)

    def _support_meter(self, reverse=False):
        """Post the difference between what these lines should have metered and
        what they have: more minutes consume credits (FIFO), the rest is
        uncovered and billed; fewer minutes first reduce the uncovered time, then
        give credits back to the lots they came from (see ``_support_give_back``).
        ``reverse``: the lines are deleted."""
        lines = self.sudo()
        new_values, consume_requests, refunds = lines._support_meter_deltas(reverse)
        if refunds:
            self._support_give_back(refunds)
        outlooks = {}
        capped_terms = self.env["support.contract.term"]
        if consume_requests:
            consume_requests, beyond_cap, capped_terms = self._support_apply_term_caps(
                consume_requests
            )
            for line, minutes in beyond_cap.items():
                new_values[line]["support_uncovered_minutes"] += minutes
        if consume_requests:
            results, outlooks = self._support_consume_batch(consume_requests)
            for line, quantity in consume_requests:
                uncovered_part = results[line.id]
                values = new_values[line]
                values["support_covered_minutes"] += quantity - uncovered_part
                values["support_uncovered_minutes"] += uncovered_part
        if not new_values:
            return
        for line, values in new_values.items():
            line.write(values)
        if not reverse:
            to_bill = lines.filtered(
                lambda line: line.support_uncovered_minutes
                and not line.support_sale_line_id
            )
            if to_bill:
                to_bill._support_assign_sale_lines()
        lines._support_meter_notices(capped_terms, outlooks)

    def _support_meter_deltas(self, reverse):
        """What metering changes on these lines, before the ledger is asked.

        :return: ``(new values per line, [(line, minutes to consume)],
            [(line, credits to give back)])``: the new values count the
            minutes to consume neither as covered nor as uncovered yet
        """
        consume_requests = []  # (line, quantity)
        refunds = []  # (line, credits to give back)
        new_values = {}
        for line in self:
            target = 0 if reverse else line._support_target_minutes()
            posted = line.support_minutes
            covered = line.support_covered_minutes
            uncovered = line.support_uncovered_minutes
            if target == posted:
                continue
            ticket = line.ticket_id
            if target > posted:
                delta = target - posted
                if ticket.support_contract_id and ticket.support_paying_partner_id:
                    consume_requests.append((line, delta))
                else:
                    uncovered += delta
            else:
                reduce = posted - target
                from_uncovered = min(uncovered, reduce)
                uncovered -= from_uncovered
                reduce -= from_uncovered
                if reduce:
                    covered -= reduce
                    refunds.append((line, reduce))
            new_values[line] = {
                "support_minutes": target,
                "support_covered_minutes": covered,
                "support_uncovered_minutes": uncovered,
            }
            if reverse:
                # unbilled: a line moved to another ticket is billed anew there
                new_values[line]["support_sale_line_id"] = False
        return new_values, consume_requests, refunds

    def _support_meter_notices(self, capped_terms, outlooks):
        """After metering these lines: warn the owners of ``capped_terms``
        whose maximum support hours run out, and the paying organizations whose
        credits run low (``outlooks``: what the consumption read of their
        lots)."""
        if capped_terms:
            used = capped_terms._support_used_minutes()
            for term in capped_terms:
                term._support_warn_cap(
                    self._support_term_cap(term, self), used.get(term.id, 0)
                )
        for company, company_lines in self.ticket_id.grouped("company_id").items():
            if paying := company_lines.support_paying_partner_id:
                # what the consumption read of the payers' lots spares the
                # notice from summing them
                paying._support_notify_low_balance(
                    company,
                    outlooks={
                        partner_id: outlook
                        for (partner_id, company_id), outlook in outlooks.items()
                        if company_id == company.id
                    },
                )

    def _support_apply_term_caps(self, requests):
        """Hold back what would pass the maximum support hours of a contract
        term (doc/rules.md, "Maximum support hours"): the time of lines whose
        ticket has a cap counts against the term of its contract that covers
        the line's date, over all the contract's tickets; the terms concerned
        are locked first, so that concurrent engineers are counted one after
        the other. Lines of uncapped tickets cost no query.

        :param requests: list of ``(line, minutes)`` to consume
        :return: ``(requests, {line: minutes beyond the cap}, terms)``: the
            minutes left to consume, what the cap leaves uncovered, and the
            capped terms concerned
        """
        Term = self.env["support.contract.term"].sudo()
        capped = [
            line for line, _minutes in requests if line.ticket_id.support_max_minutes
        ]
        if not capped:
            return requests, {}, Term
        contracts = self.env["support.contract"].browse(
            {line.ticket_id.support_contract_id.id for line in capped}
        )
        terms = Term.search(
            [("contract_id", "in", contracts.ids), ("cancelled", "=", False)]
        )
        line_term = {}
        for line in capped:
            line_term[line] = next(
                (
                    term
                    for term in terms
                    if term.contract_id == line.ticket_id.support_contract_id
                    and term.date_start <= line.date <= term.date_end
                ),
                Term,
            )
        concerned = Term.union(*line_term.values())
        concerned._support_lock()
        used = concerned._support_used_minutes()
        allowed_requests, beyond = [], {}
        for line, minutes in requests:
            term = line_term.get(line)
            if not term:
                allowed_requests.append((line, minutes))
                continue
            left = max(line.ticket_id.support_max_minutes - used.get(term.id, 0), 0)
            allowed = min(minutes, left)
            used[term.id] = used.get(term.id, 0) + allowed
            if allowed:
                allowed_requests.append((line, allowed))
            if minutes > allowed:
                beyond[line] = minutes - allowed
        return allowed_requests, beyond, concerned

    @staticmethod
    def _support_term_cap(term, lines):
        """The cap (minutes) the metered lines applied to ``term``: the one
        their tickets copied from the plan."""
        return max(
            (
                line.ticket_id.support_max_minutes
                for line in lines
                if line.ticket_id.support_contract_id == term.contract_id
            ),
            default=0,
        )

    def _support_give_back(self, requests):
        """Give credits back to the lots the lines consumed from, last drawn
        first: whole consumptions are refunded (the ledger's ``_refund``: to
        their lot, or a new lot if it has expired); of the last one only the
        difference: the ledger refunds it and consumes again what the line
        keeps, on the lot the refund went to.

        :param requests: list of ``(line, credits)`` (positive credits)
        """
        Lot = self.env["support.credit.lot"].sudo()
        Move = self.env["support.credit.move"].sudo()
        lines = self.browse([line.id for line, _credits in requests]).sudo()
        by_line = Move.search(
            [
                ("timesheet_id", "in", lines.ids),
                ("move_type", "=", "consume"),
                ("refund_ids", "=", False),
            ]
        ).grouped("timesheet_id")
        for line, credits in requests:
            reason = line.ticket_id.support_paying_partner_id._support_env()._(
                "Timesheet time reduced or deleted"
            )
            line_moves = by_line.get(line, Move).sorted(
                lambda move: (move.lot_id.expiry_date, move.id), reverse=True
            )
            to_refund, keep, rest = Move, {}, credits
            for move in line_moves:
                if rest <= 0:
                    break
                to_refund |= move
                taken = -move.quantity
                if taken > rest:
                    keep[move] = taken - rest
                rest -= min(taken, rest)
            if to_refund:
                Lot._refund(
                    to_refund,
                    reason,
                    keep=keep,
                    timesheet_id=line.id,
                    ticket_id=line.ticket_id.id,
                    origin=line.ticket_id.number,
                )

    def _support_consume_batch(self, requests):
        """Consume the paying organizations' credits for several lines at once
        (the ledger's batch consumption: per organization, the few lots it
        needs locked, and one create for all the moves).

        :param requests: list of ``(line, quantity)`` (positive quantities)
        :return: ``({line id: credits not covered}, outlooks)``: what the
            ledger read of the organizations' credits left, for the
            low-balance notice (``support.credit.lot._consume_batch``)
        """
        reasons = {}  # per paying organization: in its language
        for line, _quantity in requests:
            partner = line.ticket_id.support_paying_partner_id
            if partner not in reasons:
                reasons[partner] = partner._support_env()._("Time logged on a ticket")
        _moves, uncovered, outlooks = (
            self.env["support.credit.lot"]
            .sudo()
            ._consume_batch(
                [
                    {
                        "partner": line.ticket_id.support_paying_partner_id,
                        "company": line.ticket_id.company_id,
                        "quantity": quantity,
                        "move_vals": {
                            "date": fields.Datetime.to_datetime(line.date)
                            if line.date
                            else fields.Datetime.now(),
                            "reason": reasons[line.ticket_id.support_paying_partner_id],
                            "timesheet_id": line.id,
                            "ticket_id": line.ticket_id.id,
                            "origin": line.ticket_id.number,
                        },
                    }
                    for line, quantity in requests
                ]
            )
        )
        return {
            line.id: rest
            for (line, _quantity), rest in zip(requests, uncovered, strict=False)
        }, outlooks

    def _support_assign_sale_lines(self):
        """Link these lines (with uncovered minutes) to the order line billing the
        uncovered time of their organization: one open order per organization,
        one line per hourly product."""
        SaleOrder = self.env["sale.order"].sudo()
        groups = defaultdict(lambda: self.browse())
        for line in self:
            ticket = line.ticket_id
            product = ticket._support_hourly_product()
            if not product:
                continue
            groups[
                ticket.support_paying_partner_id or ticket.commercial_partner_id,
                ticket.company_id,
                product,
            ] |= line
        for (partner, company, product), lines in groups.items():
            lines.sudo().support_sale_line_id = SaleOrder._support_uncovered_line(
                partner, company, product
            )

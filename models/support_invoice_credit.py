# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import Counter, defaultdict

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command, Domain
from odoo.tools import float_is_zero, float_round, format_date, formatLang

from .row_lock import lock_rows
from .sale_order_line import PURCHASED_CREDITS_VALIDITY_MONTHS


class SupportInvoiceCredit(models.Model):
    """What an invoice line did to the credits of a support order line whose
    company grants credits when the invoice is paid
    (``res.company.support_credit_grant``).

    - ``grant``: the invoice line was paid, and the credits of its quantity
      were granted: lots of the organization, or a Support Credit Card. One
      per invoice line (a unique index): a second payment or reconciliation of
      the same invoice grants nothing more.
    - ``withdraw``: a credit note line reversed (part of) an invoice line.
      What its payment granted for that part is withdrawn; what was already
      consumed (or claimed, for a card) cannot be and is ``owed``.

    Written by the addon's rules alone, as superuser; sales, accounting and
    support staff read it. The credits themselves move through the ledger's
    API (``support.credit.lot._grant_many``, ``_adjust``) and the cards'
    (``_issue``, ``action_cancel``).
    """

    _name = "support.invoice.credit"
    _description = "Support Credits of an Invoice Line"
    _order = "id desc"

    kind = fields.Selection(
        [("grant", "Granted on payment"), ("withdraw", "Withdrawn by credit note")],
        required=True,
        readonly=True,
        index=True,
    )
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Invoice Line",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        help="The paid invoice line (granted), or the credit note line (withdrawn).",
    )
    move_id = fields.Many2one(
        related="move_line_id.move_id", string="Invoice", store=True, index=True
    )
    partner_id = fields.Many2one(
        related="move_id.commercial_partner_id",
        string="Organization",
        store=True,
        index=True,
        help="The invoiced organization (of the invoice, or of the credit note).",
    )
    reversed_line_id = fields.Many2one(
        "account.move.line",
        string="Reversed Invoice Line",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The invoice line the credit note line reverses (withdrawals).",
    )
    grant_id = fields.Many2one(
        "support.invoice.credit",
        string="Reversed Grant",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The grant whose credits this credit note withdraws; empty when the "
        "reversed invoice line was not paid yet.",
    )
    withdrawal_ids = fields.One2many(
        "support.invoice.credit", "grant_id", string="Withdrawals", readonly=True
    )
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    order_id = fields.Many2one(
        related="sale_line_id.order_id", string="Order", store=True, index=True
    )
    company_id = fields.Many2one(
        related="sale_line_id.company_id", store=True, index=True
    )
    quantity = fields.Float(
        digits="Product Unit",
        readonly=True,
        help="Quantity of the order line whose credits were granted, or reversed.",
    )
    credits = fields.Integer(readonly=True, help="Credits granted, or withdrawn.")
    owed = fields.Integer(
        readonly=True,
        help="Credits reversed that were already consumed (or claimed as a card): "
        "not withdrawn, owed by the customer.",
    )
    lot_ids = fields.Many2many(
        "support.credit.lot", string="Credit Lots", readonly=True
    )
    card_ids = fields.Many2many(
        "support.credit.card",
        string="Credit Cards",
        readonly=True,
        help="Granted: the cards issued (and those that replaced them). Withdrawn: the "
        "cards cancelled.",
    )
    term_ids = fields.Many2many(
        "support.contract.term",
        string="Contract Terms",
        readonly=True,
        help="Granted: the terms whose credits the payment granted. Withdrawn: the "
        "terms reversed.",
    )

    _grant_once = models.UniqueIndex(
        "(move_line_id) WHERE kind = 'grant'",
        "The credits of this invoice line have already been granted.",
    )
    _withdraw_once = models.UniqueIndex(
        "(move_line_id, COALESCE(reversed_line_id, 0)) WHERE kind = 'withdraw'",
        "This credit note line has already withdrawn these credits.",
    )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self._check_written_by_rules()
        return super().create(vals_list)

    def write(self, vals):
        self._check_written_by_rules()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_history(self):
        raise UserError(
            self.env._(
                "What an invoice granted or a credit note withdrew is history: it "
                "cannot be deleted."
            )
        )

    @api.model
    def _check_written_by_rules(self):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "The credits of invoice lines are written by the support rules "
                    "themselves (on payment and on credit notes) and cannot be written."
                )
            )

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    @api.model
    def _pairs(self, move_lines, move_type):
        """``[(move line, sale line)]``: the product lines of posted documents
        of ``move_type`` in ``move_lines`` that bill a support line granting
        credits on payment."""
        pairs = []
        for move_line in move_lines:
            move = move_line.move_id
            if (
                move_line.display_type != "product"
                or move.move_type != move_type
                or move.state != "posted"
            ):
                continue
            sale_line = move_line.sale_line_ids.filtered(
                lambda line: line.support_grant_on_payment and line.support_processed
            )[:1]
            if sale_line:
                pairs.append((move_line, sale_line))
        return pairs

    @api.model
    def _units(self, move_line, sale_line):
        """The quantity of ``move_line`` in the unit of ``sale_line``."""
        if move_line.product_uom_id and sale_line.product_uom_id:
            return move_line.product_uom_id._compute_quantity(
                move_line.quantity, sale_line.product_uom_id
            )
        return move_line.quantity

    @api.model
    def _grant_paid(self, invoice_lines):
        """Grant the credits of these invoice lines whose invoice is paid (or
        in payment), once per invoice line.

        The quantity granted is the line's, less what credit notes reversed
        of it before the payment. A contract line pays its terms in date
        order, each granting its own lot expiring with the term (a term that
        ended before the payment grants nothing); a credit pack grants a lot
        valid 12 months from the payment; with the card choice, one card per
        invoice line carries the credits. The sales rep is told on the order.

        :return: the grants made.
        """
        self = self.sudo()
        pairs = self._paid_pairs(invoice_lines.sudo())
        if not pairs:
            return self
        sale_lines = self.env["sale.order.line"].union(
            *(sale_line for _move_line, sale_line in pairs)
        )
        granted, reversed_qty, paid_terms = self._grant_history(sale_lines)

        today = fields.Date.context_today(self)
        pack_expiry = today + relativedelta(months=PURCHASED_CREDITS_VALIDITY_MONTHS)
        plans, lot_vals, card_vals = [], [], []
        for move_line, sale_line in pairs:
            if move_line.id in granted:
                continue
            granted.add(move_line.id)
            units = max(
                0.0, self._units(move_line, sale_line) - reversed_qty[move_line]
            )
            terms, grants = self._credits_paid(
                sale_line, units, paid_terms, today, pack_expiry
            )
            invoice, order = move_line.move_id, sale_line.order_id
            reason = (
                sale_line._support_organization()
                ._support_env()
                ._(
                    "Invoice %(invoice)s paid (order %(order)s)",
                    invoice=invoice.name,
                    order=order.name,
                )
            )
            plan = {
                "move_line": move_line,
                "sale_line": sale_line,
                "units": units,
                "terms": terms,
                "credits": sum(credits for credits, _expiry, _term in grants),
                "lots": [],
                "card": None,
            }
            if sale_line.support_credit_choice == "card":
                if plan["credits"]:
                    plan["card"] = len(card_vals)
                    card_vals.append(
                        {
                            "credits": plan["credits"],
                            "expiry_date": pack_expiry,
                            "buyer_partner_id": sale_line._support_organization().id,
                            "sale_line_id": sale_line.id,
                            "company_id": sale_line.company_id.id,
                        }
                    )
            else:
                for credits, expiry, term in grants:
                    plan["lots"].append(len(lot_vals))
                    lot_vals.append(
                        {
                            **sale_line._support_lot_vals(credits, expiry, term),
                            "reason": reason,
                            "origin": invoice.name,
                        }
                    )
            plans.append(plan)
        if not plans:
            return self

        # one grant and one issue for the whole batch
        lots = (
            self.env["support.credit.lot"]._grant_many(lot_vals)
            if lot_vals
            else self.env["support.credit.lot"]
        )
        cards = (
            self.env["support.credit.card"]._issue(card_vals)
            if card_vals
            else self.env["support.credit.card"]
        )
        records = self.create(
            [
                {
                    "kind": "grant",
                    "move_line_id": plan["move_line"].id,
                    "sale_line_id": plan["sale_line"].id,
                    "quantity": plan["units"],
                    "credits": plan["credits"],
                    "lot_ids": [
                        Command.set([lots[index].id for index in plan["lots"]])
                    ],
                    "card_ids": [
                        Command.set(
                            [cards[plan["card"]].id] if plan["card"] is not None else []
                        )
                    ],
                    "term_ids": [Command.set(plan["terms"].ids)],
                }
                for plan in plans
            ]
        )
        paid = defaultdict(float)
        for plan in plans:
            paid[plan["sale_line"]] += plan["units"]
        for sale_line, units in paid.items():
            # the write that makes a second grant waiting on the lock above
            # (two payments of one line at once) fail to serialize and retry
            sale_line.support_paid_qty += units
        records._notify_granted()
        return records

    @api.model
    def _paid_pairs(self, invoice_lines):
        """``[(invoice line, sale line)]`` of ``invoice_lines`` whose invoice is
        paid (or in payment) and whose confirmed order line still grants, the
        order lines locked."""
        pairs = [
            (move_line, sale_line)
            for move_line, sale_line in self._pairs(invoice_lines, "out_invoice")
            if move_line.move_id.payment_state in ("paid", "in_payment")
        ]
        if not pairs:
            return pairs
        # Two transactions granting for one order line at once (two payments,
        # the paid hook called twice): the second waits here until the first
        # commits. The first has written the line (its paid quantity), so the
        # second fails to serialize and Odoo runs it again; the retry finds the
        # grant made and grants nothing. Without the lock, the second would
        # run into the one-grant-per-invoice-line index and fail the payment.
        lock_rows(
            self.env["sale.order.line"].union(
                *(sale_line for _move_line, sale_line in pairs)
            )
        )
        return [
            (move_line, sale_line)
            for move_line, sale_line in pairs
            if sale_line.state == "sale" and not sale_line.support_withdrawn
        ]

    @api.model
    def _grant_history(self, sale_lines):
        """What was granted and withdrawn before for ``sale_lines``:
        ``(ids of the invoice lines granted, quantity reversed per invoice
        line, times each term was paid)``."""
        history = self.search(Domain("sale_line_id", "in", sale_lines.ids))
        granted = set(
            history.filtered(lambda record: record.kind == "grant").move_line_id.ids
        )
        reversed_qty = defaultdict(float)
        paid_terms = Counter()
        for record in history:
            if record.kind == "withdraw":
                reversed_qty[record.reversed_line_id] += record.quantity
            for term in record.term_ids:
                paid_terms[term] += 1 if record.kind == "grant" else -1
        return granted, reversed_qty, paid_terms

    @api.model
    def _credits_paid(self, sale_line, units, paid_terms, today, pack_expiry):
        """The credits that paying ``units`` of ``sale_line`` grants.

        A contract line pays its unpaid terms in date order (``paid_terms``
        counts them paid); a term that ended grants nothing. A credit pack
        grants its credits until ``pack_expiry``.

        :return: ``(terms paid, [(credits, expiry, term or None)])``
        """
        grants = []
        terms = self.env["support.contract.term"]
        if sale_line.support_kind == "contract":
            unpaid = sale_line.support_term_ids.filtered(
                lambda term: not term.cancelled and paid_terms[term] <= 0
            ).sorted(lambda term: (term.date_start, term.id))
            terms = unpaid[: int(float_round(units, precision_digits=0))]
            for term in terms:
                paid_terms[term] += 1
                if term.credits > 0 and term.date_end >= today:
                    grants.append((term.credits, term.date_end, term))
        else:
            pack = int(units) * sale_line.product_id.product_tmpl_id.support_credits
            if pack > 0:
                grants.append((pack, pack_expiry, None))
        return terms, grants

    def _notify_granted(self):
        """Post, on each order, what the payment of its invoices granted."""
        for order, order_records in self.grouped("order_id").items():
            texts = []
            for invoice, records in order_records.grouped("move_id").items():
                texts.append(
                    self.env._(
                        "Invoice %(invoice)s paid: support credits granted.",
                        invoice=invoice.name,
                    )
                )
                for record in records:
                    texts.append(record._describe_grant())
            order.message_post(body=Markup("<br/>").join(texts))

    def _describe_grant(self):
        self.ensure_one()
        label = self.sale_line_id._support_line_label()
        if self.card_ids:
            return self.env._(
                "%(line)s: %(credits)s credits on %(card)s (claimable until %(date)s).",
                line=label,
                credits=self.credits,
                card=self.card_ids[:1].display_name,
                date=format_date(self.env, self.card_ids[:1].expiry_date),
            )
        if self.credits:
            return self.env._(
                "%(line)s: %(credits)s credits granted to %(organization)s.",
                line=label,
                credits=self.credits,
                organization=self.lot_ids[:1].partner_id.display_name,
            )
        return self.env._(
            "%(line)s: no credits to grant (nothing left to pay for, or the terms paid "
            "have ended).",
            line=label,
        )

    @api.model
    def _withdraw_refunded(self, refund_lines):
        """A credit note is posted: withdraw what the payment of the invoice
        lines it reverses granted, for the reversed quantity, once per credit
        note line.

        The reversed invoice lines are those of the invoice the credit note
        reverses, then (a credit note made by hand) the other invoice lines
        of the order line, newest first. A contract line gives back its last
        terms paid; a credit pack a share of its lot. From each lot, what
        remains is withdrawn (an adjustment whose reason names the credit
        note), never below what was consumed: the consumed credits are owed.
        An unclaimed card is cancelled (and a new card issued for what the
        credit note leaves); a claimed card stays claimed and its credits are
        owed. Reversing a line not paid yet only lowers what its payment will
        grant. The sales rep is told on the order.

        :return: the withdrawals made.
        """
        self = self.sudo()
        pairs = self._pairs(refund_lines.sudo(), "out_refund")
        if not pairs:
            return self
        sale_lines = self.env["sale.order.line"].union(
            *(sale_line for _move_line, sale_line in pairs)
        )
        history = self.search(Domain("sale_line_id", "in", sale_lines.ids))
        done = set(
            history.filtered(lambda record: record.kind == "withdraw").move_line_id.ids
        )
        pairs = [
            (move_line, sale_line)
            for move_line, sale_line in pairs
            if move_line.id not in done
        ]
        if not pairs:
            return self
        grants = {
            record.move_line_id: record for record in history if record.kind == "grant"
        }
        reversed_qty = defaultdict(float)
        released = defaultdict(set)  # grant -> ids of its terms already reversed
        owed_before = defaultdict(int)  # grant -> credits already owed
        for record in history.filtered(lambda record: record.kind == "withdraw"):
            reversed_qty[record.reversed_line_id] += record.quantity
            if record.grant_id:
                released[record.grant_id] |= set(record.term_ids.ids)
                owed_before[record.grant_id] += record.owed
        lots = self.env["support.credit.lot"].union(
            *(grant.lot_ids for grant in grants.values())
        )
        consumed = {}
        if lots:
            # what was consumed stays consumed (refunds count back)
            consumed = {
                lot: -quantity
                for lot, quantity in self.env["support.credit.move"]._read_group(
                    Domain("lot_id", "in", lots.ids)
                    & Domain("move_type", "in", ["consume", "refund"]),
                    ["lot_id"],
                    ["quantity:sum"],
                )
            }
            # no consumption slips in between reading and withdrawing
            lots._lock_rows()
        state = {"released": released, "owed_before": owed_before, "consumed": consumed}

        vals_list = []
        for refund_line, sale_line in pairs:
            credit_note, order = refund_line.move_id, sale_line.order_id
            candidates = self._reversible_lines(sale_line, credit_note)
            rounding = sale_line.product_uom_id.rounding or 0.01
            left = self._units(refund_line, sale_line)
            line_vals = []
            for invoice_line in candidates:
                if float_is_zero(left, precision_rounding=rounding) or left < 0:
                    break
                take = min(
                    left,
                    self._units(invoice_line, sale_line) - reversed_qty[invoice_line],
                )
                if take <= 0 or float_is_zero(take, precision_rounding=rounding):
                    continue
                reversed_qty[invoice_line] += take
                left -= take
                vals = {
                    "kind": "withdraw",
                    "move_line_id": refund_line.id,
                    "reversed_line_id": invoice_line.id,
                    "sale_line_id": sale_line.id,
                    "quantity": take,
                }
                grant = grants.get(invoice_line)
                if grant:
                    reason = (
                        grant.sale_line_id._support_organization()
                        ._support_env()
                        ._(
                            "Credit note %(credit_note)s reverses invoice %(invoice)s "
                            "(order %(order)s)",
                            credit_note=credit_note.name,
                            invoice=invoice_line.move_id.name,
                            order=order.name,
                        )
                    )
                    vals.update(
                        self._withdraw_from_grant(
                            grant, take, reason, credit_note.name, state
                        )
                    )
                    vals["grant_id"] = grant.id
                line_vals.append(vals)
            if not line_vals:
                # nothing billed to reverse: remember the line was seen
                line_vals.append(
                    {
                        "kind": "withdraw",
                        "move_line_id": refund_line.id,
                        "sale_line_id": sale_line.id,
                        "quantity": 0.0,
                    }
                )
            vals_list += line_vals
        records = self.create(vals_list)

        changes = defaultdict(lambda: [0.0, 0])
        for record in records.filtered("grant_id"):
            changes[record.sale_line_id][0] += record.quantity
            changes[record.sale_line_id][1] += record.owed
        for sale_line, (units, owed) in changes.items():
            sale_line.write(
                {
                    "support_paid_qty": max(0.0, sale_line.support_paid_qty - units),
                    "support_credits_owed": sale_line.support_credits_owed + owed,
                }
            )
        records._notify_withdrawn()
        return records

    @api.model
    def _reversible_lines(self, sale_line, credit_note):
        """The posted invoice lines of ``sale_line`` that a line of
        ``credit_note`` reverses, in the order they are reversed: those of the
        invoice the credit note reverses, then (a credit note made by hand) the
        others, newest first."""
        reversed_invoice = credit_note.reversed_entry_id
        invoice_lines = sale_line.invoice_lines.filtered(
            lambda line: line.move_id.move_type == "out_invoice"
            and line.move_id.state == "posted"
        )
        return invoice_lines.filtered(lambda line: line.move_id == reversed_invoice) + (
            invoice_lines.filtered(
                lambda line: line.move_id != reversed_invoice
            ).sorted("id", reverse=True)
        )

    @api.model
    def _withdraw_from_grant(self, grant, units, reason, origin, state):
        """Withdraw what ``grant`` granted for ``units`` of its quantity.

        :param dict state: the batch's running figures: ``released`` (terms
            already reversed per grant), ``owed_before`` (credits already owed
            per grant) and ``consumed`` (credits consumed per lot).
        :return: the values of the withdrawal: ``credits`` withdrawn, ``owed``,
            ``lot_ids``, ``card_ids`` (cancelled), ``term_ids`` (reversed).
        """
        sale_line = grant.sale_line_id
        today = fields.Date.context_today(self)
        terms = self.env["support.contract.term"]
        if sale_line.support_kind == "contract":
            # the last terms paid go first
            count = int(float_round(units, precision_digits=0))
            terms = grant.term_ids.filtered(
                lambda term: term.id not in state["released"][grant]
            ).sorted(lambda term: (term.date_start, term.id), reverse=True)[:count]
            state["released"][grant] |= set(terms.ids)
            lot_targets = [
                (lot, lot.quantity)
                for lot in grant.lot_ids
                if lot.contract_term_id in terms
            ]
            granted_on = fields.Date.context_today(self, grant.create_date)
            card_target = sum(
                term.credits
                for term in terms
                if term.credits > 0 and term.date_end >= granted_on
            )
            # a term's lot is reversed once: nothing of it was owed before
            owed_before = 0
        else:
            share = (
                int(
                    float_round(
                        grant.credits * units / grant.quantity, precision_digits=0
                    )
                )
                if grant.quantity
                else 0
            )
            lot_targets = [(lot, share) for lot in grant.lot_ids]
            card_target = share
            owed_before = state["owed_before"][grant]

        withdrawn = owed = 0
        touched = self.env["support.credit.lot"]
        for lot, target in lot_targets:
            if target <= 0:
                continue
            # an expired lot gives nothing back: its credits are unusable anyway
            take = min(target, lot.remaining) if lot.expiry_date >= today else 0
            if take > 0:
                lot._adjust(-take, reason, origin=origin)
                touched |= lot
            debt = max(
                0, min(target - take, state["consumed"].get(lot, 0) - owed_before)
            )
            owed_before += debt
            withdrawn += take
            owed += debt

        cancelled = self.env["support.credit.card"]
        card = grant.card_ids.filtered(lambda card: card.state != "cancelled").sorted(
            "id"
        )[-1:]
        if card_target > 0 and card:
            target = min(card_target, card.credits)
            if card.state == "claimed":
                owed += target
            else:
                card.action_cancel()
                cancelled |= card
                withdrawn += target
                if card.credits > target and card.expiry_date >= today:
                    replacement = self.env["support.credit.card"]._issue(
                        [
                            {
                                "credits": card.credits - target,
                                "expiry_date": card.expiry_date,
                                "buyer_partner_id": card.buyer_partner_id.id,
                                "sale_line_id": sale_line.id,
                                "company_id": card.company_id.id,
                            }
                        ]
                    )
                    card.replaced_by_id = replacement
                    grant.card_ids = [Command.link(replacement.id)]
        state["owed_before"][grant] += owed
        return {
            "credits": withdrawn,
            "owed": owed,
            "lot_ids": [Command.set(touched.ids)],
            "card_ids": [Command.set(cancelled.ids)],
            "term_ids": [Command.set(terms.ids)],
        }

    def _notify_withdrawn(self):
        """Post, on each order, what its credit notes withdrew and what is owed."""
        for order, order_records in self.grouped("order_id").items():
            texts = []
            for credit_note, records in order_records.grouped("move_id").items():
                texts.append(
                    self.env._(
                        "Credit note %(credit_note)s posted: support credits of the "
                        "invoices it reverses.",
                        credit_note=credit_note.name,
                    )
                )
                for record in records:
                    texts += record._describe_withdrawal()
            order.message_post(body=Markup("<br/>").join(texts))

    def _describe_withdrawal(self):
        self.ensure_one()
        label = self.sale_line_id._support_line_label()
        if not self.grant_id:
            return [
                self.env._(
                    "%(line)s: %(quantity)s reversed before any payment; no credits "
                    "had been granted for it.",
                    line=label,
                    quantity=formatLang(self.env, self.quantity),
                )
            ]
        texts = [
            self.env._(
                "%(line)s: %(credits)s credits withdrawn.",
                line=label,
                credits=self.credits,
            )
        ]
        claimed = self.grant_id.card_ids.filtered(lambda card: card.state == "claimed")
        if self.owed and claimed:
            texts.append(
                self.env._(
                    "%(line)s: %(card)s was already claimed by %(organization)s: its "
                    "%(credits)s credits cannot be withdrawn and are owed.",
                    line=label,
                    card=claimed[:1].display_name,
                    organization=claimed[:1].claimed_partner_id.display_name,
                    credits=self.owed,
                )
            )
        elif self.owed:
            texts.append(
                self.env._(
                    "%(line)s: %(credits)s credits consumed cannot be withdrawn and "
                    "are owed.",
                    line=label,
                    credits=self.owed,
                )
            )
        if self.card_ids:
            texts.append(
                self.env._(
                    "Support Credit Cards cancelled: %(cards)s.",
                    cards=", ".join(self.card_ids.mapped("display_name")),
                )
            )
            replacements = (
                self.grant_id.card_ids.filtered(lambda card: card.state == "active")
                - self.card_ids
            )
            if replacements:
                texts.append(
                    self.env._(
                        "%(card)s issued for the %(credits)s credits the credit note "
                        "leaves.",
                        card=replacements.sorted("id")[-1:].display_name,
                        credits=replacements.sorted("id")[-1:].credits,
                    )
                )
        return texts

    @api.model
    def _replace_cards(self, history, replacements):
        """The cancelled order of these grants is confirmed again and its
        cards re-issued: ``replacements`` maps each old card to its new one;
        the grants that held an old card now hold the new one too."""
        for record in history.filtered(lambda record: record.kind == "grant"):
            new_cards = [
                replacements[card].id
                for card in record.card_ids
                if card in replacements
            ]
            if new_cards:
                record.card_ids = [Command.link(card_id) for card_id in new_cards]

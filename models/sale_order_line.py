from collections import defaultdict

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, format_date, formatLang

from .protected_fields import check_protected_write

# Credit packs and cards expire this many months after purchase (doc/rules.md,
# "Lots and expiry").
PURCHASED_CREDITS_VALIDITY_MONTHS = 12


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # ------------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------------
    support_kind = fields.Selection(related="product_id.product_tmpl_id.support_kind")
    support_deployment_id = fields.Many2one(
        "support.deployment",
        string="Deployment",
        index="btree_not_null",
        check_company=True,
        copy=False,
        help="The serial number or deployment ID this support contract covers.",
    )
    support_credit_choice = fields.Selection(
        [("organization", "Organization"), ("card", "Credit Card")],
        string="Credits",
        default="organization",
        help="Link the credits to the organization of the invoice address (they can "
        "never be moved to another organization), or create a Support Credit Card "
        "that any organization can claim.",
    )
    support_carries_credits = fields.Boolean(compute="_compute_support_carries_credits")
    support_coverage_end = fields.Date(
        related="support_deployment_id.coverage_end", string="Current Expiry"
    )
    support_catch_up_terms = fields.Integer(
        string="Terms Needed",
        compute="_compute_support_terms",
        help="The least number of terms that brings the coverage past today.",
    )
    support_new_expiry = fields.Date(
        string="New Expiry",
        compute="_compute_support_terms",
        help="The deployment's coverage end once this line is confirmed.",
    )
    support_catch_up_note = fields.Char(
        string="Catch-up",
        compute="_compute_support_terms",
        help="Why the line needs more than one term: the coverage it extends has "
        "lapsed.",
    )
    support_processed = fields.Boolean(
        copy=False,
        readonly=True,
        help="Technical: the confirmation has extended the coverage and granted the "
        "credits.",
    )
    support_withdrawn = fields.Boolean(
        copy=False,
        readonly=True,
        help="Technical: the order was cancelled; the credits it granted and not yet "
        "consumed were withdrawn and its terms no longer cover. Confirming the order "
        "again restores them.",
    )
    support_grant_on_payment = fields.Boolean(
        string="Credits on Payment",
        copy=False,
        readonly=True,
        help="Technical: the line was confirmed while its company granted credits when "
        "the invoice is paid; its lots or cards are created as its invoices are paid.",
    )
    support_paid_qty = fields.Float(
        string="Paid for Credits",
        digits="Product Unit",
        copy=False,
        readonly=True,
        help="Quantity of the line whose credits its paid invoices granted, net of "
        "credit notes (lines granting credits on payment only).",
    )
    support_credits_owed = fields.Integer(
        string="Credits Owed",
        copy=False,
        readonly=True,
        help="Credits that credit notes reversed but that were already consumed (or "
        "claimed as a card): they could not be withdrawn and are owed by the customer.",
    )
    support_credit_state = fields.Selection(
        [
            ("granted", "Granted"),
            ("awaiting", "Awaiting payment"),
            ("partial", "Partly granted"),
            ("withdrawn", "Withdrawn"),
        ],
        string="Credit Status",
        compute="_compute_support_credit_state",
        store=True,
        help="Granted: the line's credits are usable. Awaiting payment: they are "
        "granted when the invoice billing the line is paid (a credit note of a paid "
        "invoice takes them back and the line awaits payment again). Partly granted: "
        "part of its quantity is paid. Withdrawn: the order was cancelled.",
    )
    support_invoice_credit_ids = fields.One2many(
        "support.invoice.credit",
        "sale_line_id",
        string="Credits by Invoice",
        readonly=True,
    )
    support_term_ids = fields.One2many(
        "support.contract.term", "sale_line_id", string="Contract Terms"
    )
    support_card_ids = fields.One2many(
        "support.credit.card", "sale_line_id", string="Credit Cards"
    )

    qty_delivered_method = fields.Selection(
        selection_add=[("support_uncovered", "Uncovered Support Time")]
    )
    support_uncovered = fields.Boolean(
        string="Uncovered Support Time",
        readonly=True,
        copy=False,
        help="This line bills support time no credits covered; its delivered "
        "quantity is the uncovered time of its timesheet lines, in hours.",
    )
    support_timesheet_ids = fields.One2many(
        "account.analytic.line",
        "support_sale_line_id",
        string="Uncovered Timesheets",
        readonly=True,
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("product_id")
    def _compute_support_carries_credits(self):
        for line in self:
            line.support_carries_credits = bool(
                line.support_kind and line.product_id.product_tmpl_id.support_credits
            )

    @api.depends(
        "support_deployment_id.coverage_end",
        "product_uom_qty",
        "product_id",
        "support_processed",
        "support_term_ids.date_end",
        "order_id.order_line.support_deployment_id",
        "order_id.order_line.product_uom_qty",
    )
    def _compute_support_terms(self):
        """The proposal of the order's planner (several lines of one deployment
        extend one after another); once confirmed, the expiry this line
        produced."""
        plans = self.order_id._support_plan()
        today = fields.Date.context_today(self)
        for line in self:
            plan = plans.get(line)
            line.support_catch_up_note = (
                self.env._(
                    "Lapsed on %(date)s: %(terms)s terms bring it past today",
                    date=format_date(self.env, plan.extends_from),
                    terms=plan.catch_up,
                )
                if plan
                and plan.extends_from
                and plan.extends_from < today
                and not line.support_processed
                else False
            )
            if line.support_processed:
                ends = line.support_term_ids.filtered(
                    lambda term: not term.cancelled
                ).mapped("date_end")
                line.support_catch_up_terms = 0
                line.support_new_expiry = max(ends) if ends else False
            elif plan:
                line.support_catch_up_terms = plan.catch_up
                line.support_new_expiry = plan.new_expiry or False
            else:
                line.support_catch_up_terms = 0
                line.support_new_expiry = False

    @api.depends(
        "product_id",
        "product_uom_qty",
        "support_processed",
        "support_withdrawn",
        "support_grant_on_payment",
        "support_paid_qty",
    )
    def _compute_support_credit_state(self):
        for line in self:
            rounding = line.product_uom_id.rounding or 0.01
            if not (line.support_processed and line.support_carries_credits):
                line.support_credit_state = False
            elif line.support_withdrawn:
                line.support_credit_state = "withdrawn"
            elif not line.support_grant_on_payment:
                line.support_credit_state = "granted"
            elif (
                float_compare(
                    line.support_paid_qty,
                    line.product_uom_qty,
                    precision_rounding=rounding,
                )
                >= 0
            ):
                line.support_credit_state = "granted"
            elif (
                float_compare(line.support_paid_qty, 0, precision_rounding=rounding) > 0
            ):
                line.support_credit_state = "partial"
            else:
                line.support_credit_state = "awaiting"

    # ------------------------------------------------------------------
    # Onchanges
    # ------------------------------------------------------------------
    @api.depends("support_uncovered")
    def _compute_qty_delivered_method(self):
        """An uncovered-time line is delivered as its timesheets' uncovered
        time, as sale_timesheet delivers a timesheet product."""
        result = super()._compute_qty_delivered_method()
        for line in self:
            if line.support_uncovered:
                line.qty_delivered_method = "support_uncovered"
        return result

    @api.depends("support_timesheet_ids.support_uncovered_minutes")
    def _compute_qty_delivered(self):
        return super()._compute_qty_delivered()

    def _prepare_qty_delivered(self):
        delivered = super()._prepare_qty_delivered()
        lines = self.filtered(
            lambda line: line.qty_delivered_method == "support_uncovered"
        )
        delivered.update(lines._support_uncovered_hours())
        return delivered

    @api.depends("support_timesheet_ids.support_uncovered_minutes")
    def _compute_product_uom_qty(self):
        """The ordered quantity of an uncovered-time line follows the hours
        delivered, so that the order (and its portal page) shows what the time
        amounts to. Only these lines depend on their timesheets: other lines
        keep Odoo's rule."""
        result = super()._compute_product_uom_qty()
        for line in self.filtered("support_uncovered"):
            line.product_uom_qty = line.qty_delivered
        return result

    @api.onchange("support_deployment_id")
    def _onchange_support_deployment_id(self):
        """Propose the catch-up quantity: enough terms to bring the coverage current."""
        for line in self:
            if (
                line.support_kind == "contract"
                and line.support_catch_up_terms > line.product_uom_qty
            ):
                line.product_uom_qty = line.support_catch_up_terms

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    # Written by the confirmation and the cancellation alone (doc/rules.md, "What
    # confirmation does").
    _SUPPORT_STATE_FIELDS = (
        "support_processed",
        "support_withdrawn",
        "support_uncovered",
        "support_grant_on_payment",
        "support_paid_qty",
        "support_credits_owed",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_protected_write(self, vals, self._SUPPORT_STATE_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, self._SUPPORT_STATE_FIELDS)
        if "support_deployment_id" in vals:
            locked = self.filtered(
                lambda line: line.support_processed
                and line.support_deployment_id.id != vals["support_deployment_id"]
            )
            if locked:
                raise UserError(
                    self.env._(
                        "The deployment of a confirmed support line can no longer "
                        "change: %(lines)s",
                        lines=", ".join(
                            locked.mapped(lambda line: line._support_line_label())
                        ),
                    )
                )
        return super().write(vals)

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    def _support_line_label(self):
        self.ensure_one()
        return self.env._(
            "%(order)s, line %(position)s (%(product)s)",
            order=self.order_id.name,
            position=self.order_id.order_line.ids.index(self.id) + 1
            if self.id in self.order_id.order_line.ids
            else "?",
            product=self.product_id.display_name,
        )

    def _support_current_end(self):
        """The date the terms of this line extend from (None: never covered).

        The deployment's coverage end; but a cancelled contract of the same
        plan that is paid again continues from its own last term, so that
        coverage stays continuous and its terms never overlap.
        """
        self.ensure_one()
        deployment = self.support_deployment_id
        plan = self.product_id.product_tmpl_id.support_plan_id
        ends = [deployment.coverage_end] + [
            contract.date_end
            for contract in deployment.contract_ids
            if contract.plan_id == plan and contract.state == "cancelled"
        ]
        ends = [end for end in ends if end]
        return max(ends) if ends else None

    def _support_terms_quantity(self):
        """The quantity of a contract line as a whole number of terms (0 if it
        is not one)."""
        self.ensure_one()
        qty = self.product_uom_qty
        return int(qty) if qty > 0 and float(qty).is_integer() else 0

    def _support_lines_to_process(self):
        return self.filtered(
            lambda line: line.support_kind
            and not line.display_type
            and not line.support_processed
        )

    def _support_check_confirmation(self):
        """Refuse confirmation for lines that break doc/rules.md, "Selling per
        deployment" and "Continuity and catch-up", naming each line."""
        errors = []
        plans = self.order_id._support_plan()
        for line in self._support_lines_to_process():
            label = line._support_line_label()
            if line.product_uom_qty <= 0:
                errors.append(
                    self.env._("%(line)s: the quantity must be positive.", line=label)
                )
                continue
            if line.support_kind != "contract":
                continue
            if not line.support_deployment_id:
                errors.append(
                    self.env._(
                        "%(line)s: choose the deployment (serial number or deployment "
                        "ID) this support contract covers.",
                        line=label,
                    )
                )
                continue
            terms = line._support_terms_quantity()
            if not terms:
                errors.append(
                    self.env._(
                        "%(line)s: the quantity is a number of terms and must be a "
                        "whole number.",
                        line=label,
                    )
                )
                continue
            plan = plans[line]
            if terms < plan.catch_up:
                errors.append(
                    self.env._(
                        "%(line)s: the coverage of %(deployment)s lapsed on %(end)s; "
                        "at least %(needed)s terms are needed to bring it past today.",
                        line=label,
                        deployment=line.support_deployment_id.display_name,
                        end=format_date(self.env, plan.extends_from),
                        needed=plan.catch_up,
                    )
                )
        if errors:
            raise UserError("\n".join(errors))

    def _support_apply_confirmation(self):
        """doc/rules.md, "What confirmation does": extend (or create) contracts
        and grant credits, once per line.

        Runs as superuser: whoever may confirm the order (a salesperson) causes
        contracts, terms, lots and cards to exist without managing them.

        When the company grants credits on payment (``support_credit_grant``),
        contracts and terms are made here all the same, but the lots and cards
        wait for the invoice (``support.invoice.credit._grant_paid``); the line
        keeps that rule (``support_grant_on_payment``) whatever the setting
        becomes later.
        """
        self.filtered("support_withdrawn")._support_reinstate()
        # Invoices paid while the order was cancelled grant once it is confirmed again.
        self.env["support.invoice.credit"]._grant_paid(
            self.filtered("support_grant_on_payment").sudo().invoice_lines
        )
        lines = self._support_lines_to_process()
        if not lines:
            return
        lines = lines.sudo()
        env = lines.env
        today = fields.Date.context_today(self)
        on_payment = lines.filtered(
            lambda line: line.support_carries_credits
            and line.company_id.support_credit_grant == "paid"
        )
        contract_lines = lines.filtered(lambda line: line.support_kind == "contract")
        contracts = env["support.contract"]._get_or_create_many(
            [
                (
                    line.support_deployment_id,
                    line.product_id.product_tmpl_id.support_plan_id,
                    line.support_deployment_id.partner_id,
                )
                for line in contract_lines
            ]
        )
        # Terms: several lines of one deployment extend one after another.
        plans = lines.order_id._support_plan()
        term_vals, term_credits = [], []
        for line, contract in zip(contract_lines, contracts, strict=False):
            template = line.product_id.product_tmpl_id
            for date_start, date_end in plans[line].periods:
                # Terms wholly in the past grant nothing.
                credits = template.support_credits if date_end > today else 0
                term_vals.append(
                    {
                        "contract_id": contract.id,
                        "date_start": date_start,
                        "date_end": date_end,
                        "sale_line_id": line.id,
                        "credits": credits,
                    }
                )
                term_credits.append((line, credits, date_end))
        cancelled = contracts.filtered(lambda contract: contract.state == "cancelled")
        if cancelled:
            # Paying a new term brings a cancelled contract back.
            cancelled.action_reactivate()
        new_terms = env["support.contract.term"].create(term_vals)

        # Credits: lots for the organization, or cards.
        lot_vals, card_vals = [], []
        card_credits = defaultdict(int)
        for term, (line, credits, date_end) in zip(
            new_terms, term_credits, strict=False
        ):
            if not credits or line in on_payment:
                continue
            if line.support_credit_choice == "card":
                card_credits[line] += credits
            else:
                lot_vals.append(line._support_lot_vals(credits, date_end, term))
        pack_expiry = today + relativedelta(months=PURCHASED_CREDITS_VALIDITY_MONTHS)
        for line in (
            lines.filtered(lambda line: line.support_kind == "credit_pack") - on_payment
        ):
            credits = (
                int(line.product_uom_qty)
                * line.product_id.product_tmpl_id.support_credits
            )
            if credits <= 0:
                continue
            if line.support_credit_choice == "card":
                card_credits[line] += credits
            else:
                lot_vals.append(line._support_lot_vals(credits, pack_expiry))
        if lot_vals:
            env["support.credit.lot"]._grant_many(lot_vals)
        for line, credits in card_credits.items():
            card_vals.append(
                {
                    "credits": credits,
                    "expiry_date": pack_expiry,
                    "buyer_partner_id": line._support_organization().id,
                    "sale_line_id": line.id,
                    "company_id": line.company_id.id,
                }
            )
        if card_vals:
            env["support.credit.card"]._issue(card_vals)
        lines.write({"support_processed": True})
        if on_payment:
            on_payment.write({"support_grant_on_payment": True})
            on_payment._support_notify_awaiting_payment()

    def _support_notify_awaiting_payment(self):
        """Tell the sales rep, on each order, that these lines' credits wait
        for the payment of their invoice."""
        for order, lines in self.grouped("order_id").items():
            described = [
                self.env._(
                    "%(line)s: %(credits)s credits",
                    line=line._support_line_label(),
                    credits=line._support_credits(),
                )
                for line in lines
            ]
            order.message_post(
                body=Markup("<br/>").join(
                    [
                        self.env._(
                            "Support credits are granted when the invoice is paid "
                            "(company setting): they are not usable yet."
                        ),
                        *described,
                    ]
                )
            )

    def _support_withdraw(self):
        """The order of these lines is cancelled: withdraw the credits their
        confirmation granted and that are not consumed yet (an adjustment on each
        lot, with its reason), and end the coverage of the terms they paid.
        Cards are cancelled by the order (unclaimed ones only).

        :return: ``{line: (withdrawn, consumed)}``, credits per processed line.
        """
        lines = self.filtered(
            lambda line: line.support_processed and not line.support_withdrawn
        ).sudo()
        if not lines:
            return {}
        env = lines.env
        lots = env["support.credit.lot"].search([("sale_line_id", "in", lines.ids)])
        withdrawn = defaultdict(int)
        for lot in lots:
            for move in lot._withdraw(
                lot.partner_id._support_env()._(
                    "Order %(order)s cancelled", order=lot.sale_line_id.order_id.name
                ),
                sale_line_id=lot.sale_line_id.id,
                origin=lot.sale_line_id.order_id.name,
            ):
                withdrawn[lot.sale_line_id] -= move.quantity
        consumed = dict(
            env["support.credit.move"]._read_group(
                [
                    ("lot_id", "in", lots.ids),
                    ("move_type", "in", ["consume", "refund"]),
                ],
                ["lot_id"],
                ["quantity:sum"],
            )
        )
        used = defaultdict(int)
        for lot, quantity in consumed.items():
            used[lot.sale_line_id] -= quantity
        lines.support_term_ids.write({"cancelled": True})
        lines.write({"support_withdrawn": True})
        return {line: (withdrawn[line], used[line]) for line in lines}

    def _support_reinstate(self):
        """The cancelled order of these lines is confirmed again: give back what
        the cancellation withdrew (to lots not expired since), restore the terms,
        and issue new cards for the cards the cancellation cancelled. Nothing is
        granted twice.

        Each re-issued card is recorded on the card it replaces
        (``replaced_by_id``): an order cancelled and confirmed again several
        times replaces only the cards its last cancellation cancelled, never
        one an earlier confirmation already replaced."""
        lines = self.filtered("support_withdrawn").sudo()
        if not lines:
            return
        env = lines.env
        Move = env["support.credit.move"]
        withdrawals = Move._read_group(
            [
                ("sale_line_id", "in", lines.ids),
                ("move_type", "=", "adjust"),
                ("lot_id.sale_line_id", "in", lines.ids),
            ],
            ["lot_id"],
            ["quantity:sum"],
        )
        today = fields.Date.context_today(self)
        for lot, quantity in withdrawals:
            if quantity < 0 and lot.expiry_date >= today:
                lot._adjust(
                    -quantity,
                    lot.partner_id._support_env()._(
                        "Order %(order)s confirmed again",
                        order=lot.sale_line_id.order_id.name,
                    ),
                    sale_line_id=lot.sale_line_id.id,
                    origin=lot.sale_line_id.order_id.name,
                )
        lines.support_term_ids.write({"cancelled": False})
        # cards a credit note cancelled stay cancelled: they were not paid for
        Credit = env["support.invoice.credit"]
        history = Credit.search([("sale_line_id", "in", lines.ids)])
        refunded_cards = history.filtered(
            lambda record: record.kind == "withdraw"
        ).card_ids
        old_cards = lines.support_card_ids.filtered(
            lambda card: card.state == "cancelled"
            and not card.replaced_by_id
            and card.expiry_date >= today
            and card not in refunded_cards
        )
        if old_cards:
            new_cards = env["support.credit.card"]._issue(
                [
                    {
                        "credits": card.credits,
                        "expiry_date": card.expiry_date,
                        "buyer_partner_id": card.buyer_partner_id.id,
                        "sale_line_id": card.sale_line_id.id,
                        "company_id": card.company_id.id,
                    }
                    for card in old_cards
                ]
            )
            for old_card, new_card in zip(old_cards, new_cards, strict=False):
                old_card.replaced_by_id = new_card
            # a card granted on payment is replaced in its grant, so that a
            # credit note finds the card that now carries the credits
            Credit._replace_cards(
                history, dict(zip(old_cards, new_cards, strict=False))
            )
        lines.write({"support_withdrawn": False})

    def _support_summary(self):
        """What a support line covers, in the customer's words, for the order's
        portal page and PDF: the deployment, the period, the credits and where
        they go; for uncovered time, the hours delivered."""
        self.ensure_one()
        line = self.sudo()
        texts = []
        if line.support_uncovered:
            texts.append(
                self.env._(
                    "Support time no credits covered: %(hours)s hours delivered",
                    hours=formatLang(self.env, line.qty_delivered, digits=2),
                )
            )
            return texts
        if not line.support_kind:
            return texts
        if line.support_deployment_id:
            texts.append(
                self.env._(
                    "Deployment: %(deployment)s",
                    deployment=line.support_deployment_id.name,
                )
            )
        start, end = line._support_period()
        if start and end:
            texts.append(
                self.env._(
                    "Period: %(start)s to %(end)s",
                    start=format_date(self.env, start),
                    end=format_date(self.env, end),
                )
            )
        credits = line._support_credits()
        if credits:
            choice = dict(
                line._fields["support_credit_choice"]._description_selection(self.env)
            ).get(line.support_credit_choice, "")
            texts.append(
                self.env._(
                    "Credits: %(credits)s (%(choice)s)", credits=credits, choice=choice
                )
            )
            if line.support_credit_state in ("awaiting", "partial"):
                texts.append(self.env._("Credits are granted when the invoice is paid"))
        return texts

    def _support_period(self):
        """``(start, end)`` of the coverage this line buys: its terms once
        confirmed, else the proposal."""
        self.ensure_one()
        terms = self.support_term_ids.filtered(lambda term: not term.cancelled)
        if terms:
            return min(terms.mapped("date_start")), max(terms.mapped("date_end"))
        plan = self.order_id._support_plan().get(self)
        if not plan or not plan.periods:
            return None, None
        return plan.periods[0][0], plan.new_expiry

    def _support_credits(self):
        """Credits this line grants (granted, once confirmed)."""
        self.ensure_one()
        template = self.product_id.product_tmpl_id
        if self.support_processed:
            terms = self.support_term_ids.filtered(lambda term: not term.cancelled)
            if self.support_kind == "contract":
                return sum(terms.mapped("credits"))
        if self.support_kind == "contract":
            return template.support_credits * self._support_terms_quantity()
        if self.support_kind == "credit_pack":
            return int(self.product_uom_qty) * template.support_credits
        return 0

    def _support_organization(self):
        """The organization credits go to: that of the order's invoice address."""
        self.ensure_one()
        return self.order_id.partner_invoice_id.commercial_partner_id

    def _support_lot_vals(self, credits, expiry_date, term=None):
        self.ensure_one()
        organization = self._support_organization()
        vals = {
            "partner_id": organization.id,
            "quantity": credits,
            "expiry_date": expiry_date,
            "reason": organization._support_env()._(
                "Sold on %(order)s", order=self.order_id.name
            ),
            "sale_line_id": self.id,
            "company_id": self.company_id.id,
        }
        if term:
            vals["contract_term_id"] = term.id
        return vals

    def _support_uncovered_hours(self):
        """``{line: hours}``: the uncovered minutes of these lines' timesheets,
        in hours (one grouped query). Odoo's ``accrual_entry_date`` context
        counts only the timesheets up to that date."""
        if not self:
            return {}
        domain = [("support_sale_line_id", "in", self._origin.ids)]
        accrual_date = self.env.context.get("accrual_entry_date")
        if accrual_date:
            domain.append(("date", "<=", accrual_date))
        minutes = dict(
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                domain, ["support_sale_line_id"], ["support_uncovered_minutes:sum"]
            )
        )
        return {line: minutes.get(line._origin, 0) / 60.0 for line in self}

# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain
from odoo.tools import SQL, format_date

from ..lib import terms as term_math

_logger = logging.getLogger(__name__)

RENEWAL_STATES = [
    ("due", "Due"),
    ("quoted", "Quoted"),
    ("confirmed", "Confirmed"),
    ("invoiced", "Invoiced"),
    ("paid", "Paid"),
    ("declined", "Declined"),
    ("lapsed", "Lapsed"),
]
# States in which the renewal still waits for the customer.
OPEN_STATES = ("due", "quoted")
RENEWED_STATES = ("confirmed", "invoiced", "paid")


class SupportContractRenewal(models.Model):
    """The offer of a contract's next term (doc/rules.md, "Renewals"): one per contract
    and term, created by the daily renewal job a few days before expiry, with
    the sale order that renews it.

    The state follows the order and its invoices: due (no order yet), quoted,
    confirmed, invoiced, paid; declined when auto-renewal was turned off;
    lapsed when the expiry passed without a confirmation.
    """

    _name = "support.contract.renewal"
    _description = "Support Contract Renewal"
    _inherit = ["mail.thread"]
    _order = "date_start desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["contract_id", "deployment_id", "order_id"]

    contract_id = fields.Many2one(
        "support.contract",
        string="Contract",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    deployment_id = fields.Many2one(
        related="contract_id.deployment_id", store=True, index=True
    )
    partner_id = fields.Many2one(
        related="contract_id.partner_id", string="Customer", store=True, index=True
    )
    plan_id = fields.Many2one(related="contract_id.plan_id", store=True)
    company_id = fields.Many2one(
        related="contract_id.company_id", store=True, index=True, precompute=True
    )
    renewal_mode = fields.Selection(
        [("automatic", "Automatic"), ("quotation", "Quotation")],
        string="Mode",
        required=True,
        readonly=True,
        default="quotation",
        help="Copied from the contract when the renewal was created.",
    )
    date_start = fields.Date(
        string="Renews From",
        required=True,
        readonly=True,
        help="The day after the current expiry.",
    )
    date_end = fields.Date(string="Renews Until", required=True, readonly=True)
    date_expiry = fields.Date(
        string="Expiry",
        compute="_compute_date_expiry",
        store=True,
        help="The contract's expiry that this renewal extends (the renewal day in "
        "automatic mode).",
    )
    order_id = fields.Many2one(
        "sale.order",
        string="Renewal Order",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
    )
    invoice_ids = fields.Many2many(
        "account.move", string="Invoices", compute="_compute_invoice_ids"
    )
    state = fields.Selection(
        RENEWAL_STATES,
        string="Status",
        compute="_compute_state",
        store=True,
        index=True,
        tracking=True,
    )
    declined = fields.Boolean(readonly=True, copy=False)
    lapsed = fields.Boolean(readonly=True, copy=False)
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_amount",
        store=True,
    )
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        help="Total of the renewal order (today's price from the customer's "
        "pricelist).",
    )
    previous_amount = fields.Monetary(
        string="Previous Term Amount",
        readonly=True,
        help="What the last paid term cost: a price change shows here.",
    )
    price_changed = fields.Boolean(compute="_compute_price_changed")
    reason_id = fields.Many2one(
        "support.renewal.reason", string="Decline Reason", readonly=True
    )
    reason = fields.Char(readonly=True, help="Why auto-renewal was turned off.")
    error = fields.Text(
        readonly=True,
        copy=False,
        help="Why the renewal order could not be created or sent.",
    )
    reminder_date = fields.Date(string="Last Reminder", readonly=True, copy=False)
    renewal_rate = fields.Float(
        string="Renewal Rate (%)",
        compute="_compute_reporting",
        store=True,
        aggregator="avg",
        help="100 for a renewal the customer confirmed, 0 otherwise: its average is "
        "the renewal rate.",
    )
    lost_amount = fields.Monetary(
        string="Amount Lost",
        compute="_compute_reporting",
        store=True,
        help="The amount of a declined or lapsed renewal.",
    )

    _unique_term = models.UniqueIndex(
        "(contract_id, date_start)",
        "A contract has one renewal per term.",
    )
    _dates = models.Constraint(
        "CHECK(date_end >= date_start)", "A renewal cannot end before it starts."
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("contract_id.name", "date_start", "date_end")
    @api.depends_context("lang")
    def _compute_display_name(self):
        for renewal in self:
            renewal.display_name = self.env._(
                "%(contract)s: %(start)s to %(end)s",
                contract=renewal.contract_id.name or "",
                start=format_date(self.env, renewal.date_start),
                end=format_date(self.env, renewal.date_end),
            )

    def _portal_summary(self):
        """The renewal as the portal's overview lists it."""
        self.ensure_one()
        return self.env._(
            "%(deployment)s: renews on %(date)s",
            deployment=self.deployment_id.name,
            date=format_date(self.env, self.date_expiry),
        )

    @api.depends("date_start")
    def _compute_date_expiry(self):
        for renewal in self:
            renewal.date_expiry = renewal.date_start and renewal.date_start - timedelta(
                days=1
            )

    def _invoices(self):
        """The posted customer invoices of the renewal order that still count
        (a fully reversed invoice does not)."""
        self.ensure_one()
        return self.order_id.order_line.invoice_lines.move_id.filtered(
            lambda move: move.move_type == "out_invoice"
            and move.state == "posted"
            and move.payment_state != "reversed"
        )

    @api.depends("order_id.order_line.invoice_lines.move_id")
    def _compute_invoice_ids(self):
        for renewal in self:
            renewal.invoice_ids = (
                renewal.order_id.order_line.invoice_lines.move_id.filtered(
                    lambda move: move.move_type in ("out_invoice", "out_refund")
                )
            )

    @api.depends(
        "declined",
        "lapsed",
        "order_id.state",
        "order_id.order_line.invoice_lines.move_id.state",
        "order_id.order_line.invoice_lines.move_id.payment_state",
    )
    def _compute_state(self):
        for renewal in self:
            order = renewal.order_id
            if renewal.declined:
                renewal.state = "declined"
            elif order.state == "sale":
                invoices = renewal._invoices()
                if invoices and all(
                    move.payment_state in ("paid", "in_payment") for move in invoices
                ):
                    renewal.state = "paid"
                elif invoices:
                    renewal.state = "invoiced"
                else:
                    renewal.state = "confirmed"
            elif renewal.lapsed:
                renewal.state = "lapsed"
            elif order.state in ("draft", "sent"):
                renewal.state = "quoted"
            else:
                renewal.state = "due"

    @api.depends("order_id.amount_total", "order_id.currency_id", "company_id")
    def _compute_amount(self):
        for renewal in self:
            renewal.currency_id = (
                renewal.order_id.currency_id or renewal.company_id.currency_id
            )
            renewal.amount = renewal.order_id.amount_total

    @api.depends("amount", "previous_amount")
    def _compute_price_changed(self):
        for renewal in self:
            renewal.price_changed = bool(
                renewal.order_id
                and renewal.previous_amount
                and renewal.currency_id.compare_amounts(
                    renewal.amount, renewal.previous_amount
                )
            )

    @api.depends("state", "amount")
    def _compute_reporting(self):
        for renewal in self:
            renewal.renewal_rate = 100.0 if renewal.state in RENEWED_STATES else 0.0
            renewal.lost_amount = (
                renewal.amount if renewal.state in ("declined", "lapsed") else 0.0
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "res_id": self.order_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_view_invoices(self):
        self.ensure_one()
        return self.order_id.action_view_invoice(self.invoice_ids)

    def action_send(self):
        """Create (when missing) and send the renewal order now: managers, from
        the contract or the renewal desk."""
        self._check_manager()
        for renewal in self:
            if renewal.state not in OPEN_STATES:
                raise UserError(
                    self.env._(
                        "Renewal %(renewal)s is %(state)s: only a due or quoted "
                        "renewal can be sent.",
                        renewal=renewal.display_name,
                        state=dict(
                            self._fields["state"]._description_selection(self.env)
                        )[renewal.state],
                    )
                )
        to_quote = self.filtered(lambda r: not r.order_id)
        to_quote.sudo()._quote()
        failed = self.filtered("error")
        if failed:
            raise UserError(failed[0].error)
        (self - to_quote).sudo()._send_notice()
        return True

    def _check_manager(self):
        if not self.env.user.has_group("support_contract.group_support_manager"):
            raise UserError(
                self.env._("Only Support Managers can create or send renewals by hand.")
            )

    # ------------------------------------------------------------------
    # Business methods: the renewal order
    # ------------------------------------------------------------------
    def _last_paid_line(self):
        """The order line that paid the contract's current term (None for a
        contract imported with its dates)."""
        self.ensure_one()
        terms = self.contract_id.term_ids.filtered(
            lambda term: not term.cancelled and term.sale_line_id
        )
        return terms.sorted(lambda term: (term.date_end, term.id))[-1:].sale_line_id

    def _renewal_product(self, last_line):
        self.ensure_one()
        if last_line:
            return last_line.product_id
        return self.env["product.product"].search(
            Domain("support_kind", "=", "contract")
            & Domain("support_plan_id", "=", self.contract_id.plan_id.id)
            & Domain("company_id", "in", [False, self.company_id.id]),
            limit=1,
        )

    def _order_values(self):
        """The values of the renewal quotation: the last order's customer,
        invoice address, salesperson and payment terms, the product of the
        last paid term for one term of the deployment, with the same credits
        choice; the price comes from the customer's pricelist today."""
        self.ensure_one()
        contract = self.contract_id
        last_line = self._last_paid_line()
        last_order = last_line.order_id
        product = self._renewal_product(last_line)
        if not product:
            raise UserError(
                self.env._(
                    "No support product sells plan %(plan)s: create one (Sales > "
                    "Products, support kind Contract) to renew %(contract)s.",
                    plan=contract.plan_id.name,
                    contract=contract.name,
                )
            )
        if not product.active or not product.sale_ok:
            raise UserError(
                self.env._(
                    "The product %(product)s of the last term of %(contract)s is "
                    "archived or no longer sold.",
                    product=product.display_name,
                    contract=contract.name,
                )
            )
        partner = last_order.partner_id or contract.partner_id
        if not (last_order.partner_invoice_id or partner).email and not partner.email:
            raise UserError(
                self.env._(
                    "%(customer)s has no email address: the renewal of %(contract)s "
                    "cannot be sent.",
                    customer=partner.display_name,
                    contract=contract.name,
                )
            )
        # the line's description is the customer's to read: in their language
        customer_env = self.with_context(lang=partner.lang or self.env.lang).env
        description = customer_env._(
            "%(product)s\nRenewal of %(contract)s for %(deployment)s, from %(start)s "
            "to %(end)s",
            product=product.with_env(customer_env).display_name,
            contract=contract.name,
            deployment=contract.deployment_id.name,
            start=format_date(customer_env, self.date_start),
            end=format_date(customer_env, self.date_end),
        )
        vals = {
            "partner_id": partner.id,
            "company_id": self.company_id.id,
            "origin": contract.name,
            "support_renewal_id": self.id,
            "order_line": [
                Command.create(
                    {
                        "product_id": product.id,
                        "product_uom_qty": 1,
                        "name": description,
                        "support_deployment_id": contract.deployment_id.id,
                        "support_credit_choice": last_line.support_credit_choice
                        or "organization",
                    }
                )
            ],
        }
        if last_order:
            vals.update(
                {
                    "partner_invoice_id": last_order.partner_invoice_id.id,
                    "partner_shipping_id": last_order.partner_shipping_id.id,
                    "user_id": last_order.user_id.id,
                    "team_id": last_order.team_id.id,
                    "payment_term_id": last_order.payment_term_id.id,
                }
            )
        return vals

    def _quote(self):
        """Create and send the renewal order of each of these renewals, each in
        a savepoint: a renewal that fails keeps its error (and a note on the
        contract's chatter) and never stops the others."""
        Order = self.env["sale.order"]
        for renewal in self:
            try:
                with self.env.cr.savepoint():
                    order = Order.with_company(renewal.company_id).create(
                        renewal._order_values()
                    )
                    renewal.write(
                        {
                            "order_id": order.id,
                            "error": False,
                            "previous_amount": renewal._last_paid_line().price_total,
                        }
                    )
                    renewal._send_notice()
            except Exception as exc:  # noqa: BLE001 - isolated in a savepoint, recorded on the renewal
                self.env.invalidate_all()
                renewal._record_error(exc)

    def _record_error(self, exc):
        message = (
            str(exc.args[0]) if isinstance(exc, UserError) and exc.args else str(exc)
        )
        if message == self.error:
            return  # noted already: one note per distinct failure, not one a day
        _logger.info("Renewal %s could not be created or sent: %s", self.id, message)
        self.error = message
        self.contract_id.message_post(
            body=Markup("%s<br/>%s")
            % (
                self.env._(
                    "The renewal from %(date)s could not be created or sent:",
                    date=format_date(self.env, self.date_start),
                ),
                message,
            ),
        )

    def _notice_template(self, reminder=False):
        if self.renewal_mode == "automatic":
            return self.env.ref(
                "support_contract.mail_template_support_renewal_automatic"
            )
        if reminder:
            return self.env.ref(
                "support_contract.mail_template_support_renewal_reminder"
            )
        return self.env.ref("sale.email_template_edi_sale")

    def _send_notice(self, reminder=False):
        """Send the renewal order to the customer: Odoo's quotation email (with
        its portal link to sign and pay) in quotation mode; in automatic mode,
        a notice that it renews on the expiry day unless turned off before."""
        for renewal in self:
            order = renewal.order_id
            order._portal_ensure_token()
            order.message_post_with_source(
                renewal._notice_template(reminder=reminder),
                email_layout_xmlid="mail.mail_notification_layout_with_responsible_signature",
                subtype_xmlid="mail.mt_comment",
            )
            if order.state == "draft":
                order.action_quotation_sent()
            if reminder:
                renewal.reminder_date = fields.Date.context_today(renewal)

    def _confirm_automatic(self):
        """Automatic mode, on the expiry day: confirm the order (coverage goes
        on without a gap), create its invoice, post it and send it."""
        for renewal in self:
            try:
                with self.env.cr.savepoint():
                    order = renewal.order_id
                    order.action_confirm()
                    invoices = order._create_invoices()
                    invoices.action_post()
                    invoices._generate_and_send(allow_fallback_pdf=True)
            except Exception as exc:  # noqa: BLE001 - isolated in a savepoint, recorded on the renewal
                self.env.invalidate_all()
                renewal._record_error(exc)

    def _decline(self, reason_record=None, reason_text=None):
        """Auto-renewal turned off: cancel the open renewal order and mark the
        renewal declined with its reason. Refunds nothing."""
        open_renewals = self.filtered(lambda r: r.state in OPEN_STATES)
        orders = open_renewals.order_id.filtered(lambda o: o.state in ("draft", "sent"))
        if orders:
            orders._action_cancel()
        open_renewals.write(
            {
                "declined": True,
                "reason_id": reason_record.id if reason_record else False,
                "reason": reason_text
                or (reason_record.name if reason_record else False),
            }
        )
        return open_renewals

    def _reopen(self):
        """Auto-renewal turned on again before expiry: the declined renewal is
        due again, and the next run creates a new order for it."""
        self.filtered("declined").write(
            {
                "declined": False,
                "order_id": False,
                "reason_id": False,
                "reason": False,
                "error": False,
            }
        )

    # ------------------------------------------------------------------
    # The daily job
    # ------------------------------------------------------------------
    @api.model
    def _cron_process(self, batch_size=200):
        """The renewal job: create the renewals that are due, quote and send
        them, send reminders, confirm automatic renewals on the expiry day,
        and mark unconfirmed quotation renewals lapsed after it. Each step
        works in batches and commits its progress, so that a killed run
        resumes where it stopped and nothing is done twice."""
        # What is left tells the scheduler to run the job again soon when a
        # run stops on its time limit (each committed batch counts down).
        today = fields.Date.context_today(self)
        self.env["ir.cron"]._commit_progress(
            remaining=len(self._due_contract_ids(None))
            + self.search_count(
                Domain("state", "in", OPEN_STATES)
                & (Domain("order_id", "=", False) | Domain("date_expiry", "<=", today))
            )
        )
        for step in (
            self._cron_create_due,
            self._cron_quote,
            self._cron_remind,
            self._cron_confirm_automatic,
            self._cron_lapse,
        ):
            if not step(batch_size):
                return  # out of time: the job is called again

    def _commit(self, processed, remaining_domain=None):
        remaining = (
            self.search_count(remaining_domain)
            if remaining_domain is not None
            else None
        )
        return self.env["ir.cron"]._commit_progress(processed, remaining=remaining)

    @api.model
    def _due_contract_ids(self, limit):
        """Contracts with auto-renewal on, expiring within their company's
        notice days, that have no renewal for their next term yet."""
        today = fields.Date.context_today(self)
        self.env["support.contract"].flush_model(
            ["auto_renew", "state", "date_end", "company_id"]
        )
        self.flush_model(["contract_id", "date_start"])
        self.env["res.company"].flush_model(["support_renewal_notice_days"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT contract.id
              FROM support_contract contract
              JOIN res_company company ON company.id = contract.company_id
             WHERE contract.auto_renew
               AND contract.state = 'active'
               AND contract.date_end >= %(today)s
               AND contract.date_end <= %(today)s
                   + COALESCE(company.support_renewal_notice_days, 30)
               AND NOT EXISTS (
                    SELECT 1 FROM support_contract_renewal renewal
                     WHERE renewal.contract_id = contract.id
                       AND renewal.date_start = contract.date_end + 1)
          ORDER BY contract.date_end, contract.id
             LIMIT %(limit)s
            """,
                today=today,
                limit=limit,
            )
        )
        return [row[0] for row in rows]

    @api.model
    def _cron_create_due(self, batch_size):
        Contract = self.env["support.contract"]
        while ids := self._due_contract_ids(batch_size):
            # SKIP LOCKED: a contract another worker holds is its job.
            contracts = Contract.browse(ids).try_lock_for_update()
            if not contracts:
                return True
            contracts._create_renewals()
            if not self.env["ir.cron"]._commit_progress(len(contracts)):
                return False  # out of time: the next run goes on
            if len(contracts) < len(ids):
                return True  # the rest is another worker's
        return True

    def _open_domain(self, state):
        return Domain("state", "=", state) & Domain("contract_id.auto_renew", "=", True)

    @api.model
    def _cron_quote(self, batch_size):
        domain = self._open_domain("due") & Domain("order_id", "=", False)
        done = self.browse()
        while renewals := self.search(
            domain & Domain("id", "not in", done.ids),
            order="date_start, id",
            limit=batch_size,
        ):
            locked = renewals.try_lock_for_update()
            locked.invalidate_recordset(["order_id"])
            locked.filtered(lambda r: not r.order_id)._quote()
            done |= renewals
            if not self._commit(len(locked)):
                return False
        return True

    @api.model
    def _cron_remind(self, batch_size):
        """Reminders on the company's reminder days before expiry, while the
        renewal is not confirmed (one per day at most)."""
        today = fields.Date.context_today(self)
        done = self.browse()
        # a company without reminder days sends none
        companies = self.env["res.company"].search(
            Domain("support_renewal_reminder_days", "!=", False)
        )
        for company in companies:
            days = company._support_renewal_reminder_days()
            if not days:
                continue
            domain = (
                self._open_domain("quoted")
                & Domain("company_id", "=", company.id)
                & Domain(
                    "date_expiry", "in", [today + timedelta(days=day) for day in days]
                )
                & (
                    Domain("reminder_date", "=", False)
                    | Domain("reminder_date", "<", today)
                )
            )
            while renewals := self.search(
                domain & Domain("id", "not in", done.ids), limit=batch_size
            ):
                renewals.try_lock_for_update()._send_notice(reminder=True)
                done |= renewals
                if not self._commit(len(renewals)):
                    return False
        return True

    @api.model
    def _cron_confirm_automatic(self, batch_size):
        today = fields.Date.context_today(self)
        domain = (
            self._open_domain("quoted")
            & Domain("renewal_mode", "=", "automatic")
            & Domain("date_expiry", "<=", today)
            & Domain("date_start", ">", today - timedelta(days=30))
        )
        done = self.browse()
        while renewals := self.search(
            domain & Domain("id", "not in", done.ids),
            order="date_start, id",
            limit=batch_size,
        ):
            renewals.try_lock_for_update()._confirm_automatic()
            done |= renewals
            if not self._commit(len(renewals)):
                return False
        return True

    @api.model
    def _cron_lapse(self, batch_size):
        """The expiry passed without a confirmation: the renewal lapsed (its
        quotation stays open: a late confirmation needs the catch-up terms)."""
        today = fields.Date.context_today(self)
        domain = Domain("state", "in", OPEN_STATES) & Domain("date_start", "<=", today)
        while renewals := self.search(domain, limit=batch_size):
            renewals.write({"lapsed": True})
            if not self._commit(len(renewals)):
                return False
        return True


def renewal_period(expiry, term_months):
    """The ``(date_start, date_end)`` of the term that follows ``expiry``."""
    return term_math.term_periods(expiry, expiry, 1, term_months)[0]

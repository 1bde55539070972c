from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command, Domain
from odoo.tools import format_amount, format_date

from .support_contract_renewal import OPEN_STATES, renewal_period

CONTRACT_STATES = [
    ("active", "Active"),
    ("lapsed", "Lapsed"),
    ("cancelled", "Cancelled"),
]


class SupportContract(models.Model):
    _name = "support.contract"
    _description = "Support Contract"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_end desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Number",
        required=True,
        copy=False,
        readonly=True,
        index="trigram",
        default=lambda self: self.env._("New"),
    )
    deployment_id = fields.Many2one(
        "support.deployment",
        string="Deployment",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    plan_id = fields.Many2one(
        "support.plan",
        string="Plan",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        index=True,
        check_company=True,
        help="The organization that holds the contract (a contact is replaced by "
        "its organization).",
    )
    company_id = fields.Many2one(
        related="deployment_id.company_id",
        store=True,
        precompute=True,
        index=True,
    )
    term_ids = fields.One2many("support.contract.term", "contract_id", string="Terms")
    date_start = fields.Date(
        string="Start Date",
        compute="_compute_dates",
        store=True,
        help="Start of the first term: the original start of the coverage.",
    )
    date_end = fields.Date(
        string="Expiry",
        compute="_compute_dates",
        store=True,
        index=True,
        tracking=True,
        help="End of the last term.",
    )
    auto_renew = fields.Boolean(
        string="Auto-renewal",
        default=True,
        tracking=True,
        help="Before expiry a renewal quotation is created and sent for the next term.",
    )
    renewal_mode = fields.Selection(
        [("automatic", "Automatic"), ("quotation", "Quotation")],
        compute="_compute_renewal_mode",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        help="Quotation: coverage extends when the customer or a salesperson confirms "
        "the renewal order. Automatic: the order is confirmed and invoiced on the "
        "expiry day unless auto-renewal is turned off before.",
    )
    max_support_hours = fields.Float(
        related="plan_id.max_support_hours",
        string="Maximum Support Hours per Term",
    )
    support_hours_used = fields.Float(
        string="Support Hours Used This Term",
        compute="_compute_support_hours",
        digits=(16, 2),
        help="Covered support time of the current term, over all the deployment's "
        "tickets.",
    )
    support_hours_left = fields.Float(
        string="Support Hours Left This Term",
        compute="_compute_support_hours",
        digits=(16, 2),
    )
    renewal_ids = fields.One2many(
        "support.contract.renewal", "contract_id", string="Renewals"
    )
    renewal_count = fields.Integer(compute="_compute_renewal_count")
    next_renewal_date = fields.Date(
        compute="_compute_next_renewal_date",
        store=True,
        index="btree_not_null",
        help="The day the current expiry ends coverage (when auto-renewal is on): the "
        "renewal day in automatic mode.",
    )
    state = fields.Selection(
        CONTRACT_STATES,
        string="Status",
        compute="_compute_state",
        store=True,
        readonly=False,
        index=True,
        copy=False,
        tracking=True,
        help="Active until its expiry, lapsed afterwards; cancelled when cancelled "
        "(a cancelled contract no longer covers its deployment).",
    )
    credits_total = fields.Integer(
        string="Credits Granted",
        compute="_compute_credits_total",
        help="Credits of all its terms.",
    )

    _unique_deployment_plan = models.Constraint(
        "UNIQUE(deployment_id, plan_id)",
        "A deployment has one contract per support plan: extend the existing one.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("plan_id")
    def _compute_renewal_mode(self):
        for contract in self:
            if not contract.renewal_mode:
                contract.renewal_mode = contract.plan_id.renewal_mode or "quotation"

    def _compute_renewal_count(self):
        counts = dict(
            self.env["support.contract.renewal"]._read_group(
                [("contract_id", "in", self.ids)], ["contract_id"], ["__count"]
            )
        )
        for contract in self:
            contract.renewal_count = counts.get(contract._origin, 0)

    @api.depends("auto_renew", "date_end", "state")
    def _compute_next_renewal_date(self):
        for contract in self:
            renews = contract.auto_renew and contract.state != "cancelled"
            contract.next_renewal_date = contract.date_end if renews else False

    @api.depends("deployment_id")
    def _compute_partner_id(self):
        for contract in self:
            contract.partner_id = contract.deployment_id.partner_id

    @api.depends("term_ids.date_start", "term_ids.date_end", "term_ids.cancelled")
    def _compute_dates(self):
        """Coverage runs over the terms still paid (not those of a cancelled order)."""
        for contract in self:
            terms = contract.term_ids.filtered(lambda term: not term.cancelled)
            starts = [d for d in terms.mapped("date_start") if d]
            ends = [d for d in terms.mapped("date_end") if d]
            contract.date_start = min(starts) if starts else False
            contract.date_end = max(ends) if ends else False

    @api.depends("date_end")
    def _compute_state(self):
        """Active until the expiry, lapsed afterwards; cancelled stays cancelled.
        Time passes without any write: ``_cron_update_state`` recomputes it daily."""
        today = fields.Date.context_today(self)
        for contract in self:
            if contract.state == "cancelled":
                continue
            contract.state = (
                "active"
                if contract.date_end and contract.date_end >= today
                else "lapsed"
            )

    @api.depends(
        "term_ids.date_start",
        "term_ids.date_end",
        "term_ids.cancelled",
        "plan_id.max_support_hours",
    )
    def _compute_support_hours(self):
        usage = self._support_current_usage()
        for contract in self:
            term, minutes = usage.get(contract.id, (None, 0))
            contract.support_hours_used = minutes / 60
            contract.support_hours_left = (
                max(contract.max_support_hours - minutes / 60, 0)
                if contract.max_support_hours and term
                else 0
            )

    def _support_current_usage(self):
        """``{contract id: (current term, covered minutes in it)}`` for these
        contracts, in two queries; a contract without a current term is
        absent."""
        terms = self._support_current_terms()
        used = terms._support_used_minutes()
        usage = {}
        for term in terms:
            usage.setdefault(term.contract_id.id, (term, used.get(term.id, 0)))
        return usage

    def _support_current_terms(self, day=None):
        """The terms of these contracts that cover ``day`` (default: today),
        those of a cancelled order aside: at most one per contract."""
        day = day or fields.Date.context_today(self)
        return (
            self.env["support.contract.term"]
            .sudo()
            .search(
                Domain("contract_id", "in", self.ids)
                & Domain("cancelled", "=", False)
                & Domain("date_start", "<=", day)
                & Domain("date_end", ">=", day),
                order="contract_id, date_start desc, id desc",
            )
        )

    @api.depends("term_ids.credits", "term_ids.cancelled")
    def _compute_credits_total(self):
        for contract in self:
            contract.credits_total = sum(
                contract.term_ids.filtered(lambda term: not term.cancelled).mapped(
                    "credits"
                )
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        partners = self.env["res.partner"]
        deployments = self.env["support.deployment"]
        new_name = self.env._("New")
        for vals in vals_list:
            self._dates_to_first_term(vals)
            if vals.get("partner_id"):
                vals["partner_id"] = partners.browse(
                    vals["partner_id"]
                ).commercial_partner_id.id
            if not vals.get("name") or vals["name"] == new_name:
                company = (
                    deployments.browse(vals.get("deployment_id")).company_id
                    or self.env.company
                )
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code("support.contract")
                    or new_name
                )
        return super().create(vals_list)

    @api.model
    def _dates_to_first_term(self, vals):
        """Existing coverage, imported with the contract's dates: the dates
        become the contract's first term (no credits, no order). The dates of
        a contract always come from its terms."""
        start, end = vals.pop("date_start", None), vals.pop("date_end", None)
        if not (start or end):
            return
        if not (start and end):
            raise UserError(
                self.env._(
                    "To import an existing contract give both its Start Date and its "
                    "Expiry: they become its first term (got %(start)s to %(end)s).",
                    start=start or "?",
                    end=end or "?",
                )
            )
        if vals.get("term_ids"):
            raise UserError(
                self.env._(
                    "Give a contract either its Start Date and Expiry, or its terms, "
                    "not both."
                )
            )
        vals["term_ids"] = [Command.create({"date_start": start, "date_end": end})]

    def write(self, vals):
        if {"date_start", "date_end"} & set(vals):
            raise UserError(
                self.env._(
                    "The dates of a contract come from its terms: sell a new term, or "
                    "add one to the contract's Terms, instead of changing its Start "
                    "Date or Expiry."
                )
            )
        if vals.get("partner_id"):
            vals = dict(
                vals,
                partner_id=self.env["res.partner"]
                .browse(vals["partner_id"])
                .commercial_partner_id.id,
            )
        return super().write(vals)

    @api.depends("name", "deployment_id.name", "plan_id.name")
    @api.depends_context("lang")
    def _compute_display_name(self):
        for contract in self:
            if contract.deployment_id and contract.plan_id:
                contract.display_name = self.env._(
                    "%(number)s (%(deployment)s, %(plan)s)",
                    number=contract.name,
                    deployment=contract.deployment_id.name,
                    plan=contract.plan_id.name,
                )
            else:
                contract.display_name = contract.name

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_cancel(self):
        """Cancel: the contract no longer covers its deployment. Refunds nothing."""
        self.write({"state": "cancelled"})
        return True

    def action_reactivate(self):
        """Undo a cancellation: the state follows the expiry again."""
        cancelled = self.filtered(lambda c: c.state == "cancelled")
        if not cancelled:
            raise UserError(self.env._("Only a cancelled contract can be reactivated."))
        cancelled.state = "lapsed"
        cancelled._recompute_state()
        return True

    def action_turn_auto_renew_off(self, reason=None):
        """Stop renewing: the open renewal order is cancelled and the renewal
        declined with ``reason`` (a ``support.renewal.reason``, its id, or a
        text); the current term runs to its end and nothing is refunded. The
        chatter says who did it and why."""
        reason_record, reason_text = self._renewal_reason(reason)
        contracts = self.filtered("auto_renew")
        contracts.write({"auto_renew": False})
        # whoever may change the contract may decline its renewal: the order
        # is cancelled on their behalf
        declined = contracts.sudo().renewal_ids._decline(reason_record, reason_text)
        for contract in contracts:
            lines = [
                self.env._(
                    "Auto-renewal turned off by %(user)s. The current term runs to its "
                    "end on %(date)s; nothing is refunded.",
                    user=self.env.user.name,
                    date=format_date(self.env, contract.date_end),
                )
            ]
            if reason_text or reason_record:
                lines.append(
                    self.env._(
                        "Reason: %(reason)s", reason=reason_text or reason_record.name
                    )
                )
            cancelled = declined.filtered(
                lambda r, c=contract: r.contract_id == c
            ).order_id
            if cancelled:
                lines.append(
                    self.env._(
                        "Renewal order cancelled: %(orders)s",
                        orders=", ".join(cancelled.mapped("name")),
                    )
                )
            contract.message_post(body=Markup("<br/>").join(lines))
        return True

    def action_turn_auto_renew_on(self):
        """Renew again: before expiry, the next run of the renewal job offers
        the next term again."""
        contracts = self.filtered(lambda c: not c.auto_renew)
        contracts.write({"auto_renew": True})
        for contract in contracts:
            contract.sudo().renewal_ids.filtered(
                lambda r, c=contract: c.date_end
                and r.date_start == c.date_end + timedelta(days=1)
            )._reopen()
            contract.message_post(
                body=self.env._(
                    "Auto-renewal turned on by %(user)s.", user=self.env.user.name
                )
            )
        return True

    def action_open_auto_renew_off(self):
        """The backend's turn-off button: a dialog to choose the reason."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Turn Auto-renewal Off"),
            "res_model": "support.contract.auto.renew.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_contract_ids": self.ids},
        }

    def action_view_renewals(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_contract.support_contract_renewal_action"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"default_contract_id": self.id}
        return action

    def action_create_renewal(self):
        """A manager creates (or sends again) the renewal of the next term now,
        whatever the notice days."""
        self.env["support.contract.renewal"]._check_manager()
        renewals = self._create_renewals(force=True)
        renewals.filtered(lambda r: r.state in OPEN_STATES).action_send()
        return self.action_view_renewals() if len(self) == 1 else True

    def _check_auto_renew_rights(self):
        """Who may turn auto-renewal off or on: staff who may write the
        contract, and the users of the organization that owns the deployment
        (a co-owner sees it, but cannot change it).

        :raise AccessError: for anyone else.
        """
        user = self.env.user
        if not user.share:
            self.check_access("write")
            return
        for contract in self:
            if contract.sudo().deployment_id.partner_id != user.commercial_partner_id:
                raise AccessError(
                    self.env._(
                        "Only the organization that owns %(deployment)s can change its "
                        "auto-renewal.",
                        deployment=contract.sudo().deployment_id.name,
                    )
                )

    def _set_auto_renew(self, on, reason=None):
        """Turn auto-renewal on or off for whoever ``_check_auto_renew_rights``
        allows (portal owners included): the chatter records who did it."""
        self._check_auto_renew_rights()
        contracts = self.sudo().with_context(mail_create_nosubscribe=True)
        if on:
            return contracts.action_turn_auto_renew_on()
        return contracts.action_turn_auto_renew_off(reason=reason)

    def _portal_renewal_sentence(self, renewal, is_owner):
        """The renewal box of the portal's deployment page: one whole
        sentence per case (translators see it whole), its date and amount in
        bold, formatted in the reader's language."""
        self.ensure_one()
        env = self.env
        expiry = Markup("<strong>%s</strong>") % format_date(env, self.date_end)
        if self.auto_renew and renewal and renewal.state in OPEN_STATES and is_owner:
            return env._(
                "Renews on %(date)s for %(amount)s.",
                date=Markup("<strong>%s</strong>")
                % format_date(env, renewal.date_expiry),
                amount=Markup("<strong>%s</strong>")
                % format_amount(env, renewal.amount, renewal.currency_id),
            )
        if self.auto_renew and self.state == "active":
            return env._("Renews on %(date)s (auto-renewal on).", date=expiry)
        if self.auto_renew:
            return env._(
                "Expired on %(date)s: renewing now needs the terms that bring it past "
                "today.",
                date=expiry,
            )
        return env._("Expires on %(date)s (auto-renewal off).", date=expiry)

    def _portal_turn_off_warning(self):
        """What turning auto-renewal off means, said before the customer confirms."""
        self.ensure_one()
        return self.env._(
            "The current term runs to its end on %(date)s, and nothing is refunded. "
            "The renewal quotation, if any, is cancelled.",
            date=Markup("<strong>%s</strong>") % format_date(self.env, self.date_end),
        )

    def _open_renewal(self):
        """The renewal of the next term, if any (for display)."""
        self.ensure_one()
        if not self.date_end:
            return self.env["support.contract.renewal"]
        return self.renewal_ids.filtered(
            lambda r: r.date_start == self.date_end + timedelta(days=1)
        )[:1]

    @api.model
    def _renewal_reason(self, reason):
        if isinstance(reason, models.BaseModel):
            return reason, False
        if isinstance(reason, int) and not isinstance(reason, bool):
            return self.env["support.renewal.reason"].browse(reason).exists(), False
        if isinstance(reason, str) and reason.strip():
            return self.env["support.renewal.reason"], reason.strip()
        return self.env["support.renewal.reason"], False

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _get_or_create(self, deployment, plan, partner):
        """Return the contract of ``deployment`` under ``plan``, created (held by
        ``partner``'s organization) when there is none yet."""
        return self._get_or_create_many([(deployment, plan, partner)])

    @api.model
    def _get_or_create_many(self, requests):
        """Batch version of ``_get_or_create``: ``requests`` is a list of
        ``(deployment, plan, partner)``; one search, one create for the missing
        ones. Returns the contracts aligned with ``requests`` (same length and
        order; a contract appears once per request naming it).

        The caller is responsible for access rights (sale integration: sudo).
        """
        if not requests:
            return self.browse()
        deployments = self.env["support.deployment"].union(
            *(deployment for deployment, _plan, _partner in requests)
        )
        plans = self.env["support.plan"].union(
            *(plan for _deployment, plan, _partner in requests)
        )
        for deployment, plan, _partner in requests:
            if len(deployment) != 1 or len(plan) != 1:
                raise UserError(
                    self.env._(
                        "A support contract needs exactly one deployment and one plan."
                    )
                )
        existing = self.search(
            Domain("deployment_id", "in", deployments.ids)
            & Domain("plan_id", "in", plans.ids)
        )
        by_key = {
            (contract.deployment_id.id, contract.plan_id.id): contract
            for contract in existing
        }
        to_create = {}
        for deployment, plan, partner in requests:
            key = (deployment.id, plan.id)
            if key not in by_key and key not in to_create:
                to_create[key] = {
                    "deployment_id": deployment.id,
                    "plan_id": plan.id,
                    "partner_id": (
                        partner or deployment.partner_id
                    ).commercial_partner_id.id,
                }
        if to_create:
            created = self.create(list(to_create.values()))
            by_key.update(zip(to_create, created, strict=False))
        return self.browse(
            [
                by_key[deployment.id, plan.id].id
                for deployment, plan, _partner in requests
            ]
        )

    def _create_renewals(self, force=False):
        """The renewal of each contract's next term (the day after its expiry),
        created if missing: at most one per contract and term, enforced by a
        unique index. ``force``: also a contract whose auto-renewal is off.

        :return: the renewals of the next term (existing or new).
        """
        Renewal = self.env["support.contract.renewal"]
        contracts = self.filtered(
            lambda c: c.date_end and c.state != "cancelled" and (force or c.auto_renew)
        )
        existing = Renewal.search(Domain("contract_id", "in", contracts.ids))
        found = {(r.contract_id.id, r.date_start): r for r in existing}
        vals_list, renewals = [], Renewal
        for contract in contracts:
            last_line = (
                contract.term_ids.filtered(lambda t: not t.cancelled and t.sale_line_id)
                .sorted("date_end")[-1:]
                .sale_line_id
            )
            months = last_line.product_id.support_term_months or 12
            start, end = renewal_period(contract.date_end, months)
            if renewal := found.get((contract.id, start)):
                renewals |= renewal
                continue
            vals_list.append(
                {
                    "contract_id": contract.id,
                    "date_start": start,
                    "date_end": end,
                    "renewal_mode": contract.renewal_mode or "quotation",
                }
            )
        return renewals | Renewal.create(vals_list)

    def _recompute_state(self):
        """Recompute the stored state of these contracts (time has passed)."""
        self.env.add_to_compute(self._fields["state"], self)
        self.flush_recordset(["state"])

    @api.model
    def _get_stale_state_domain(self):
        """Contracts whose stored state no longer matches today's date."""
        today = fields.Date.context_today(self)
        return (
            Domain("state", "=", "active")
            & (Domain("date_end", "<", today) | Domain("date_end", "=", False))
        ) | (Domain("state", "=", "lapsed") & Domain("date_end", ">=", today))

    @api.model
    def _cron_update_state(self, batch_size=1000):
        """Daily: turn active contracts past their expiry into lapsed ones (and
        lapsed ones that got a new term into active ones), in committed batches."""
        domain = self._get_stale_state_domain()
        cron = self.env["ir.cron"]
        cron._commit_progress(remaining=self.search_count(domain))
        last_id = 0
        while contracts := self.search(
            domain & Domain("id", ">", last_id), limit=batch_size, order="id"
        ):
            contracts._recompute_state()
            last_id = contracts[-1].id
            if not cron._commit_progress(processed=len(contracts)):
                break

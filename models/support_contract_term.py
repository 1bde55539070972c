from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_date

from .protected_fields import check_protected_write
from .row_lock import lock_rows

# The customer is told once per term when this share of its maximum support
# hours is used (doc/rules.md, "Maximum support hours").
CAP_WARNING_SHARE = 0.8


class SupportContractTerm(models.Model):
    _name = "support.contract.term"
    _description = "Support Contract Term"
    _order = "contract_id, date_start, id"
    _check_company_auto = True

    contract_id = fields.Many2one(
        "support.contract",
        string="Contract",
        required=True,
        index=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        related="contract_id.company_id", store=True, precompute=True
    )
    date_start = fields.Date(string="Start Date", required=True)
    date_end = fields.Date(string="End Date", required=True)
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
        help="The order line that paid this term.",
    )
    order_id = fields.Many2one(related="sale_line_id.order_id", string="Order")
    credits = fields.Integer(help="Credits granted for this term (0 when none).")
    lot_ids = fields.One2many(
        "support.credit.lot", "contract_term_id", string="Credit Lots", readonly=True
    )
    cancelled = fields.Boolean(
        readonly=True,
        copy=False,
        index=True,
        help="The order that paid this term was cancelled: the term no longer covers "
        "the deployment. Confirming the order again restores it.",
    )

    support_cap_warned = fields.Boolean(
        string="Cap Warning Sent",
        readonly=True,
        copy=False,
        help="The owner organization was told that 80% of the term's maximum support "
        "hours are used.",
    )

    _check_dates = models.Constraint(
        "CHECK(date_end >= date_start)",
        "A contract term cannot end before it starts.",
    )
    _check_credits = models.Constraint(
        "CHECK(credits >= 0)",
        "The credits of a contract term cannot be negative.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_protected_write(self, vals, ("cancelled", "support_cap_warned"))
        return super().create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, ("cancelled", "support_cap_warned"))
        return super().write(vals)

    @api.depends("date_start", "date_end")
    @api.depends_context("lang")
    def _compute_display_name(self):
        for term in self:
            if term.date_start and term.date_end:
                term.display_name = self.env._(
                    "%(start)s to %(end)s",
                    start=format_date(self.env, term.date_start),
                    end=format_date(self.env, term.date_end),
                )
            else:
                term.display_name = self.env._("New term")

    @api.constrains("contract_id", "date_start", "date_end", "cancelled")
    def _check_no_overlap(self):
        """Terms of one contract never overlap (one query for the whole batch);
        cancelled terms cover nothing and are left out. A term ending before it
        starts is refused by the table's CHECK."""
        all_terms = self.search(
            Domain("contract_id", "in", self.contract_id.ids)
            & Domain("cancelled", "=", False),
            order="date_start, id",
        )
        terms_by_contract = all_terms.grouped("contract_id")
        for contract, terms in terms_by_contract.items():
            previous = None
            for term in terms:
                if previous and term.date_start <= previous.date_end:
                    raise ValidationError(
                        self.env._(
                            "The terms of contract %(contract)s overlap: %(first)s and "
                            "%(second)s. A new term starts the day after the previous "
                            "one ends.",
                            contract=contract.name,
                            first=previous.display_name,
                            second=term.display_name,
                        )
                    )
                if not previous or term.date_end > previous.date_end:
                    previous = term

    # ------------------------------------------------------------------
    # Maximum support hours (doc/rules.md, "Maximum support hours")
    # ------------------------------------------------------------------
    def _support_used_minutes(self):
        """``{term id: minutes}``: the covered time of these terms, i.e. the
        covered minutes of the timesheet lines of their contracts' tickets
        dated within each term, in one query."""
        if not self.ids:
            return {}
        self.env["account.analytic.line"].flush_model(
            ["ticket_id", "date", "support_covered_minutes"]
        )
        self.env["helpdesk.ticket"].flush_model(["support_contract_id"])
        self.flush_recordset(["contract_id", "date_start", "date_end"])
        rows = self.env.execute_query(
            SQL(
                """
            SELECT term.id, COALESCE(SUM(line.support_covered_minutes), 0)
              FROM support_contract_term term
              JOIN helpdesk_ticket ticket
                   ON ticket.support_contract_id = term.contract_id
              JOIN account_analytic_line line ON line.ticket_id = ticket.id
                   AND line.date BETWEEN term.date_start AND term.date_end
             WHERE term.id IN %s
             GROUP BY term.id
            """,
                tuple(self.ids),
            )
        )
        return dict(rows)

    def _support_lock(self):
        """Lock these terms until the end of the transaction, in id order: two
        engineers metering time of one capped term at once are counted one
        after the other, so that together they never pass the cap."""
        lock_rows(self, ["support_cap_warned"])

    def _support_warn_cap(self, cap_minutes, used_minutes):
        """Tell the owner organization, once per term, that ``used_minutes`` of
        the term's ``cap_minutes`` passed 80%, in the same way as the
        low-balance notice."""
        self.ensure_one()
        if self.support_cap_warned or used_minutes < CAP_WARNING_SHARE * cap_minutes:
            return
        organization = self.contract_id.partner_id.commercial_partner_id.sudo()
        contacts = (organization | organization.child_ids).filtered("email")
        organization.message_post(
            body=self.env._(
                "%(used)s of the %(cap)s maximum support hours of the contract of "
                "%(deployment)s for the term ending on %(end)s are used. Time beyond "
                "the maximum is billed hourly.",
                used=f"{used_minutes / 60:.1f}",
                cap=f"{cap_minutes / 60:g}",
                deployment=self.contract_id.deployment_id.display_name,
                end=format_date(self.env, self.date_end, lang_code=organization.lang),
            ),
            subject=self.env._("Your maximum support hours are nearly used"),
            partner_ids=contacts.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.sudo().support_cap_warned = True

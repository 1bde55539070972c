from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import format_date

from .protected_fields import check_protected_write


class SupportContractTerm(models.Model):
    _name = "support.contract.term"
    _description = "Support Contract Term"
    _order = "contract_id, date_start, id"
    _check_company_auto = True

    contract_id = fields.Many2one(
        "support.contract", string="Contract", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True, precompute=True)
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
            check_protected_write(self, vals, ("cancelled",))
        return super().create(vals_list)

    def write(self, vals):
        check_protected_write(self, vals, ("cancelled",))
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
            Domain("contract_id", "in", self.contract_id.ids) & Domain("cancelled", "=", False),
            order="date_start, id",
        )
        terms_by_contract = all_terms.grouped("contract_id")
        for contract, terms in terms_by_contract.items():
            previous = None
            for term in terms:
                if previous and term.date_start <= previous.date_end:
                    raise ValidationError(
                        self.env._(
                            "The terms of contract %(contract)s overlap: %(first)s and %(second)s. "
                            "A new term starts the day after the previous one ends.",
                            contract=contract.name,
                            first=previous.display_name,
                            second=term.display_name,
                        )
                    )
                if not previous or term.date_end > previous.date_end:
                    previous = term

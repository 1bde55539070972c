# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import UserError


class SupportCreditStatementWizard(models.TransientModel):
    """Print an organization's credit statement for a period (accountants
    and support staff, from the partner form)."""

    _name = "support.credit.statement.wizard"
    _description = "Support Credit Statement"

    partner_id = fields.Many2one("res.partner", string="Organization", required=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self)
        - relativedelta(years=1, days=-1),
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)

    def action_print(self):
        self.ensure_one()
        if self.date_from > self.date_to:
            raise UserError(
                self.env._("The start date must be on or before the end date.")
            )
        organization = self.partner_id.commercial_partner_id
        return self.env.ref(
            "support_contract.res_partner_action_report_support_statement"
        ).report_action(
            organization,
            data={
                # the web client sends no record ids with a report that has
                # data: the organization goes with the dates
                "partner_ids": organization.ids,
                "date_from": fields.Date.to_string(self.date_from),
                "date_to": fields.Date.to_string(self.date_to),
                "company_id": self.company_id.id,
            },
        )

# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

STATEMENT_READERS = (
    "account.group_account_invoice",
    "support_contract.group_support_user",
)


class ReportSupportCreditStatement(models.AbstractModel):
    """The figures of ``support_contract.report_support_credit_statement``,
    read from the ledger as superuser for the printed organizations only."""

    _name = "report.support_contract.report_support_credit_statement"
    _description = "Support Credit Statement Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        user = self.env.user
        if not (
            self.env.su or any(user.has_group(group) for group in STATEMENT_READERS)
        ):
            raise AccessError(
                self.env._(
                    "Only accountants and support staff can print credit statements."
                )
            )
        company = (
            self.env["res.company"].browse(data.get("company_id")).exists()
            or self.env.company
        )
        if not self.env.su and company not in user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot print credit statements of %s.", company.display_name
                )
            )
        today = fields.Date.context_today(self)
        try:
            date_to = fields.Date.to_date(data.get("date_to")) or today
            date_from = fields.Date.to_date(
                data.get("date_from")
            ) or date_to - relativedelta(years=1, days=-1)
        except ValueError:
            raise UserError(
                self.env._("The statement's dates must be given as YYYY-MM-DD.")
            ) from None
        if date_from > date_to:
            raise UserError(
                self.env._("The start date must be on or before the end date.")
            )
        docids = docids or data.get("partner_ids") or []
        organizations = self.env["res.partner"].browse(docids).commercial_partner_id
        Move = self.env["support.credit.move"]
        return {
            "doc_ids": organizations.ids,
            "doc_model": "res.partner",
            "docs": organizations,
            "company": company,
            "statements": {
                organization.id: Move._support_statement(
                    organization, company, date_from, date_to
                )
                for organization in organizations
            },
        }

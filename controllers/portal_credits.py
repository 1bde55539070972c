# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import fields, http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

STATEMENT_REPORT = "support_contract.res_partner_action_report_support_statement"


class SupportCreditPortal(CustomerPortal):
    """The organization's support credits in the portal: balance, open lots,
    the ledger's history and the credit statement (PDF).

    Portal users may not read lots and moves: every read goes through
    ``support.credit.move._support_ledger_scope``, which reads as superuser
    only the records of the user's own organization (its
    ``commercial_partner_id``), in the current company.
    """

    def _support_credit_organization(self):
        return request.env.user.partner_id.commercial_partner_id

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "support_credit_balance" in counters:
            values["support_credit_balance"] = (
                self._support_credit_organization()._support_credit_balance_in(
                    request.env.company
                )
            )
        return values

    # ------------------------------------------------------------------
    # /my/support/credits
    # ------------------------------------------------------------------
    @http.route(
        ["/my/support/credits", "/my/support/credits/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_support_credits(self, page=1, **kw):
        return request.render(
            "support_contract.portal_my_support_credits",
            self._prepare_support_credits_values(page),
        )

    def _prepare_support_credits_values(
        self, page=1, statement_error=None, date_from=None, date_to=None
    ):
        organization = self._support_credit_organization()
        company = request.env.company
        Move = request.env["support.credit.move"]
        total = Move._support_history_count(organization, company)
        pager = portal_pager(
            url="/my/support/credits",
            total=total,
            page=page,
            step=self._items_per_page,
        )
        moves, balances, _count = Move._support_history(
            organization,
            company,
            offset=pager["offset"],
            limit=self._items_per_page,
        )
        default_from, default_to = self._support_statement_default_dates()
        balance = organization._support_credit_balance_in(company)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "support_credits",
                "default_url": "/my/support/credits",
                "pager": pager,
                "organization": organization,
                "balance": balance,
                "balance_sentence": request.env._(
                    "Balance: %(credits)s credits",
                    credits=Markup(
                        '<strong class="o_support_credit_balance">%s</strong>'
                    )
                    % balance,
                ),
                "lots": Move._support_open_lots(organization, company),
                "lines": list(zip(moves, balances, strict=False)),
                "visible_orders": self._support_visible(moves, "sale.order"),
                "visible_tickets": self._support_visible(moves, "helpdesk.ticket"),
                "statement_error": statement_error,
                "statement_date_from": date_from or fields.Date.to_string(default_from),
                "statement_date_to": date_to or fields.Date.to_string(default_to),
            }
        )
        return values

    def _support_visible(self, moves, model):
        """The orders or tickets behind ``moves`` that the user may open in
        the portal (the others are shown without a link)."""
        index = 0 if model == "sale.order" else 2
        records = request.env[model].concat(
            *(move._support_origin_records()[index] for move in moves)
        )
        return request.env[model].browse(records.ids)._filtered_access("read")

    # ------------------------------------------------------------------
    # /my/support/credits/statement
    # ------------------------------------------------------------------
    def _support_statement_default_dates(self):
        today = fields.Date.context_today(request.env.user)
        return today - relativedelta(years=1) + relativedelta(days=1), today

    @http.route(
        ["/my/support/credits/statement"],
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def portal_my_support_credit_statement(self, date_from=None, date_to=None, **kw):
        default_from, default_to = self._support_statement_default_dates()
        try:
            start = fields.Date.to_date(date_from) if date_from else default_from
            end = fields.Date.to_date(date_to) if date_to else default_to
        except ValueError:
            start = end = None
        error = None
        if not start or not end:
            error = request.env._("Please give the dates as YYYY-MM-DD.")
        elif start > end:
            error = request.env._("The start date must be on or before the end date.")
        elif start.year < 1900 or end.year > 9000:
            error = request.env._("Please give dates between the years 1900 and 9000.")
        if error:
            values = self._prepare_support_credits_values(
                statement_error=error,
                date_from=date_from,
                date_to=date_to,
            )
            return request.render(
                "support_contract.portal_my_support_credits", values, status=400
            )
        organization = self._support_credit_organization()
        data = {
            "date_from": fields.Date.to_string(start),
            "date_to": fields.Date.to_string(end),
            "company_id": request.env.company.id,
        }
        # As superuser (the portal user may not read the ledger): the report
        # reads only this organization's credits, through the ledger scope.
        content, report_type = (
            request.env["ir.actions.report"]
            .sudo()
            ._render_qweb_pdf(
                STATEMENT_REPORT,
                [organization.id],
                data=data,
            )
        )
        # test mode renders reports as HTML
        content_type = (
            "application/pdf" if report_type == "pdf" else "text/html; charset=utf-8"
        )
        title = request.env._(
            "Credit Statement %(organization)s %(start)s - %(end)s",
            organization=organization.name,
            start=data["date_from"],
            end=data["date_to"],
        )
        extension = "pdf" if report_type == "pdf" else "html"
        filename = f"{title}.{extension}"
        return request.make_response(
            content,
            headers=[
                ("Content-Type", content_type),
                ("Content-Length", len(content)),
                ("Content-Disposition", http.content_disposition(filename)),
            ],
        )

# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from werkzeug.exceptions import Forbidden

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

DEPLOYMENTS_PER_PAGE = 20


class SupportAccountPortal(CustomerPortal):
    """The customer's support account: overview, deployments, auto-renewal.

    What a user may see is decided by the record rules of the portal group
    (``security/support_portal_rules.xml``): these routes search and browse
    as the user, and ``_support_record`` is the one place that turns a
    record the user may not read into "not found".
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "support_deployment_count" in counters:
            Deployment = request.env["support.deployment"]
            values["support_deployment_count"] = (
                Deployment.search_count([]) if Deployment.has_access("read") else 0
            )
        return values

    def _support_record(self, model, record_id):
        """``record_id`` of ``model`` if the user may read it (the model's
        access rules decide), else a 404: another organization's record
        does not exist, as far as this user knows."""
        record = request.env[model].browse(record_id)
        try:
            record.check_access("read")
            if not record.exists():
                raise MissingError(model)
        except (AccessError, MissingError):
            raise request.not_found() from None
        return record

    def _support_organization(self):
        return request.env.user.commercial_partner_id

    # ------------------------------------------------------------------
    # Overview
    # ------------------------------------------------------------------
    @http.route(["/my/support"], type="http", auth="user", website=True, readonly=True)
    def portal_my_support(self, **kw):
        organization = self._support_organization()
        Deployment = request.env["support.deployment"]
        Renewal = request.env["support.contract.renewal"]
        Ticket = request.env["helpdesk.ticket"]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "support_overview",
                "organization": organization,
                "support_title": request.env._(
                    "Support account of %(organization)s",
                    organization=organization.name,
                ),
                "credits": organization._support_credit_summary(),
                "deployments": Deployment.search([], order="coverage_end, id", limit=10)
                if Deployment.has_access("read")
                else Deployment,
                "deployment_count": Deployment.search_count([])
                if Deployment.has_access("read")
                else 0,
                "renewals": Renewal.search(
                    [("state", "in", ["due", "quoted"]), ("declined", "=", False)],
                    order="date_start, id",
                    limit=5,
                )
                if Renewal.has_access("read")
                else Renewal,
                "tickets": Ticket.search(
                    [("closed", "=", False)], order="create_date desc", limit=5
                )
                if Ticket.has_access("read")
                else Ticket,
            }
        )
        return request.render("support_contract.portal_my_support", values)

    # ------------------------------------------------------------------
    # Deployments
    # ------------------------------------------------------------------
    @http.route(
        ["/my/support/deployments", "/my/support/deployments/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_support_deployments(self, page=1, **kw):
        Deployment = request.env["support.deployment"]
        total = Deployment.search_count([]) if Deployment.has_access("read") else 0
        pager = portal_pager(
            url="/my/support/deployments",
            total=total,
            page=page,
            step=DEPLOYMENTS_PER_PAGE,
        )
        deployments = (
            Deployment.search(
                [],
                order="coverage_end desc, id desc",
                limit=DEPLOYMENTS_PER_PAGE,
                offset=pager["offset"],
            )
            if total
            else Deployment
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "support_deployments",
                "organization": self._support_organization(),
                "deployments": deployments,
                "pager": pager,
                "default_url": "/my/support/deployments",
            }
        )
        return request.render("support_contract.portal_my_support_deployments", values)

    @http.route(
        ["/my/support/deployments/<int:deployment_id>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_support_deployment(self, deployment_id, message=None, **kw):
        deployment = self._support_record("support.deployment", deployment_id)
        organization = self._support_organization()
        Contract = request.env["support.contract"]
        contract = Contract.browse(
            deployment._support_current_contracts().get(deployment.id, Contract).ids
        )
        Ticket = request.env["helpdesk.ticket"]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "support_deployment",
                "deployment": deployment,
                "contract": contract,
                "renewal": contract._open_renewal()
                if contract
                else request.env["support.contract.renewal"],
                "is_owner": deployment.partner_id == organization,
                "reasons": request.env["support.renewal.reason"].search([]),
                "tickets": Ticket.search(
                    [("support_deployment_id", "=", deployment.id)],
                    order="create_date desc",
                    limit=20,
                )
                if Ticket.has_access("read")
                else Ticket,
                "message": message,
            }
        )
        return request.render("support_contract.portal_my_support_deployment", values)

    @http.route(
        ["/my/support/deployments/<int:deployment_id>/auto-renew"],
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
        csrf=True,
    )
    def portal_support_auto_renew(
        self,
        deployment_id,
        contract_id=None,
        turn=None,
        reason_id=None,
        reason=None,
        **kw,
    ):
        """Turn the auto-renewal of one of the deployment's contracts off (with
        an optional reason) or on: POST only; the contract decides who may."""
        deployment = self._support_record("support.deployment", deployment_id)
        try:
            contract = deployment.contract_ids.filtered(
                lambda c: c.id == int(contract_id or 0)
            )
        except ValueError:
            raise request.not_found() from None
        if not contract or turn not in ("on", "off"):
            raise request.not_found()
        chosen = request.env["support.renewal.reason"]
        if reason_id and str(reason_id).isdigit():
            chosen = chosen.search([("id", "=", int(reason_id))])
        try:
            contract._set_auto_renew(
                turn == "on", reason=(reason or "").strip()[:200] or chosen or None
            )
        except AccessError:
            raise Forbidden() from None  # a co-owner sees it, but cannot change it
        except UserError:
            return request.redirect(
                f"/my/support/deployments/{deployment.id}?message=error"
            )
        done = "auto_renew_on" if turn == "on" else "auto_renew_off"
        return request.redirect(
            f"/my/support/deployments/{deployment.id}?message={done}"
        )

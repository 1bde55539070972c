from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

from odoo.addons.helpdesk_mgmt.controllers.main import HelpdeskTicketController


class SupportHelpdeskTicketController(HelpdeskTicketController):
    @http.route("/ticket/close", type="http", auth="user", methods=["POST"], csrf=True)
    def support_ticket_close(self, ticket_id=None, stage_id=None, **kw):
        """Close a ticket from the portal: POST only, and only a ticket of the
        user's own organization (any other answers 404, as if it did not exist);
        the target stage must be a portal closing stage of the ticket."""
        ticket = self._support_portal_ticket(ticket_id)
        try:
            stage = (
                request.env["helpdesk.ticket.stage"]
                .sudo()
                .browse(int(stage_id or 0))
                .exists()
            )
        except ValueError:
            raise NotFound() from None
        if (
            stage
            and stage.close_from_portal
            and stage in ticket._support_portal_stages()
        ):
            ticket.stage_id = stage
        return request.redirect(f"/my/ticket/{ticket.id}")

    @http.route(
        "/submitted/ticket",
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
        csrf=True,
    )
    def submit_ticket(self, **kw):
        """Create a ticket from the portal form: POST with a CSRF token only. A
        link (GET) opened by a logged-in customer must not create a ticket,
        and on a per-incident plan spend its points."""
        return super().submit_ticket(**kw)

    def _support_portal_ticket(self, ticket_id):
        """The ticket ``ticket_id`` (sudo) if it belongs to the user's organization."""
        try:
            ticket = (
                request.env["helpdesk.ticket"]
                .sudo()
                .browse(int(ticket_id or 0))
                .exists()
            )
        except ValueError:
            raise NotFound() from None
        organization = request.env.user.commercial_partner_id
        if not ticket or ticket.commercial_partner_id != organization:
            raise NotFound()
        return ticket

    # ------------------------------------------------------------------
    # New ticket form: the deployment choice
    # ------------------------------------------------------------------

    def _support_portal_deployments(self):
        """The deployments the user's organization owns or co-owns (sudo)."""
        return request.env.user.commercial_partner_id.sudo()._support_deployments()

    def _get_create_new_ticket_values(self, **kw):
        values = super()._get_create_new_ticket_values(**kw)
        deployments = self._support_portal_deployments()
        values["support_deployments"] = deployments
        values["support_priority_levels"] = request.env[
            "helpdesk.ticket"
        ]._support_priority_levels(
            self._support_portal_plan(deployments),
        )
        return values

    def _support_portal_plan(self, deployments):
        """The plan whose priority levels the new-ticket form shows: the plan
        of every covered deployment of the organization, when they share one
        (a SuiteCRM customer reads Severity 1 to 4); else none, and the form
        shows the standard wording (the ticket page then shows its plan's)."""
        plans = {
            contract.plan_id
            for contract in deployments._support_current_contracts().values()
        }
        return plans.pop() if len(plans) == 1 else None

    def _prepare_submit_ticket_vals(self, **kw):
        vals = super()._prepare_submit_ticket_vals(**kw)
        priorities = {
            key
            for key, _name, _definition in request.env[
                "helpdesk.ticket"
            ]._support_priority_levels()
        }
        if kw.get("priority") in priorities:
            vals["priority"] = kw["priority"]
        if kw.get("support_deployment"):
            try:
                deployment_id = int(kw["support_deployment"])
            except ValueError:
                raise NotFound() from None
            deployment = self._support_portal_deployments().filtered(
                lambda d: d.id == deployment_id
            )
            if not deployment:
                raise NotFound()
            vals["support_deployment_id"] = deployment.id
        return vals

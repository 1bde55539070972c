from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import format_date

from ..lib.business_hours import add_working_hours
from .protected_fields import check_protected_write
from .support_plan_sla import TICKET_PRIORITIES

# Share of the response window after which a ticket is "at risk".
AT_RISK_SHARE = 0.2


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    # Computed from the ticket's organization and deployment, or copied from
    # the plan when the ticket opened: nobody writes them (doc/rules.md, "SLA",
    # metering).
    _SUPPORT_COMPUTED_FIELDS = (
        "support_contract_id",
        "support_plan_id",
        "support_sla_targets",
        "support_calendar_id",
        "support_metering",
        "support_rounding_minutes",
        "support_max_minutes",
        "support_incident_points",
        "support_paying_partner_id",
        "sla_deadline",
        "sla_at_risk_date",
        "sla_response_late",
        "sla_first_response_date",
        "support_assigned_by_id",
    )

    support_deployment_id = fields.Many2one(
        "support.deployment",
        string="Deployment",
        index="btree_not_null",
        tracking=True,
        domain="[('organization_ids', 'in', commercial_partner_id)]",
        help="The serial number or deployment the ticket is about: one the customer's "
        "organization owns or co-owns.",
    )
    support_contract_id = fields.Many2one(
        "support.contract",
        string="Contract",
        compute="_compute_support_contract_id",
        store=True,
        readonly=True,
        index="btree_not_null",
        help="The active contract covering the deployment when the ticket was opened.",
    )
    support_plan_id = fields.Many2one(
        "support.plan",
        string="Support Plan",
        compute="_compute_support_plan",
        store=True,
        readonly=True,
        help="The plan of the contract, copied when the ticket opened: later changes "
        "to the plan or the end of the contract do not change this ticket.",
    )
    support_sla_targets = fields.Json(
        string="SLA Targets (copy)",
        compute="_compute_support_plan",
        store=True,
        readonly=True,
        help="Technical: the plan's first-response targets copied when the ticket "
        "opened, {priority: [hours, round_the_clock]}.",
    )
    support_calendar_id = fields.Many2one(
        "resource.calendar",
        string="SLA Working Hours",
        compute="_compute_support_plan",
        store=True,
        readonly=True,
    )
    support_metering = fields.Selection(
        [("minutes", "By the minute"), ("incident", "Per incident")],
        string="Metering",
        compute="_compute_support_plan",
        store=True,
        readonly=True,
    )
    support_rounding_minutes = fields.Integer(
        string="Rounding (minutes)",
        compute="_compute_support_plan",
        store=True,
        readonly=True,
    )
    support_max_minutes = fields.Integer(
        string="Term Cap (minutes)",
        compute="_compute_support_plan",
        store=True,
        readonly=True,
        help="The plan's maximum support time per contract term when the ticket "
        "opened, in minutes (0: no cap).",
    )
    support_cap_left_minutes = fields.Integer(
        string="Support Minutes Left This Term",
        compute="_compute_support_cap_left",
        help="What the maximum support hours of the contract's current term leave, "
        "over all its tickets.",
    )
    support_incident_points = fields.Integer(
        string="Incident Points",
        compute="_compute_support_plan",
        store=True,
        readonly=True,
    )
    support_paying_partner_id = fields.Many2one(
        "res.partner",
        string="Paying Organization",
        compute="_compute_support_paying_partner_id",
        store=True,
        readonly=True,
        index="btree_not_null",
        help="The organization whose credits pay for the time: the customer's "
        "organization (a co-owner pays with its own credits).",
    )
    support_resolution = fields.Selection(
        [
            ("configuration", "Configuration / How-to"),
            ("bug", "Product Bug (escalated to R&D)"),
            ("other", "Other"),
        ],
        string="Resolution",
        tracking=True,
        copy=False,
    )
    support_assigned_by_id = fields.Many2one(
        "res.users",
        string="Assigned By",
        readonly=True,
        copy=False,
        help="Technical: who assigned the ticket to its engineer. An engineer may "
        "resolve as a bug a ticket someone else assigned to them, never one they "
        "assigned to themselves.",
    )
    support_open_date = fields.Datetime(
        string="Opened On",
        default=fields.Datetime.now,
        readonly=True,
        copy=False,
        help="The moment the ticket opened: start of its first-response window.",
    )
    sla_deadline = fields.Datetime(
        string="First Response Deadline",
        compute="_compute_sla_deadline",
        store=True,
        readonly=True,
        index="btree_not_null",
    )
    sla_at_risk_date = fields.Datetime(
        string="At Risk From",
        compute="_compute_sla_deadline",
        store=True,
        readonly=True,
        help="Technical: start of the last 20% of the first-response window.",
    )
    sla_first_response_date = fields.Datetime(
        string="First Response",
        readonly=True,
        copy=False,
        help="The first message from staff to the customer.",
    )
    sla_response_late = fields.Boolean(
        compute="_compute_sla_response_late",
        store=True,
        readonly=True,
        help="Technical: the first response came after the deadline.",
    )
    support_credits_consumed = fields.Integer(
        string="Credits Consumed",
        compute="_compute_support_credits_consumed",
        help="Credits this ticket consumed, net of refunds.",
    )
    support_timesheet_ids = fields.One2many(
        "account.analytic.line", "ticket_id", string="Timesheets"
    )
    support_uncovered_minutes = fields.Integer(
        string="Uncovered Minutes",
        compute="_compute_support_credits_consumed",
        help="Logged minutes no credits covered, billed hourly.",
    )
    support_credits_refunded = fields.Integer(
        string="Credits Refunded",
        compute="_compute_support_credits_consumed",
        help="Credits given back for this ticket (bug resolution, shortened time).",
    )
    support_hours_logged = fields.Float(
        string="Time Logged",
        compute="_compute_support_credits_consumed",
        help="Hours logged on the ticket's timesheets.",
    )
    sla_state = fields.Selection(
        [("on_time", "On Time"), ("at_risk", "At Risk"), ("breached", "Breached")],
        string="SLA",
        compute="_compute_sla_state",
        search="_search_sla_state",
    )

    support_balance = fields.Integer(
        string="Organization's Balance",
        compute="_compute_support_balance",
        help="The paying organization's credits in the ticket's company, before "
        "logging time.",
    )
    support_expiring = fields.Integer(
        string="Expiring in 30 Days",
        compute="_compute_support_balance",
    )
    support_uncovered_order_id = fields.Many2one(
        "sale.order",
        string="Billed On",
        compute="_compute_support_balance",
        help="The order billing the time of this ticket that no credits covered.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("number", "name")
    @api.depends_context("lang")
    def _compute_display_name(self):
        """A new ticket reads "New Ticket" (helpdesk_mgmt shows "/ - False")."""
        res = super()._compute_display_name()
        for ticket in self:
            if not ticket.id or not ticket.name:
                ticket.display_name = ticket.name or self.env._("New Ticket")
        return res

    @api.depends("support_paying_partner_id", "company_id")
    def _compute_support_balance(self):
        billed = {
            ticket: sale_lines.order_id[:1]
            for ticket, sale_lines in self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [
                    ("ticket_id", "in", self._origin.ids),
                    ("support_sale_line_id", "!=", False),
                ],
                ["ticket_id"],
                ["support_sale_line_id:recordset"],
            )
        }
        summaries = {}
        for ticket in self:
            key = (ticket.support_paying_partner_id, ticket.company_id)
            if ticket.support_paying_partner_id and key not in summaries:
                summaries[key] = (
                    ticket.support_paying_partner_id._support_credit_summary(
                        ticket.company_id
                    )
                )
            summary = summaries.get(key, {})
            ticket.support_balance = summary.get("balance", 0)
            ticket.support_expiring = summary.get("expiring", 0)
            ticket.support_uncovered_order_id = billed.get(
                ticket._origin, self.env["sale.order"]
            )

    @api.depends("support_contract_id", "support_max_minutes")
    def _compute_support_cap_left(self):
        capped = self.filtered(
            lambda ticket: ticket.support_max_minutes and ticket.support_contract_id
        )
        usage = capped.support_contract_id.sudo()._support_current_usage()
        for ticket in self:
            term, minutes = (
                usage.get(ticket.support_contract_id.id, (None, 0))
                if ticket in capped
                else (None, 0)
            )
            ticket.support_cap_left_minutes = (
                max(ticket.support_max_minutes - minutes, 0) if term else 0
            )

    @api.depends("support_deployment_id", "company_id")
    def _compute_support_contract_id(self):
        """The deployment's active contract (the one ending last) in the
        ticket's own company, read once: the contract's later end does not
        change the ticket (doc/rules.md, "SLA")."""
        current = self.support_deployment_id._support_current_contracts()
        for ticket in self:
            contract = current.get(ticket.support_deployment_id.id)
            binds = (
                contract
                and contract.state == "active"
                and contract.company_id == ticket.company_id
            )
            ticket.support_contract_id = contract.id if binds else False

    @api.depends("support_contract_id")
    def _compute_support_plan(self):
        """Copy the plan and its targets when the contract is set (doc/rules.md, "SLA"):
        the dependency is on the contract only, never on the plan's fields."""
        for ticket in self:
            plan = ticket.support_contract_id.sudo().plan_id
            ticket.support_plan_id = plan.id
            ticket.support_sla_targets = (
                {
                    line.priority: [line.response_hours, line.round_the_clock]
                    for line in plan.sla_line_ids
                }
                if plan
                else False
            )
            ticket.support_calendar_id = plan.resource_calendar_id.id
            ticket.support_metering = plan.metering or False
            ticket.support_rounding_minutes = plan.rounding_minutes or 1
            ticket.support_max_minutes = round((plan.max_support_hours or 0) * 60)
            ticket.support_incident_points = plan.incident_points if plan else 0

    @api.depends("commercial_partner_id", "support_deployment_id")
    def _compute_support_paying_partner_id(self):
        for ticket in self:
            ticket.support_paying_partner_id = ticket.commercial_partner_id

    @api.depends(
        "support_open_date",
        "priority",
        "support_sla_targets",
        "support_calendar_id",
        "partner_id.tz",
        "commercial_partner_id.tz",
    )
    def _compute_sla_deadline(self):
        calendars = self.support_calendar_id.sudo()
        opened = [
            ticket.support_open_date for ticket in self if ticket.support_open_date
        ]
        schedules, holidays = {}, {}
        if calendars and opened:
            schedules = calendars._support_schedules()
            holidays = calendars._support_holidays(
                min(opened), max(opened) + timedelta(days=366)
            )
        for ticket in self:
            target = (ticket.support_sla_targets or {}).get(ticket.priority or "0")
            if not target or not ticket.support_open_date:
                ticket.sla_deadline = ticket.sla_at_risk_date = False
                continue
            hours, round_the_clock = target
            calendar = ticket.support_calendar_id
            start = ticket.support_open_date
            if round_the_clock or not calendar:
                deadline = add_working_hours(start, hours, round_the_clock=True)
            else:
                try:
                    deadline = add_working_hours(
                        start,
                        hours,
                        schedules.get(calendar.id, []),
                        holidays.get(calendar.id, []),
                        tz=ticket.partner_id.tz
                        or ticket.commercial_partner_id.tz
                        or calendar.sudo().tz
                        or "UTC",
                    )
                except ValueError:
                    deadline = False
            ticket.sla_deadline = deadline
            ticket.sla_at_risk_date = (
                deadline and deadline - (deadline - start) * AT_RISK_SHARE
            )

    def _compute_support_credits_consumed(self):
        consumed, refunded = {}, {}
        for ticket, move_type, quantity in (
            self.env["support.credit.move"]
            .sudo()
            ._read_group(
                [
                    ("ticket_id", "in", self._origin.ids),
                    ("move_type", "in", ["consume", "refund"]),
                ],
                ["ticket_id", "move_type"],
                ["quantity:sum"],
            )
        ):
            consumed[ticket] = consumed.get(ticket, 0) + quantity
            if move_type == "refund":
                refunded[ticket] = quantity
        timesheets = {
            ticket: (uncovered, hours)
            for ticket, uncovered, hours in self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [("ticket_id", "in", self._origin.ids)],
                ["ticket_id"],
                ["support_uncovered_minutes:sum", "unit_amount:sum"],
            )
        }
        for ticket in self:
            ticket.support_credits_consumed = -consumed.get(ticket._origin, 0)
            ticket.support_credits_refunded = refunded.get(ticket._origin, 0)
            uncovered, hours = timesheets.get(ticket._origin, (0, 0.0))
            ticket.support_uncovered_minutes = uncovered
            ticket.support_hours_logged = hours

    @api.depends("sla_deadline", "sla_first_response_date")
    def _compute_sla_response_late(self):
        for ticket in self:
            ticket.sla_response_late = bool(
                ticket.sla_deadline
                and ticket.sla_first_response_date
                and ticket.sla_first_response_date > ticket.sla_deadline
            )

    @api.depends("sla_deadline", "sla_at_risk_date", "sla_first_response_date")
    def _compute_sla_state(self):
        now = fields.Datetime.now()
        for ticket in self:
            if not ticket.sla_deadline:
                ticket.sla_state = False
            elif ticket.sla_first_response_date:
                ticket.sla_state = "breached" if ticket.sla_response_late else "on_time"
            elif now > ticket.sla_deadline:
                ticket.sla_state = "breached"
            elif now >= ticket.sla_at_risk_date:
                ticket.sla_state = "at_risk"
            else:
                ticket.sla_state = "on_time"

    def _search_sla_state(self, operator, value):
        if operator != "in":
            return NotImplemented
        now = fields.Datetime.now()
        waiting = Domain("sla_first_response_date", "=", False) & Domain(
            "sla_deadline", "!=", False
        )
        conditions = {
            "breached": Domain("sla_response_late", "=", True)
            | (waiting & Domain("sla_deadline", "<", now)),
            "at_risk": waiting
            & Domain("sla_deadline", ">=", now)
            & Domain("sla_at_risk_date", "<=", now),
            "on_time": (
                Domain("sla_first_response_date", "!=", False)
                & Domain("sla_deadline", "!=", False)
                & Domain("sla_response_late", "=", False)
            )
            | (waiting & Domain("sla_at_risk_date", ">", now)),
        }
        domains = [conditions[state] for state in value if state in conditions]
        if False in value or None in value:
            domains.append(Domain("sla_deadline", "=", False))
        return Domain.OR(domains) if domains else Domain.FALSE

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("support_deployment_id", "partner_id")
    def _check_support_deployment(self):
        for ticket in self.filtered("support_deployment_id"):
            deployment = ticket.support_deployment_id.sudo()
            organization = ticket.commercial_partner_id
            if not organization:
                raise ValidationError(
                    self.env._(
                        "Ticket %(ticket)s: choose the customer before the deployment "
                        "%(deployment)s.",
                        ticket=ticket.display_name,
                        deployment=deployment.name,
                    )
                )
            if organization not in deployment.organization_ids:
                raise ValidationError(
                    self.env._(
                        "Ticket %(ticket)s: deployment %(deployment)s belongs to "
                        "another organization. Choose one that %(customer)s owns or "
                        "co-owns.",
                        ticket=ticket.display_name,
                        deployment=deployment.name,
                        customer=organization.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model
    def name_create(self, name):
        """A ticket created from its name alone (a many2one's "Create"): the name
        is its subject, and its description until someone writes one (required).
        helpdesk_mgmt's ``_rec_name`` is the number, so the default would store
        the typed text as the ticket's number and leave no subject."""
        ticket = self.create({"name": name, "description": name})
        return ticket.id, ticket.display_name

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_protected_write(self, vals, self._SUPPORT_COMPUTED_FIELDS)
            if vals.get("support_resolution") == "bug" and not self.env.su:
                # a new ticket has no assigned engineer yet: managers only
                self.browse()._support_check_bug_rights(opening=True)
            if vals.get("user_id"):
                vals["support_assigned_by_id"] = self.env.uid
        tickets = super().create(vals_list)
        tickets.filtered(
            lambda t: t.support_metering == "incident"
        )._support_charge_incident()
        return tickets

    def write(self, vals):
        check_protected_write(
            self, vals, self._SUPPORT_COMPUTED_FIELDS + ("support_open_date",)
        )
        if vals.get("support_resolution") == "bug" and not self.env.su:
            self._support_check_bug_rights()
        if "user_id" in vals:
            vals = dict(vals, support_assigned_by_id=vals["user_id"] and self.env.uid)
        if vals.get("stage_id"):
            stage = self.env["helpdesk.ticket.stage"].browse(vals["stage_id"])
            if not stage.closed:
                self._support_check_reopen()
        res = super().write(vals)
        if vals.get("support_deployment_id"):
            # a deployment set after opening: the plan is copied now, and so
            # are its incident points charged
            self.filtered(
                lambda t: t.support_metering == "incident"
            )._support_charge_incident()
        if vals.get("support_resolution") == "bug":
            # however the resolution is set (button or field), doc/rules.md,
            # "Bug refund" applies, once
            self.sudo()._support_refund_consumption()
        return res

    def _message_post_after_hook(self, message, msg_values):
        """The first public message from staff to the customer is the first response."""
        res = super()._message_post_after_hook(message, msg_values)
        waiting = self.filtered(lambda t: not t.sla_first_response_date)
        if waiting and self._support_is_staff_reply(message, msg_values):
            waiting.sudo().sla_first_response_date = (
                message.date or fields.Datetime.now()
            )
        return res

    @api.model
    def _support_is_staff_reply(self, message, msg_values):
        if msg_values.get("message_type") not in ("comment", "email", "email_outgoing"):
            return False
        comment = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        if msg_values.get("subtype_id") != comment:
            return False
        author = message.sudo().author_id
        return bool(author and any(not user.share for user in author.user_ids))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_resolve_as_bug(self):
        """Resolve as a product bug escalated to R&D (doc/rules.md, "Bug
        refund"): set the resolution and refund every credit the tickets
        consumed, once; say so on the chatter (and to the customer), and move
        the ticket to its team's closing stage. Allowed to Support Managers and
        to the engineer someone else assigned to the ticket."""
        self._support_check_bug_rights()
        if not self.ids:
            raise UserError(self.env._("Save the ticket before resolving it as a bug."))
        refunds = (
            self.env["support.credit.move"]
            .sudo()
            .search([("ticket_id", "in", self.ids), ("move_type", "=", "refund")])
        )
        self.sudo().write({"support_resolution": "bug"})
        new_refunds = (
            self.env["support.credit.move"]
            .sudo()
            .search([("ticket_id", "in", self.ids), ("move_type", "=", "refund")])
            - refunds
        )
        for ticket in self:
            ticket._support_announce_bug_refund(
                new_refunds.filtered(lambda m, t=ticket: m.ticket_id == t)
            )
        return True

    def _support_announce_bug_refund(self, refunds):
        """Tell staff and customer what the bug resolution gave back, and
        close the ticket in its team's closing stage when it has one."""
        self.ensure_one()
        credits = sum(refunds.mapped("quantity"))
        organization = self.support_paying_partner_id
        if credits:
            note = self.env._(
                "Resolved as a product bug escalated to R&D: %(credits)s credits (or "
                "incident points) went back to %(organization)s.",
                credits=credits,
                organization=organization.display_name,
            )
        else:
            note = self.env._(
                "Resolved as a product bug escalated to R&D: no credit had been "
                "consumed."
            )
        self.message_post(
            body=note, message_type="comment", subtype_xmlid="mail.mt_note"
        )
        self.sudo().message_post(
            body=self.env._(
                "This issue is a product bug, escalated to our R&D team: the support "
                "time it took is not charged (%(credits)s credits given back).",
                credits=credits,
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.partner_id.ids,
        )
        closing = self._support_portal_stages().filtered("closed")[:1]
        if closing and self.stage_id != closing:
            self.sudo().stage_id = closing

    def action_view_support_moves(self):
        """Credits Used: the ledger moves of this ticket."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_contract.support_credit_move_action"
        )
        action["domain"] = [("ticket_id", "=", self.id)]
        action["context"] = {}
        return action

    def _support_check_bug_rights(self, opening=False):
        """Resolving as a bug gives credits back: Support Managers may, and the
        engineer someone else assigned to the ticket before it is resolved. An
        engineer who assigned the ticket to themselves may not."""
        if self.env.user.has_group("support_contract.group_support_manager"):
            return
        if opening:
            raise UserError(
                self.env._(
                    "Only a Support Manager can open a ticket already resolved as a "
                    "bug."
                )
            )
        for ticket in self:
            assigned = (
                ticket.user_id == self.env.user
                and ticket.support_assigned_by_id
                and ticket.support_assigned_by_id != self.env.user
            )
            if not assigned:
                raise UserError(
                    self.env._(
                        "Only a Support Manager or the engineer someone else assigned "
                        "to ticket %(ticket)s can resolve it as a bug (assigning it to "
                        "yourself does not count).",
                        ticket=ticket.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _support_refund_consumption(self):
        """Refund every credit these tickets consumed (time and incident points),
        to the lots they came from, or to a new lot when such a lot has expired
        (validity: the company's setting). A move is never refunded twice."""
        Lot = self.env["support.credit.lot"].sudo()
        Move = self.env["support.credit.move"].sudo()
        by_ticket = Move.search(
            [("ticket_id", "in", self.ids), ("move_type", "=", "consume")]
        ).grouped("ticket_id")
        refunds = Move
        for ticket in self:
            if ticket not in by_ticket:
                continue
            # the ledger gives each lot's credits back in the lot's company
            refunds |= Lot._refund(
                by_ticket[ticket],
                self.env._(
                    "Ticket %(ticket)s resolved as a product bug", ticket=ticket.number
                ),
                ticket_id=ticket.id,
                origin=ticket.number,
            )
        return refunds

    def _support_hourly_product(self):
        """The product billing the uncovered time of this ticket: the copied
        plan's, else the plan of the deployment's current contract (lapsed),
        else the module's Hourly Support product."""
        self.ensure_one()
        product = self.support_plan_id.sudo().hourly_product_id
        if not product and self.support_deployment_id:
            deployment = self.support_deployment_id
            contract = deployment._support_current_contracts().get(deployment.id)
            product = contract.plan_id.hourly_product_id if contract else product
        return product or self.env.ref(
            "support_contract.product_hourly_support", raise_if_not_found=False
        )

    def _support_charge_incident(self):
        """Per-incident plans (doc/rules.md, "Incident points"): opening the
        ticket deducts the plan's points (copied on the ticket) from the paying
        organization; refused, saying how many points are missing, when it does
        not hold enough."""
        Lot = self.env["support.credit.lot"].sudo()
        charged = {
            ticket
            for (ticket,) in self.env["support.credit.move"]
            .sudo()
            ._read_group(
                [
                    ("ticket_id", "in", self.ids),
                    ("move_type", "=", "consume"),
                    ("timesheet_id", "=", False),
                ],
                ["ticket_id"],
            )
        }
        for ticket in self:
            if ticket in charged:
                continue  # one charge per incident
            points = ticket.support_incident_points
            partner = ticket.support_paying_partner_id
            if points <= 0 or not partner:
                continue
            _moves, missing = Lot.with_company(ticket.company_id)._consume(
                partner,
                points,
                partner._support_env()._(
                    "Incident opened: %(ticket)s", ticket=ticket.number
                ),
                ticket_id=ticket.id,
                origin=ticket.number,
            )
            if missing:
                raise UserError(
                    self.env._(
                        "Opening a ticket under plan %(plan)s needs %(points)s "
                        "incident points; %(organization)s has %(available)s: "
                        "%(missing)s points are missing. Buy credits or a Support "
                        "Credit Card, then open the ticket again.",
                        plan=ticket.support_plan_id.name,
                        points=points,
                        organization=partner.display_name,
                        available=points - missing,
                        missing=missing,
                    )
                )
        for company, tickets in self.grouped("company_id").items():
            tickets.support_paying_partner_id._support_notify_low_balance(company)

    def _support_check_timesheet_access(self):
        """Time is logged only on a ticket the user may read: the time spends
        the ticket's organization's credits."""
        self.check_access("read")

    def _support_check_reopen(self):
        """A closed ticket may be reopened at no charge within 90 days of its
        closing; after that the customer is asked to open a new ticket
        (doc/rules.md, "Incident points")."""
        limit = fields.Datetime.now() - timedelta(days=90)
        for ticket in self:
            if ticket.closed and ticket.closed_date and ticket.closed_date < limit:
                raise UserError(
                    self.env._(
                        "Ticket %(ticket)s was closed on %(date)s, more than 90 days "
                        "ago: it cannot be reopened. Please open a new ticket (one "
                        "issue per ticket).",
                        ticket=ticket.display_name,
                        date=format_date(self.env, ticket.closed_date),
                    )
                )

    def _support_priority_levels(self, plan=None):
        """The priorities a customer chooses from, as ``[(key, name,
        definition)]``, most urgent first: worded by ``plan``, or by the
        ticket's plan (its copy) when it has one, else the standard wording."""
        if plan is None:
            plan = self.support_plan_id if self else self.env["support.plan"]
        lines = plan.sudo().sla_line_ids
        by_priority = {line.priority: line._level() for line in lines}
        return [
            (
                key,
                *(
                    by_priority.get(key)
                    or self.env["support.plan.sla"]._default_level(key)
                ),
            )
            for key, _label in sorted(TICKET_PRIORITIES, reverse=True)
        ]

    def _support_priority_level(self):
        """``(name, definition)`` of this ticket's priority."""
        self.ensure_one()
        return next(
            (
                (name, definition)
                for key, name, definition in self._support_priority_levels()
                if key == self.priority
            ),
            ("", ""),
        )

    def _support_portal_stages(self):
        """The stages the portal offers for this ticket (as helpdesk_mgmt's
        portal page computes them)."""
        self.ensure_one()
        if self.team_id:
            return self.team_id._get_applicable_stages()
        return (
            self.env["helpdesk.ticket.stage"]
            .sudo()
            .search(
                Domain("company_id", "in", [False, self.company_id.id])
                & Domain("team_ids", "=", False)
            )
        )

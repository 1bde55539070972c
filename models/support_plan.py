from odoo import api, fields, models
from odoo.exceptions import UserError


class SupportPlan(models.Model):
    _name = "support.plan"
    _description = "Support Plan"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        string="Company",
        index="btree_not_null",
        help="Leave empty to share the plan between all companies.",
    )
    sla_line_ids = fields.One2many(
        "support.plan.sla",
        "plan_id",
        string="SLA Targets",
        copy=True,
        help="First-response target per ticket priority. A priority without a "
        "line has no response target.",
    )
    resource_calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working Hours",
        check_company=True,
        help="Calendar on which response targets are counted, except for the "
        "priorities that run round the clock.",
    )
    credits_per_term = fields.Integer(
        string="Credits per Term",
        help="Credits included in each 12-month term of a contract under this plan "
        "(1 credit = 1 minute by default).",
    )
    metering = fields.Selection(
        [("minutes", "By the minute"), ("incident", "Per incident")],
        required=True,
        default="minutes",
        help="By the minute: logged time consumes credits minute for minute, "
        "after rounding. Per incident: opening a ticket consumes a fixed number "
        "of points.",
    )
    incident_points = fields.Integer(
        default=10,
        help="Credits deducted when a ticket opens, under per-incident metering.",
    )
    rounding_minutes = fields.Integer(
        string="Rounding (minutes)",
        default=1,
        help="Logged time is rounded up to a multiple of this number of minutes.",
    )
    renewal_mode = fields.Selection(
        [("automatic", "Automatic"), ("quotation", "Quotation")],
        required=True,
        default="quotation",
        help="How the contracts of this plan renew (the default of each new contract). "
        "Quotation: a renewal order is sent before expiry and coverage extends when it "
        "is confirmed. Automatic: the customer is told the contract renews on its "
        "expiry day, and on that day the order is confirmed and invoiced unless "
        "auto-renewal was turned off.",
    )
    max_support_hours = fields.Float(
        string="Maximum Support Hours per Term",
        digits=(16, 2),
        help="Covered support time of a contract term, over all its tickets, is capped "
        "at this many hours: time beyond is not covered (billed at the hourly product, "
        "like time no credits cover), even with credits left. The customer is told "
        "when 80% is used. 0: no cap. Tickets keep the cap of the plan when they "
        "opened.",
    )
    hourly_product_id = fields.Many2one(
        "product.product",
        string="Hourly Product",
        check_company=True,
        domain=[("type", "=", "service")],
        help="Service used to bill the time that no credits cover.",
    )
    sla_line_count = fields.Integer(
        compute="_compute_sla_line_count", string="SLA Targets Count"
    )

    _check_max_support_hours = models.Constraint(
        "CHECK(max_support_hours >= 0)",
        "The maximum support hours per term of a support plan cannot be negative.",
    )
    _check_credits_per_term = models.Constraint(
        "CHECK(credits_per_term >= 0)",
        "The credits per term of a support plan cannot be negative.",
    )
    _check_incident_points = models.Constraint(
        "CHECK(incident_points >= 0)",
        "The incident points of a support plan cannot be negative.",
    )
    _check_rounding_minutes = models.Constraint(
        "CHECK(rounding_minutes >= 1)",
        "The rounding of a support plan must be at least one minute.",
    )

    @api.depends("sla_line_ids")
    def _compute_sla_line_count(self):
        for plan in self:
            plan.sla_line_count = len(plan.sla_line_ids)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        used = (
            self.env["support.contract"]
            .sudo()
            .search([("plan_id", "in", self.ids)], limit=1)
            .plan_id
        )
        used = (
            used
            or self.env["product.template"]
            .sudo()
            .with_context(active_test=False)
            .search([("support_plan_id", "in", self.ids)], limit=1)
            .support_plan_id
        )
        if used:
            raise UserError(
                self.env._(
                    "Support plan %(plan)s is used by contracts or products and cannot "
                    "be deleted; archive it instead.",
                    plan=used.name,
                )
            )

    def _get_sla(self, priority):
        """Return the SLA line of this plan for a ticket ``priority`` (empty if
        none)."""
        self.ensure_one()
        return self.sla_line_ids.filtered(lambda line: line.priority == priority)[:1]

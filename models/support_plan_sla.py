from odoo import fields, models

# The ticket priorities of helpdesk_mgmt (helpdesk.ticket.priority).
TICKET_PRIORITIES = [
    ("0", "Low"),
    ("1", "Medium"),
    ("2", "High"),
    ("3", "Very High"),
]


class SupportPlanSla(models.Model):
    _name = "support.plan.sla"
    _description = "Support Plan SLA Target"
    _order = "plan_id, priority desc"

    plan_id = fields.Many2one(
        "support.plan", string="Plan", required=True, index=True, ondelete="cascade"
    )
    priority = fields.Selection(TICKET_PRIORITIES, required=True, default="1")
    response_hours = fields.Float(
        string="First Response (hours)",
        required=True,
        help="Time allowed for the first response of staff to the customer, in "
        "working hours of the plan's calendar unless the target runs round the clock.",
    )
    round_the_clock = fields.Boolean(
        string="24x7",
        help="Count the response time on every hour of every day (emergencies) "
        "instead of the plan's working hours.",
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True)

    _unique_plan_priority = models.Constraint(
        "UNIQUE(plan_id, priority)",
        "A support plan has one SLA target per ticket priority.",
    )
    _check_response_hours = models.Constraint(
        "CHECK(response_hours >= 0)",
        "The response time of an SLA target cannot be negative.",
    )

from odoo import api, fields, models

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
    name = fields.Char(
        string="Level Name",
        translate=True,
        help="How the plan names this priority for customers (e.g. Blocker, Severity "
        "1). Empty: the standard name.",
    )
    definition = fields.Text(
        translate=True,
        help="What this priority means, shown to customers when they open a ticket. "
        "Empty: the standard definition.",
    )
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

    def _level(self):
        """``(name, definition)`` of this priority as customers read it, in
        the language of the environment."""
        self.ensure_one()
        default_name, default_definition = self._default_level(self.priority)
        return self.name or default_name, self.definition or default_definition

    @api.model
    def _default_level(self, priority):
        """``(name, definition)`` of the standard wording of ``priority``, in
        the language of the environment.

        What each priority means, in writing (seed: Kolmisoft's ticket
        priorities). A plan's SLA line may word them its own way (name,
        definition): see ``_level``.
        """
        levels = {
            "3": (
                self.env._("Blocker"),
                self.env._(
                    "The system is down or severely degraded, or business "
                    "operations are critically impacted."
                ),
            ),
            "2": (self.env._("High"), self.env._("The system is degraded.")),
            "1": (
                self.env._("Medium"),
                self.env._(
                    "The system operation is impaired, yet generally functional."
                ),
            ),
            "0": (
                self.env._("Low"),
                self.env._(
                    "Configuration or planning assistance is requested to optimize "
                    "the system, including web interface usage and the like."
                ),
            ),
        }
        return levels[priority]

    _unique_plan_priority = models.Constraint(
        "UNIQUE(plan_id, priority)",
        "A support plan has one SLA target per ticket priority.",
    )
    _check_response_hours = models.Constraint(
        "CHECK(response_hours >= 0)",
        "The response time of an SLA target cannot be negative.",
    )

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    support_project_id = fields.Many2one(
        "project.project",
        string="Support Project",
        help="Project of the time logged on helpdesk tickets. Empty: the Support "
        "project created with the module.",
    )
    support_refund_validity_days = fields.Integer(
        string="Refunded Credits Validity (days)",
        default=90,
        help="Validity of the new lot granted when a bug refund goes back to a lot "
        "that has expired.",
    )
    support_low_balance_threshold = fields.Integer(
        string="Low Balance Threshold",
        default=60,
        help="An organization whose credit balance falls below this number receives "
        "one notice.",
    )

    support_credit_grant = fields.Selection(
        [
            ("confirm", "When the order is confirmed"),
            ("paid", "When the invoice is paid"),
        ],
        string="Grant Credits",
        required=True,
        default="confirm",
        help="When the credits of a sold support contract or credit pack (lots of the "
        "organization, or Support Credit Cards) become usable. Confirmed: at the "
        "order's confirmation. Paid: when the invoice billing the line is paid; a "
        "credit note of a paid invoice withdraws them again. Contracts and their terms "
        "are created at confirmation either way. Each order line keeps the choice in "
        "force when its order was confirmed: changing it never touches orders already "
        "confirmed.",
    )
    support_claim_address_limit = fields.Integer(
        string="Card Claim Failures per Address",
        default=30,
        help="Failed card claims allowed from one network address within 15 minutes "
        "(per user: 5). Colleagues behind one office address or proxy share it.",
    )
    support_renewal_notice_days = fields.Integer(
        string="Renewal Notice (days)",
        default=30,
        help="How many days before a contract's expiry its renewal is offered to the "
        "customer.",
    )
    support_renewal_reminder_days = fields.Char(
        string="Renewal Reminders (days before expiry)",
        default="7,1",
        help="Comma-separated days before expiry on which an unconfirmed renewal is "
        "recalled to the customer.",
    )

    _check_support_renewal_notice_days = models.Constraint(
        "CHECK(support_renewal_notice_days > 0)",
        "The renewal notice must be at least one day before expiry.",
    )
    _check_support_refund_validity_days = models.Constraint(
        "CHECK(support_refund_validity_days > 0)",
        "The validity of refunded credits must be at least one day.",
    )

    @api.constrains("support_renewal_reminder_days")
    def _check_support_renewal_reminder_days(self):
        for company in self:
            company._support_renewal_reminder_days()

    def _support_renewal_reminder_days(self):
        """The reminder days as a sorted list of positive whole numbers."""
        self.ensure_one()
        text = (self.support_renewal_reminder_days or "").replace(";", ",")
        try:
            days = sorted(
                {int(part) for part in text.split(",") if part.strip()}, reverse=True
            )
        except ValueError:
            days = None
        if days is None or any(day <= 0 for day in days):
            raise ValidationError(
                self.env._(
                    "Renewal reminders are days before expiry separated by commas, "
                    "e.g. 7,1 (got %(value)s).",
                    value=self.support_renewal_reminder_days,
                )
            )
        return days

    def _get_support_project(self):
        self.ensure_one()
        # Read for every timesheet line of a ticket: the xmlid's cached id,
        # without env.ref's query to check that the record still exists (a
        # deleted project takes its xmlid with it).
        return self.support_project_id or self.env["project.project"].browse(
            self.env["ir.model.data"]._xmlid_to_res_id(
                "support_contract.project_support", raise_if_not_found=False
            )
        )

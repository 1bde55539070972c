from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    support_kind = fields.Selection(
        [("contract", "Support Contract"), ("credit_pack", "Support Credits")],
        string="Support Product",
        help="Support Contract: each unit sold is one term of coverage of a deployment "
        "under the plan, with its credits.\nSupport Credits: each unit sold grants "
        "the credits below.",
    )
    support_plan_id = fields.Many2one(
        "support.plan",
        string="Support Plan",
        check_company=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    support_term_months = fields.Integer(
        string="Term (months)",
        default=12,
        help="Length of the coverage term one unit buys.",
    )
    support_credits = fields.Integer(
        string="Credits",
        help="Credits granted per term (support contract) or per unit (support "
        "credits). 1 credit = 1 minute by default.",
    )

    @api.constrains(
        "support_kind",
        "support_plan_id",
        "support_term_months",
        "support_credits",
        "type",
    )
    def _check_support_product(self):
        for product in self:
            if product.support_credits < 0:
                raise ValidationError(
                    self.env._(
                        "The credits of product %(product)s cannot be negative.",
                        product=product.display_name,
                    )
                )
            if not product.support_kind:
                continue
            if product.type != "service":
                raise ValidationError(
                    self.env._(
                        "The support product %(product)s must be a service.",
                        product=product.display_name,
                    )
                )
            if product.support_kind == "contract":
                if not product.support_plan_id:
                    raise ValidationError(
                        self.env._(
                            "The support contract product %(product)s needs a support "
                            "plan.",
                            product=product.display_name,
                        )
                    )
                if product.support_term_months <= 0:
                    raise ValidationError(
                        self.env._(
                            "The term of the support contract product %(product)s must "
                            "be at least one month.",
                            product=product.display_name,
                        )
                    )
            elif product.support_credits <= 0:
                raise ValidationError(
                    self.env._(
                        "The support credits product %(product)s must grant at least "
                        "one credit per unit.",
                        product=product.display_name,
                    )
                )

    @api.onchange("support_plan_id")
    def _onchange_support_plan_id(self):
        if self.support_kind == "contract" and self.support_plan_id:
            self.support_credits = self.support_plan_id.credits_per_term

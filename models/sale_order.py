from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command, Domain
from odoo.tools import format_date

from ..lib import planner


class SaleOrder(models.Model):
    _inherit = "sale.order"

    support_contract_ids = fields.Many2many(
        "support.contract",
        string="Support Contracts",
        compute="_compute_support_documents",
    )
    support_contract_count = fields.Integer(compute="_compute_support_documents")
    support_card_count = fields.Integer(compute="_compute_support_documents")
    support_needs_deployment = fields.Boolean(
        compute="_compute_support_needs_deployment",
        help="Technical: the order has support-contract lines.",
    )

    support_renewal_id = fields.Many2one(
        "support.contract.renewal",
        string="Renews",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The support contract renewal this order offers.",
    )
    support_uncovered = fields.Boolean(
        string="Uncovered Support Time",
        readonly=True,
        copy=False,
        index=True,
        help="This order bills the support time no credits covered (one open order per "
        "organization).",
    )

    @api.depends("order_line.support_term_ids", "order_line.support_card_ids")
    def _compute_support_documents(self):
        for order in self:
            order.support_contract_ids = order.order_line.support_term_ids.contract_id
            order.support_contract_count = len(order.support_contract_ids)
            order.support_card_count = len(order.order_line.support_card_ids)

    @api.depends("order_line.product_id")
    def _compute_support_needs_deployment(self):
        for order in self:
            order.support_needs_deployment = any(
                line.support_kind == "contract" for line in order.order_line
            )

    def _support_plan(self):
        """``{line: LinePlan}`` for the support-contract lines of these orders
        that name a deployment and are not confirmed yet, worked out by the one
        planner (``lib/planner.py``): several lines of one deployment extend
        one after another, in line order."""
        today = fields.Date.context_today(self)
        plans = {}
        for order in self:
            lines = order.order_line.filtered(
                lambda line: line.support_kind == "contract"
                and line.support_deployment_id
                and not line.support_processed
                and not line.display_type
            )
            requests = [
                (
                    line.support_deployment_id.id,
                    line._support_current_end(),
                    line._support_terms_quantity(),
                    line.product_id.product_tmpl_id.support_term_months,
                )
                for line in lines
            ]
            plans.update(zip(lines, planner.plan_lines(requests, today), strict=False))
        return plans

    def action_confirm(self):
        self.order_line._support_check_confirmation()
        return super().action_confirm()

    def _action_confirm(self):
        result = super()._action_confirm()
        self.order_line._support_apply_confirmation()
        return result

    def action_support_apply_deployment(self):
        """Open the wizard that sets one deployment on every support-contract line."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Apply Deployment to All Lines"),
            "res_model": "support.deployment.apply.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_order_id": self.id},
        }

    def action_view_support_contracts(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "support.contract",
            "view_mode": "list,form",
            "domain": [("id", "in", self.support_contract_ids.ids)],
            # last: Odoo's term extractor reads a "(" after a translated
            # string as another call to _() (the domain's tuple here)
            "name": self.env._("Support Contracts"),
        }

    def action_view_support_cards(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "support.credit.card",
            "view_mode": "list,form",
            "domain": [("sale_line_id.order_id", "=", self.id)],
            # last: Odoo's term extractor reads a "(" after a translated
            # string as another call to _() (the domain's tuple here)
            "name": self.env._("Support Credit Cards"),
        }

    # ------------------------------------------------------------------
    # Support Credit Cards (issue 4)
    # ------------------------------------------------------------------

    def _support_cards(self):
        return (
            self.env["support.credit.card"]
            .sudo()
            .search(
                Domain("sale_order_id", "in", self.ids),
                order="id",
            )
        )

    def action_print_support_cards(self):
        """Print the Support Credit Cards of the order (support staff)."""
        cards = self.env["support.credit.card"].search(
            Domain("sale_order_id", "in", self.ids),
            order="id",
        )
        if not cards:
            raise UserError(
                self.env._("This order has no Support Credit Card to print.")
            )
        return self.env.ref(
            "support_contract.support_credit_card_action_report"
        ).report_action(cards)

    def _support_describe_claimed(self, cards):
        """ "CARD (claimed by ORGANIZATION on DATE)" for each claimed card."""
        return [
            self.env._(
                "%(card)s (claimed by %(organization)s on %(date)s)",
                card=card.display_name,
                organization=card.sudo().claimed_partner_id.display_name,
                date=format_date(self.env, card.claim_date),
            )
            for card in cards
        ]

    def action_cancel(self):
        """The button: cancel, then tell the user at once when some of the
        orders' cards were already claimed (they stay claimed)."""
        result = super().action_cancel()
        if result is not True:
            return result
        claimed = self._support_cards().filtered(lambda card: card.state == "claimed")
        if not claimed:
            return result
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "title": self.env._("Some Support Credit Cards were already claimed"),
                "message": self.env._(
                    "They stay claimed: %(cards)s. The order's other cards are "
                    "cancelled.",
                    cards="; ".join(self._support_describe_claimed(claimed)),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _action_cancel(self):
        """Cancelling an order cancels its unclaimed cards (doc/rules.md, "Cards").

        A claimed card stays claimed: its credits belong to the organization
        that claimed it. The order's chatter says which cards were cancelled
        and which were already claimed (and by whom); the button
        (``action_cancel``) also tells the user at once. Returns what Odoo's
        ``_action_cancel`` returns.
        """
        cards = self._support_cards()
        result = super()._action_cancel()
        withdrawn = self.order_line._support_withdraw()
        if not cards and not withdrawn:
            return result
        cards.filtered(lambda c: c.state in ("active", "expired")).action_cancel()
        for order in self:
            order_cards = cards.filtered(
                lambda c, order=order: c.sale_order_id == order
            )
            cancelled = order_cards.filtered(lambda c: c.state == "cancelled")
            claimed = order_cards.filtered(lambda c: c.state == "claimed")
            lines = [
                self.env._(
                    "%(line)s: %(withdrawn)s credits withdrawn, %(consumed)s already "
                    "consumed (not withdrawn); the terms it paid no longer cover "
                    "%(deployment)s.",
                    line=line._support_line_label(),
                    withdrawn=amounts[0],
                    consumed=amounts[1],
                    deployment=line.support_deployment_id.display_name,
                )
                if line.support_deployment_id
                else self.env._(
                    "%(line)s: %(withdrawn)s credits withdrawn, %(consumed)s already "
                    "consumed (not withdrawn).",
                    line=line._support_line_label(),
                    withdrawn=amounts[0],
                    consumed=amounts[1],
                )
                for line, amounts in withdrawn.items()
                if line.order_id == order
            ]
            if cancelled:
                lines.append(
                    self.env._(
                        "Support Credit Cards cancelled with the order: %(cards)s.",
                        cards=", ".join(cancelled.mapped("display_name")),
                    )
                )
            if claimed:
                described = self._support_describe_claimed(claimed)
                lines.append(
                    self.env._(
                        "Already claimed, these cards stay claimed: %(cards)s.",
                        cards=", ".join(described),
                    )
                )
            if lines:
                order.message_post(body=Markup("<br/>").join(lines))
        return result

    @api.model
    def _support_uncovered_line(self, partner, company, product):
        """The order line billing ``product`` on the open uncovered-time order of
        ``partner`` (an organization) in ``company``; order and line are created
        (and the order confirmed, so that delivered time is invoiceable) when
        missing."""
        order = self.sudo().search(
            Domain("support_uncovered", "=", True)
            & Domain("partner_id", "=", partner.id)
            & Domain("company_id", "=", company.id)
            & Domain("state", "in", ["draft", "sent", "sale"])
            & Domain("locked", "=", False),
            order="id desc",
            limit=1,
        )
        line_vals = {
            "product_id": product.id,
            "product_uom_qty": 0,
            "support_uncovered": True,
        }
        if not order:
            order = (
                self.sudo()
                .with_company(company)
                .create(
                    {
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "support_uncovered": True,
                        # the customer reads it on the order: in their language
                        "origin": self.with_context(
                            lang=partner.lang or self.env.lang
                        ).env._("Uncovered support time"),
                        "order_line": [Command.create(line_vals)],
                    }
                )
            )
            order.action_confirm()
        line = order.order_line.filtered(
            lambda sol: sol.support_uncovered and sol.product_id == product
        )[:1]
        if not line:
            line = (
                self.env["sale.order.line"]
                .sudo()
                .create({**line_vals, "order_id": order.id})
            )
        return line

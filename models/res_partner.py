# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    support_credit_balance = fields.Integer(
        string="Support Credits",
        compute="_compute_support_credit_balance",
        groups="support_contract.group_support_user,sales_team.group_sale_salesman",
        help="Credits left in the unexpired lots of the organization.",
    )

    def _compute_support_credit_balance(self):
        # One grouped query for the whole recordset; contacts show the
        # balance of their organization.
        organizations = self.commercial_partner_id._origin
        today = fields.Date.context_today(self)
        balances = dict(
            self.env["support.credit.lot"]._read_group(
                [("partner_id", "in", organizations.ids), ("expiry_date", ">=", today)],
                ["partner_id"],
                ["remaining:sum"],
            )
        )
        for partner in self:
            partner.support_credit_balance = balances.get(partner.commercial_partner_id._origin, 0)

    def action_view_support_credit_lots(self):
        self.ensure_one()
        organization = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id("support_contract.action_support_credit_lot")
        action["display_name"] = self.env._("Credits of %s", organization.display_name)
        action["domain"] = [("partner_id", "=", organization.id)]
        action["context"] = {"search_default_filter_active": 1}
        return action

    def action_view_support_credit_moves(self):
        self.ensure_one()
        organization = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id("support_contract.action_support_credit_move")
        action["display_name"] = self.env._("Credit ledger of %s", organization.display_name)
        action["domain"] = [("partner_id", "=", organization.id)]
        action["context"] = {}
        return action

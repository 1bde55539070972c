# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models

# "Expiring soon" for an organization's credits: the portal, the ticket's banner,
# the low-balance notice and the statement (doc/rules.md, "Lots and expiry").
EXPIRING_SOON_DAYS = 30


class ResPartner(models.Model):
    _inherit = "res.partner"

    support_credit_balance = fields.Integer(
        string="Support Credits",
        compute="_compute_support_credit_balance",
        groups="support_contract.group_support_user,sales_team.group_sale_salesman",
        help="Credits left in the unexpired lots of the organization.",
    )

    support_deployment_count = fields.Integer(
        string="Deployments",
        compute="_compute_support_counts",
        groups="support_contract.group_support_user,sales_team.group_sale_salesman",
        help="Deployments the organization owns or co-owns.",
    )
    support_contract_count = fields.Integer(
        string="Support Contracts",
        compute="_compute_support_counts",
        groups="support_contract.group_support_user,sales_team.group_sale_salesman",
    )

    # Per company: credits, thresholds and notices are each company's own.
    support_low_balance_notified = fields.Boolean(
        string="Low Balance Notified",
        copy=False,
        company_dependent=True,
        groups="base.group_user",
        help="Technical: the organization's contacts were told its credits (in "
        "this company) run low; cleared once the balance is back above the "
        "threshold with nothing expiring soon.",
    )

    def _compute_support_counts(self):
        # One grouped query on deployments and one on contracts, whatever the
        # number of partners.
        organizations = self.commercial_partner_id._origin
        Deployment = self.env["support.deployment"]
        deployments = {}
        for deployment in Deployment.search_fetch(
            Deployment._held_by(organizations), ["partner_id", "coowner_ids"]
        ):
            for org in deployment.organization_ids & organizations:
                deployments[org] = deployments.get(org, 0) + 1
        contracts = dict(
            self.env["support.contract"]._read_group(
                [("partner_id", "in", organizations.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            org = partner.commercial_partner_id._origin
            partner.support_deployment_count = deployments.get(org, 0)
            partner.support_contract_count = contracts.get(org, 0)

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
            partner.support_credit_balance = balances.get(
                partner.commercial_partner_id._origin, 0
            )

    def _support_credit_balance_in(self, company):
        """The organization's balance in ``company`` alone: what remains in
        its unexpired lots of that company (read as superuser, whatever
        companies the current user works in)."""
        return self._support_credit_summary(company)["balance"]

    def _support_credit_summary(self, company=None):
        """The organization's credits in ``company`` (default: the current
        one), as its customer sees them: ``balance``, ``expiring`` (credits of
        the lots that expire within EXPIRING_SOON_DAYS days) and
        ``next_expiry`` (the soonest expiry of a lot holding credits). One
        grouped query, read as superuser."""
        self.ensure_one()
        company = company or self.env.company
        today = fields.Date.context_today(self)
        soon = today + timedelta(days=EXPIRING_SOON_DAYS)
        rows = (
            self.env["support.credit.lot"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "=", self.commercial_partner_id.id),
                    ("company_id", "=", company.id),
                    ("expiry_date", ">=", today),
                    ("remaining", ">", 0),
                ],
                ["expiry_date:day"],
                ["remaining:sum"],
            )
        )
        return {
            "balance": sum(total for _day, total in rows),
            "expiring": sum(total for day, total in rows if day <= soon),
            "next_expiry": min((day for day, _total in rows), default=False),
        }

    def _support_env(self):
        """An environment in the language of this organization, for what is
        written for it and kept: ledger reasons, lot names, notices. A reason
        is stored text, so it is written once, in its reader's language."""
        lang = self[:1].commercial_partner_id.lang
        return (
            self.with_context(lang=lang).env
            if lang and lang != self.env.lang
            else self.env
        )

    def _support_deployments(self):
        """The deployments these organizations own or co-own."""
        Deployment = self.env["support.deployment"]
        return Deployment.search(Deployment._held_by(self))

    def _support_action(self, xmlid, title, domain, context=None):
        """The action `xmlid`, limited to `domain`, titled for the organization."""
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["display_name"] = title
        action["domain"] = domain
        action["context"] = context or {}
        return action

    def action_view_support_credit_lots(self):
        self.ensure_one()
        organization = self.commercial_partner_id
        return self._support_action(
            "support_contract.support_credit_lot_action",
            self.env._("Credits of %s", organization.display_name),
            [("partner_id", "=", organization.id)],
            {"search_default_filter_active": 1},
        )

    def action_view_support_credit_moves(self):
        self.ensure_one()
        organization = self.commercial_partner_id
        return self._support_action(
            "support_contract.support_credit_move_action",
            self.env._("Credit ledger of %s", organization.display_name),
            [("partner_id", "=", organization.id)],
        )

    def action_view_support_deployments(self):
        self.ensure_one()
        organization = self.commercial_partner_id
        return self._support_action(
            "support_contract.support_deployment_action",
            self.env._("Deployments of %s", organization.display_name),
            [("organization_ids", "in", organization.ids)],
            {"default_partner_id": organization.id},
        )

    def action_view_support_contracts(self):
        self.ensure_one()
        organization = self.commercial_partner_id
        return self._support_action(
            "support_contract.support_contract_action",
            self.env._("Support contracts of %s", organization.display_name),
            [("partner_id", "=", organization.id)],
        )

    def action_open_support_credit_statement(self):
        """The Credit Statement dialog (the period to print) for the
        organization of this partner."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_contract.support_credit_statement_wizard_action"
        )
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    @api.model
    def _cron_support_notify_low_balance(self):
        """Daily: notify organizations whose credits expire soon
        (EXPIRING_SOON_DAYS) even when nothing is consumed (consumption checks
        the balance itself), in each company where they do."""
        today = fields.Date.context_today(self)
        expiring = (
            self.env["support.credit.lot"]
            .sudo()
            ._read_group(
                [
                    ("expiry_date", ">=", today),
                    ("expiry_date", "<=", today + timedelta(days=EXPIRING_SOON_DAYS)),
                    ("remaining", ">", 0),
                ],
                ["company_id"],
                ["partner_id:recordset"],
            )
        )
        for company, partners in expiring:
            partners.with_company(company)._support_notify_low_balance(company)

    def _support_notify_low_balance(self, company=None, outlooks=None):
        """Send one notice to the contacts of these organizations whose balance
        in ``company`` (the company where the credits were consumed; default:
        the current company) fell below that company's threshold, or whose
        credits in that company expire within EXPIRING_SOON_DAYS days. Not one
        per timesheet line: a flag (per company) remembers it was sent, and is
        cleared once the balance is healthy again. Credits of other companies
        count for nothing here.

        :param outlooks: ``{organization id: fifo.Outlook}``, what a
            consumption just read of the organizations' lots in ``company``
            (``support.credit.lot._consume_batch``): when it tells whether
            the credits run low and nothing is to be sent, nothing is summed.
        """
        company = company or self.env.company
        organizations = self.commercial_partner_id.sudo().with_company(company)
        if not organizations:
            return
        today = fields.Date.context_today(self)
        soon = today + timedelta(days=EXPIRING_SOON_DAYS)
        threshold = company.sudo().support_low_balance_threshold
        if outlooks:
            undecided = organizations.browse()
            for organization in organizations:
                outlook = outlooks.get(organization.id)
                low = outlook.is_low(threshold, soon) if outlook else None
                if low is None or (
                    low and not organization.support_low_balance_notified
                ):
                    undecided |= organization  # to sum, or to word the notice
                elif not low and organization.support_low_balance_notified:
                    organization.support_low_balance_notified = False
            organizations = undecided
            if not organizations:
                return
        Lot = self.env["support.credit.lot"].sudo()
        in_company = [
            ("partner_id", "in", organizations.ids),
            ("company_id", "=", company.id),
        ]
        lots = Lot._read_group(
            [*in_company, ("expiry_date", ">=", today)],
            ["partner_id"],
            ["remaining:sum"],
        )
        balances = dict(lots)
        with_lots = {
            partner for (partner,) in Lot._read_group(in_company, ["partner_id"])
        }
        expiring = {
            partner
            for (partner,) in Lot._read_group(
                [
                    *in_company,
                    ("expiry_date", ">=", today),
                    ("expiry_date", "<=", soon),
                    ("remaining", ">", 0),
                ],
                ["partner_id"],
            )
        }
        for organization in organizations:
            if organization not in with_lots:
                continue  # never had credits here: nothing "falls"
            balance = balances.get(organization, 0)
            low = balance < threshold or organization in expiring
            if not low:
                if organization.support_low_balance_notified:
                    organization.support_low_balance_notified = False
                continue
            if organization.support_low_balance_notified:
                continue
            contacts = (organization | organization.child_ids).filtered("email")
            # written for the customer: in the organization's language
            customer_env = self.with_context(
                lang=organization.lang or self.env.lang
            ).env
            if organization in expiring:
                body = customer_env._(
                    "Your support credits run low: %(balance)s credits left, some "
                    "expiring within %(days)s days. Buy a credit pack or renew your "
                    "contract to keep your tickets covered.",
                    balance=balance,
                    days=EXPIRING_SOON_DAYS,
                )
            else:
                body = customer_env._(
                    "Your support credits run low: %(balance)s credits left. Buy a "
                    "credit pack or renew your contract to keep your tickets covered.",
                    balance=balance,
                )
            organization.message_post(
                body=body,
                subject=customer_env._("Your support credits run low"),
                partner_ids=contacts.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            organization.support_low_balance_notified = True

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL, format_date

from ..lib import terms as term_math


def _reference_key(name):
    """How references compare: trimmed, case-insensitive."""
    return (name or "").strip().lower()


class SupportDeployment(models.Model):
    _name = "support.deployment"
    _description = "Deployment"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name, id"
    _check_company_auto = True
    _rec_names_search = ["name", "partner_id.name"]

    name = fields.Char(
        string="Reference",
        required=True,
        index="trigram",
        tracking=True,
        help="The serial number of the product or the deployment ID of the software "
        "installation. Unique per company (trimmed, case-insensitive).",
    )
    name_key = fields.Char(
        compute="_compute_name_key",
        store=True,
        precompute=True,
        readonly=True,
        string="Reference Key",
        help="Technical: the reference trimmed and lowercased, unique per company.",
    )
    kind = fields.Selection(
        [("serial", "Serial Number"), ("deployment", "Deployment ID")],
        required=True,
        default="deployment",
    )
    product_id = fields.Many2one(
        "product.product",
        string="Product",
        check_company=True,
        tracking=True,
        help="The product installed or deployed.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Owner",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
        help="The owner organization (always a company partner: a contact is "
        "replaced by its organization).",
    )
    coowner_ids = fields.Many2many(
        "res.partner",
        "support_deployment_coowner_rel",
        "deployment_id",
        "partner_id",
        string="Co-owners",
        check_company=True,
        tracking=True,
        help="Other organizations (a reseller, an integrator) that may open tickets "
        "on this deployment.",
    )
    organization_ids = fields.Many2many(
        "res.partner",
        string="Organizations",
        compute="_compute_organization_ids",
        search="_search_organization_ids",
        help="The organizations that hold this deployment: its owner and its "
        "co-owners. The one place that says who holds a deployment "
        '(doc/rules.md, "Words"): '
        "tickets, the picker, the portal's rules and the partner's counters use this "
        "field.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    contract_ids = fields.One2many(
        "support.contract", "deployment_id", string="Contracts"
    )
    contract_count = fields.Integer(compute="_compute_contract_count")
    coverage_start = fields.Date(
        compute="_compute_coverage",
        store=True,
        help="Start of the oldest term of its contracts.",
    )
    coverage_end = fields.Date(
        string="Expiry",
        compute="_compute_coverage",
        store=True,
        tracking=True,
        help="End of the latest term of its contracts (cancelled contracts aside).",
    )
    state = fields.Selection(
        [("never", "Never Covered"), ("covered", "Covered"), ("lapsed", "Lapsed")],
        string="Coverage",
        compute="_compute_state",
        search="_search_state",
    )
    note = fields.Html()

    _unique_reference_per_company = models.UniqueIndex(
        "(company_id, name_key)",
        "This reference is already used by another deployment of the company.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("name", "partner_id", "coverage_end")
    @api.depends_context("formatted_display_name", "lang")
    def _compute_display_name(self):
        """The reference; in a picker (``formatted_display_name``), also the
        owner and the coverage end, so that a sales rep picks the right one."""
        formatted = self.env.context.get("formatted_display_name")
        for deployment in self:
            name = deployment.name or ""
            if formatted and deployment.partner_id:
                until = (
                    self.env._(
                        "covered until %(date)s",
                        date=format_date(self.env, deployment.coverage_end),
                    )
                    if deployment.coverage_end
                    else self.env._("never covered")
                )
                name = (
                    f"{name}\t--{deployment.sudo().partner_id.display_name} · {until}--"
                )
            deployment.display_name = name

    @api.depends(
        "partner_id.commercial_partner_id", "coowner_ids.commercial_partner_id"
    )
    def _compute_organization_ids(self):
        for deployment in self:
            deployment.organization_ids = (
                deployment.partner_id.commercial_partner_id
                | deployment.coowner_ids.commercial_partner_id
            )

    def _search_organization_ids(self, operator, value):
        if operator != "in":
            return NotImplemented
        ids = [value] if isinstance(value, int) else list(value)
        return Domain("partner_id", "in", ids) | Domain("coowner_ids", "in", ids)

    @api.model
    def _held_by(self, organizations):
        """The domain of the deployments these organizations own or co-own."""
        return Domain("organization_ids", "in", organizations.commercial_partner_id.ids)

    @api.depends("name")
    def _compute_name_key(self):
        for deployment in self:
            deployment.name_key = _reference_key(deployment.name)

    @api.depends("contract_ids")
    def _compute_contract_count(self):
        counts = dict(
            self.env["support.contract"]._read_group(
                [("deployment_id", "in", self.ids)], ["deployment_id"], ["__count"]
            )
        )
        for deployment in self:
            deployment.contract_count = counts.get(deployment._origin, 0)

    @api.depends(
        "contract_ids.date_start", "contract_ids.date_end", "contract_ids.state"
    )
    def _compute_coverage(self):
        for deployment in self:
            contracts = deployment.contract_ids.filtered(
                lambda c: c.state != "cancelled"
            )
            starts = [d for d in contracts.mapped("date_start") if d]
            ends = [d for d in contracts.mapped("date_end") if d]
            deployment.coverage_start = min(starts) if starts else False
            deployment.coverage_end = max(ends) if ends else False

    @api.depends("coverage_end")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for deployment in self:
            if not deployment.coverage_end:
                deployment.state = "never"
            elif deployment.coverage_end >= today:
                deployment.state = "covered"
            else:
                deployment.state = "lapsed"

    def _search_state(self, operator, value):
        if operator != "in":
            return NotImplemented
        today = fields.Date.context_today(self)
        conditions = {
            "never": Domain("coverage_end", "=", False),
            "covered": Domain("coverage_end", ">=", today),
            "lapsed": Domain("coverage_end", "<", today),
        }
        return Domain.OR(conditions[state] for state in value if state in conditions)

    def _portal_owner_only_sentence(self):
        """Said to a co-owner, who sees the deployment's renewal but cannot
        change it."""
        self.ensure_one()
        return self.env._(
            "Only %(owner)s, the owner, can change its auto-renewal.",
            owner=self.sudo().partner_id.display_name,
        )

    def _support_current_contracts(self):
        """``{deployment id: contract}``: each deployment's current contract,
        the one of its contracts not cancelled that ends last (active, or
        lapsed when none is active), read in one query as superuser. A
        deployment without one is absent. Tickets bind it when it is active;
        the portal shows it, lapsed or not, with its renewal."""
        contracts = (
            self.env["support.contract"]
            .sudo()
            .search(
                Domain("deployment_id", "in", self.ids)
                & Domain("state", "!=", "cancelled"),
                order="date_end desc nulls last, id desc",
            )
        )
        current = {}
        for contract in contracts:
            current.setdefault(contract.deployment_id.id, contract)
        return current

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("name", "company_id")
    def _check_unique_reference(self):
        """Refuse a reference another deployment of the company already uses,
        naming that deployment. The unique index on (company_id, name_key) stays
        the guard against concurrent transactions."""
        self._check_reference_available(
            [
                (deployment.id, deployment.company_id.id, deployment.name)
                for deployment in self
            ]
        )

    @api.model
    def _check_companies_allowed(self, company_ids):
        """Refuse a company outside those the user works in (except as
        superuser): a deployment is created in, moved to, and its reference
        checked within, the user's companies only."""
        if self.env.su:
            return
        allowed = self.env.companies
        if foreign := {company_id for company_id in company_ids if company_id} - set(
            allowed.ids
        ):
            raise ValidationError(
                self.env._(
                    "A deployment can only belong to a company you work in "
                    "(%(allowed)s); the requested company (id %(company)s) is not one "
                    "of them.",
                    allowed=", ".join(allowed.mapped("name")),
                    company=", ".join(
                        str(company_id) for company_id in sorted(foreign)
                    ),
                )
            )

    @api.model
    def _check_reference_available(self, candidates):
        """Raise a ValidationError when one of ``candidates`` (``(id or None,
        company_id, reference)`` triples) reuses a reference of its company, or
        repeats one of the batch.

        The companies must be ones the user works in (checked first), so that
        only those companies' references are compared. The message names the
        existing deployment and its owner only when the user may read that
        deployment; otherwise it only says that the reference is taken.

        Reads the table without flushing pending writes: called from ``create``
        before the rows are inserted, and from the constraint after ``write``
        has updated the cache only, so that the database still holds the other
        deployments' references and the unique index has not fired yet.
        """
        self._check_companies_allowed(
            {company_id for _id, company_id, _reference in candidates}
        )
        keys = {}
        for record_id, company_id, reference in candidates:
            key = _reference_key(reference)
            if not key:
                raise ValidationError(
                    self.env._(
                        "A deployment needs a reference (serial number or deployment "
                        "ID)."
                    )
                )
            if (company_id, key) in keys:
                raise ValidationError(
                    self.env._(
                        "The reference “%(reference)s” is given twice (also as "
                        "“%(other)s”). References are unique per company, whatever "
                        "their case and surrounding spaces.",
                        reference=reference.strip(),
                        other=keys[company_id, key][1].strip(),
                    )
                )
            keys[company_id, key] = (record_id, reference)
        self.env.cr.execute(
            SQL(
                "SELECT id, company_id, name_key FROM %s "
                "WHERE name_key IN %s AND company_id IN %s ORDER BY id",
                SQL.identifier(self._table),
                tuple({key for _company, key in keys}),
                tuple({company for company, _key in keys}),
            )
        )
        for existing_id, company_id, key in self.env.cr.fetchall():
            if (company_id, key) not in keys:
                continue  # same reference, but in another company of the batch
            record_id, reference = keys[company_id, key]
            if record_id == existing_id:
                continue
            existing = self.browse(existing_id)
            if not existing.sudo(False).has_access("read"):
                raise ValidationError(
                    self.env._(
                        "The reference “%(reference)s” is already used by another "
                        "deployment of this company. References are unique per "
                        "company, whatever their case and surrounding spaces.",
                        reference=reference.strip(),
                    )
                )
            existing = existing.sudo()
            raise ValidationError(
                self.env._(
                    "The reference “%(reference)s” is already used by deployment "
                    "“%(existing)s” of %(owner)s in %(company)s. References are unique "
                    "per company, whatever their case and surrounding spaces.",
                    reference=reference.strip(),
                    existing=existing.name,
                    owner=existing.partner_id.display_name,
                    company=existing.company_id.name,
                )
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model
    def name_search(self, name="", domain=None, operator="ilike", limit=100):
        """In an order line's picker (``support_customer_id`` in the context),
        the deployments the order's customer owns or co-owns come first; the
        others follow, still searchable."""
        customer = self.env["res.partner"].browse(
            self.env.context.get("support_customer_id") or []
        )
        if not customer:
            return super().name_search(name, domain, operator, limit)
        own_domain = Domain(domain or Domain.TRUE) & self._held_by(customer)
        own = super().name_search(name, own_domain, operator, limit)
        rest = limit - len(own) if limit else None
        others = []
        if rest is None or rest > 0:
            others_domain = Domain(domain or Domain.TRUE) & Domain(
                "id", "not in", [record_id for record_id, _name in own]
            )
            others = super().name_search(name, others_domain, operator, rest)
        return own + others

    @api.model_create_multi
    def create(self, vals_list):
        # a deployment created from an order line gets the customer (a contact)
        # as default owner: its organization owns it
        default_owner = self.env.context.get("default_partner_id")
        vals_list = [
            self._normalize_vals(
                {"partner_id": default_owner, **vals} if default_owner else vals
            )
            for vals in vals_list
        ]
        default_company = (
            self.env.context.get("default_company_id") or self.env.company.id
        )
        self._check_reference_available(
            [
                (None, vals.get("company_id") or default_company, vals.get("name"))
                for vals in vals_list
            ]
        )
        deployments = super().create(vals_list)
        deployments._normalize_coowners()
        return deployments

    def write(self, vals):
        if "company_id" in vals:
            self._check_companies_allowed({vals["company_id"]})
        res = super().write(self._normalize_vals(vals))
        if "coowner_ids" in vals:
            self._normalize_coowners()
        return res

    @api.model
    def _normalize_vals(self, vals):
        """Trim the reference and store the owner's organization."""
        vals = dict(vals)
        if isinstance(vals.get("name"), str):
            vals["name"] = vals["name"].strip()
        if vals.get("partner_id"):
            vals["partner_id"] = (
                self.env["res.partner"]
                .browse(vals["partner_id"])
                .commercial_partner_id.id
            )
        return vals

    @api.ondelete(at_uninstall=False)
    def _unlink_except_contracted(self):
        contracted = self.filtered("contract_ids")
        if contracted:
            raise UserError(
                self.env._(
                    "Deployment %(deployment)s has support contracts and cannot be "
                    "deleted.",
                    deployment=contracted[0].name,
                )
            )

    def _normalize_coowners(self):
        """Co-owners are organizations too: replace contacts by their
        organization (written past this model's ``write``, which calls this).

        :return: the deployments whose co-owners were replaced
        """
        replaced = self.browse()
        for deployment in self:
            organizations = deployment.coowner_ids.commercial_partner_id
            if organizations != deployment.coowner_ids:
                super(SupportDeployment, deployment).write(
                    {"coowner_ids": [Command.set(organizations.ids)]}
                )
                replaced |= deployment
        return replaced

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_view_contracts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_contract.support_contract_action"
        )
        action["domain"] = [("deployment_id", "=", self.id)]
        action["context"] = {
            "default_deployment_id": self.id,
            "default_partner_id": self.partner_id.id,
        }
        if len(self.contract_ids) == 1:
            action.update(views=[(False, "form")], res_id=self.contract_ids.id)
        return action

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _get_renewal_periods(self, order_date, term_months=12, terms=None):
        """Return the ``(date_start, date_end)`` of the terms an order placed on
        ``order_date`` buys for this deployment (doc/rules.md, "Continuity and
        catch-up"): ``terms`` terms, or by default the catch-up number that
        brings the expiry past ``order_date``.
        """
        self.ensure_one()
        coverage_end = self.coverage_end or None
        if terms is None:
            terms = term_math.catch_up_terms(coverage_end, order_date, term_months)
        return term_math.term_periods(coverage_end, order_date, terms, term_months)

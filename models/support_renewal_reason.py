# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class SupportRenewalReason(models.Model):
    """Why a customer turned auto-renewal off: a list managers edit, offered
    in the backend and in the portal."""

    _name = "support.renewal.reason"
    _description = "Renewal Decline Reason"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

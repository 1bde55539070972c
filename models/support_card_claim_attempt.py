# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import hmac

# Throttle (DOMAIN.md rule 13): this many failed attempts within the window,
# by one user or from one address, refuse further attempts until the window
# has passed for the oldest of them.
THROTTLE_MAX_FAILURES = 5
THROTTLE_WINDOW = timedelta(minutes=15)
# Attempts are kept this long, then deleted by the autovacuum.
RETENTION = timedelta(days=30)

_HMAC_SCOPE = "support_contract.card_claim"

CLAIM_REASONS = [
    ("success", "Claimed"),
    ("unknown", "Unknown code"),
    ("expired", "Expired card"),
    ("cancelled", "Cancelled card"),
    ("claimed", "Already claimed"),
    ("throttled", "Too many failed attempts"),
]


class SupportCardClaimAttempt(models.Model):
    """One attempt to claim a Support Credit Card, successful or not.

    The code is never stored in clear: only its HMAC (keyed with the
    database secret), so that attempts at one code can be told apart without
    the table revealing any code. Attempts feed the throttle and are deleted
    after 30 days.
    """

    _name = "support.card.claim.attempt"
    _description = "Support Credit Card Claim Attempt"
    _order = "date desc, id desc"
    _rec_name = "date"

    date = fields.Datetime(
        required=True,
        readonly=True,
        default=fields.Datetime.now,
        help="When the code was entered (the throttle window counts from here).",
    )
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="User",
        readonly=True,
        ondelete="cascade",
        help="User who entered the code.",
    )
    remote_addr = fields.Char(string="Remote Address", readonly=True)
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="For Organization",
        readonly=True,
        ondelete="cascade",
    )
    code_hash = fields.Char(
        readonly=True,
        help="HMAC-SHA256 of the normalized code, keyed with the database secret.",
    )
    card_id = fields.Many2one(
        comodel_name="support.credit.card",
        string="Card",
        readonly=True,
        ondelete="set null",
        help="The card claimed (set on success only).",
    )
    success = fields.Boolean(readonly=True)
    reason = fields.Selection(selection=CLAIM_REASONS, required=True, readonly=True)

    _user_date_idx = models.Index("(user_id, date) WHERE success IS NOT TRUE")
    _remote_addr_date_idx = models.Index("(remote_addr, date) WHERE success IS NOT TRUE")

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _hash_code(self, raw_code):
        """HMAC-SHA256 of a normalized code, keyed with ``database.secret``."""
        return hmac(self.env(su=True), _HMAC_SCOPE, raw_code or "")

    @api.model
    def _throttle_domain(self, user, remote_addr, now):
        """Counted failures of ``user`` or from ``remote_addr`` in the window.

        Refused (throttled) attempts do not count: hammering the form while
        blocked does not push the end of the block further.
        """
        who = Domain("user_id", "=", user.id)
        if remote_addr:
            who |= Domain("remote_addr", "=", remote_addr)
        return (
            who
            & Domain("success", "=", False)
            & Domain("reason", "!=", "throttled")
            & Domain("date", ">", now - THROTTLE_WINDOW)
        )

    @api.model
    def _throttled_until(self, user, remote_addr=None):
        """Return when ``user`` (from ``remote_addr``) may try again, or False.

        Blocked while either the user or the address has
        ``THROTTLE_MAX_FAILURES`` failures in the window; the block ends when
        the oldest of the last ``THROTTLE_MAX_FAILURES`` failures leaves it.
        """
        now = fields.Datetime.now()
        Attempt = self.sudo()
        until = False
        keys = [("user_id", user.id)]
        if remote_addr:
            keys.append(("remote_addr", remote_addr))
        base = self._throttle_domain(user, remote_addr, now)
        for fname, value in keys:
            failures = Attempt.search_fetch(
                base & Domain(fname, "=", value), ["date"],
                order="date desc, id desc", limit=THROTTLE_MAX_FAILURES,
            )
            if len(failures) >= THROTTLE_MAX_FAILURES:
                ends = failures[-1].date + THROTTLE_WINDOW
                until = max(until, ends) if until else ends
        return until

    @api.model
    def _record(self, user, remote_addr, raw_code, reason, partner=None, card=None):
        """Record one attempt (as superuser: the claimer has no access here)."""
        return self.sudo().create({
            "user_id": user.id,
            "remote_addr": remote_addr or False,
            "partner_id": partner.commercial_partner_id.id if partner else False,
            "code_hash": self._hash_code(raw_code),
            "card_id": card.id if card else False,
            "success": reason == "success",
            "reason": reason,
        })

    @api.autovacuum
    def _gc_old_attempts(self):
        """Delete the attempts older than the retention period (30 days)."""
        limit = fields.Datetime.now() - RETENTION
        self.sudo().search(Domain("date", "<", limit)).unlink()

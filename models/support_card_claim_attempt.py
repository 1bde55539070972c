# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL, hmac

# Throttle (doc/rules.md, "Cards"): this many failed attempts within the window,
# by one user or from one address, refuse further attempts until the window
# has passed for the oldest of them.
THROTTLE_MAX_FAILURES = 5
# Failures from one address, by default (company setting).
THROTTLE_ADDRESS_DEFAULT = 30
THROTTLE_WINDOW = timedelta(minutes=15)
# While blocked, at most this many refusals are recorded per window, per user
# and per address: hammering a blocked form does not grow the table.
THROTTLE_MAX_REFUSALS_RECORDED = THROTTLE_MAX_FAILURES
# Attempts are kept this long, then deleted by the autovacuum.
RETENTION = timedelta(days=30)
# Transaction-level advisory locks (pg_advisory_xact_lock(key1, key2)) that
# serialize the throttle of one user and of one address: key1 says which.
_LOCK_USER = 0x53430001
_LOCK_ADDRESS = 0x53430002

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
    company_id = fields.Many2one(
        comodel_name="res.company",
        string="Company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
        help="The card's company, or the company the user was working in when "
        "the code matched no card.",
    )

    _user_date_idx = models.Index("(user_id, date) WHERE success IS NOT TRUE")
    _remote_addr_date_idx = models.Index(
        "(remote_addr, date) WHERE success IS NOT TRUE"
    )

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
        return (
            self._throttle_who(user, remote_addr)
            & Domain("success", "=", False)
            & Domain(
                "reason",
                "!=",
                "throttled",
            )
            & Domain("date", ">", now - THROTTLE_WINDOW)
        )

    @api.model
    def _throttle_who(self, user, remote_addr):
        who = Domain("user_id", "=", user.id)
        if remote_addr:
            who |= Domain("remote_addr", "=", remote_addr)
        return who

    @api.model
    def _lock_throttle(self, user, remote_addr=None):
        """Serialize the claims of ``user`` and of ``remote_addr`` until the
        end of the transaction (advisory locks, released at commit/rollback).

        Always the user's lock first, then the address's: no two claims can
        wait for each other in a cycle.
        """
        locks = [SQL("pg_advisory_xact_lock(%s, %s)", _LOCK_USER, user.id)]
        if remote_addr:
            locks.append(
                SQL(
                    "pg_advisory_xact_lock(%s, hashtext(%s))",
                    _LOCK_ADDRESS,
                    remote_addr,
                )
            )
        for lock in locks:
            self.env.cr.execute(SQL("SELECT %s", lock))

    @api.model
    def _search_throttle(self, domain, limit=None):
        """``(id, date)`` of the attempts matching ``domain``, newest first:
        those this transaction sees, and those committed since it started.

        Odoo's transactions are REPEATABLE READ: a claim that waited on the
        throttle lock still sees the database as it was when its transaction
        began, without the attempts the lock holder has since committed. A
        fresh cursor, opened once the lock is held, sees them.
        """
        order = "date desc, id desc"
        rows = {
            attempt.id: attempt.date
            for attempt in self.sudo().search_fetch(
                domain, ["date"], order=order, limit=limit
            )
        }
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            rows.update(
                (attempt.id, attempt.date)
                for attempt in env[self._name].search_fetch(
                    domain, ["date"], order=order, limit=limit
                )
            )
        found = sorted(rows.items(), key=lambda row: (row[1], row[0]), reverse=True)
        return found[:limit] if limit else found

    @api.model
    def _throttled_until(self, user, remote_addr=None):
        """Return when ``user`` (from ``remote_addr``) may try again, or False.

        Blocked while the user has ``THROTTLE_MAX_FAILURES`` failures in the
        window, or the address has the company's address limit (default 30);
        the block ends when the oldest of those failures leaves the window.
        The address is the client's as Odoo's proxy mode gives it: a
        forwarded header is trusted only behind a proxy (``--proxy-mode``).

        Takes the throttle locks of the user and of the address first, and
        counts what every earlier claim of theirs committed: claims sent in
        parallel are counted one after the other and cannot exceed the limit
        (the caller records its attempt in the same transaction, under the
        same locks).
        """
        self._lock_throttle(user, remote_addr)
        now = fields.Datetime.now()
        until = False
        keys = [("user_id", user.id)]
        if remote_addr:
            keys.append(("remote_addr", remote_addr))
        base = self._throttle_domain(user, remote_addr, now)
        limits = {
            "user_id": THROTTLE_MAX_FAILURES,
            "remote_addr": self._address_limit(),
        }
        for fname, value in keys:
            limit = limits[fname]
            failures = self._search_throttle(
                base & Domain(fname, "=", value), limit=limit
            )
            if len(failures) >= limit:
                ends = failures[-1][1] + THROTTLE_WINDOW
                until = max(until, ends) if until else ends
        return until

    @api.model
    def _address_limit(self):
        """Failures allowed from one address in the window: many more than per
        user (colleagues behind one office address or proxy share it, and one
        user's typing mistakes must never block them). A company setting."""
        return max(
            self.env.company.support_claim_address_limit or THROTTLE_ADDRESS_DEFAULT, 1
        )

    @api.model
    def _should_record_refusal(self, user, remote_addr=None):
        """Whether a throttled refusal is still worth a row: at most
        ``THROTTLE_MAX_REFUSALS_RECORDED`` refusals of the user, or from the
        address, are recorded per window. Called under the throttle locks."""
        now = fields.Datetime.now()
        domain = (
            self._throttle_who(user, remote_addr)
            & Domain("reason", "=", "throttled")
            & Domain("date", ">", now - THROTTLE_WINDOW)
        )
        return (
            len(self._search_throttle(domain, limit=THROTTLE_MAX_REFUSALS_RECORDED))
            < THROTTLE_MAX_REFUSALS_RECORDED
        )

    @api.model
    def _record(
        self, user, remote_addr, raw_code, reason, partner=None, card=None, company=None
    ):
        """Record one attempt (as superuser: the claimer has no access here).

        The attempt belongs to ``company``, else to ``card``'s company (the
        card is set on success only), else to the company the user works in.
        """
        company = company or (card.company_id if card else None) or self.env.company
        return self.sudo().create(
            {
                "user_id": user.id,
                "remote_addr": remote_addr or False,
                "partner_id": partner.commercial_partner_id.id if partner else False,
                "code_hash": self._hash_code(raw_code),
                "card_id": card.id if card else False,
                "success": reason == "success",
                "reason": reason,
                "company_id": company.id,
            }
        )

    @api.autovacuum
    def _gc_old_attempts(self):
        """Delete the attempts older than the retention period (30 days)."""
        limit = fields.Datetime.now() - RETENTION
        self.sudo().search(Domain("date", "<", limit)).unlink()

# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Claiming a Support Credit Card: who may claim, the throttle, the locked
card, the lot it becomes, what the claimer and the buyer are told.

The claim is an extension of ``support.credit.card`` (``_inherit``), not a
method of ``support.card.claim.attempt``:

- every caller asks the card model to claim a code (the portal's
  ``/my/support/cards/claim``, the managers' *Claim a Card* wizard, the
  tests, integrations): ``env["support.credit.card"]._claim_code(code,
  partner, remote_addr)``, and gets a :class:`ClaimResult`;
- what a claim changes is the card (claimed, through ``_mark_claimed`` and
  its write token, in support_credit_card.py) and the ledger (a lot), never
  an attempt: an attempt is only the record the throttle counts, written
  whatever the outcome, and its model keeps the throttle's own arithmetic
  (windows, limits, advisory locks, HMAC of the code).

support_credit_card.py keeps what a card *is* (its code, fields, guards,
issue, expiry, mail); this file keeps what claiming it *does*.
"""

from dataclasses import dataclass
from datetime import datetime

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import format_date, format_datetime

from ..lib import card_code
from .row_lock import lock_rows


@dataclass
class ClaimResult:
    """What a claim attempt came to, for the caller (controller, wizard) to show.

    ``reason`` is ``"success"`` or the failure's reason (see
    ``support.card.claim.attempt``); ``message`` is the translated text to
    show; on success ``card`` and ``lot`` are set and ``balance`` is the
    organization's new credit balance; when throttled, ``retry_at`` is when
    the next attempt will be accepted (UTC).
    """

    success: bool
    reason: str
    message: str
    card: models.BaseModel | None = None
    lot: models.BaseModel | None = None
    balance: int | None = None
    retry_at: datetime | None = None


class SupportCreditCard(models.Model):
    _inherit = "support.credit.card"

    @api.model
    def _check_claim_rights(self, partner):
        """Portal users claim for their own organization; Support Managers for any."""
        if not partner:
            raise UserError(self.env._("Choose the organization that claims the card."))
        user = self.env.user
        if self.env.su or user.has_group("support_contract.group_support_manager"):
            return
        if partner.commercial_partner_id != user.partner_id.commercial_partner_id:
            raise AccessError(
                self.env._(
                    "You can only claim a Support Credit Card for your own "
                    "organization."
                )
            )

    @api.model
    def _claim_failure_message(self, reason, card=None, retry_at=None):
        if reason == "throttled":
            minutes = max(
                1, -(-int((retry_at - fields.Datetime.now()).total_seconds()) // 60)
            )
            tz = self.env.user.tz or "UTC"
            return self.env._(
                "Too many failed attempts to claim a card. For your security, new "
                "attempts are refused for %(minutes)s minute(s): try again after "
                "%(time)s (%(tz)s).",
                minutes=minutes,
                time=format_datetime(
                    self.env, retry_at, tz=tz, dt_format="yyyy-MM-dd HH:mm"
                ),
                tz=tz,
            )
        if reason == "expired":
            return self.env._(
                "This card expired on %(date)s: its credits can no longer be claimed.",
                date=format_date(self.env, card.expiry_date),
            )
        if reason == "cancelled":
            return self.env._(
                "This card has been cancelled: its credits can no longer be claimed. "
                "Please contact the company that sold it."
            )
        if reason == "claimed":
            return self.env._("This card has already been claimed.")
        return self.env._(
            "This code is not valid. Check that you typed its %(length)s characters "
            "as printed on the card (dashes and spaces do not matter).",
            length=card_code.CODE_LENGTH,
        )

    @api.model
    def _claim_code(self, code, partner, remote_addr=None):
        """Claim the card of ``code`` for ``partner``'s organization.

        The claim runs for the current user (a portal user for their own
        organization, a Support Manager for any). It never raises on a bad
        code: the attempt is recorded and the failure is returned, so that
        the attempt record survives the request. A failure writes nothing
        else. On success the card is marked claimed, its credits become a lot
        of the organization (same expiry), the buyer is notified and the new
        balance is returned.

        :param str code: the code as typed (case, spaces and dashes ignored).
        :param partner: the claiming organization (or one of its contacts).
        :param str remote_addr: the client's address, for the throttle.
        :rtype: ClaimResult
        """
        self._check_claim_rights(partner)
        user = self.env.user
        Attempt = self.env["support.card.claim.attempt"]
        raw = card_code.normalize_code(code)

        def fail(reason, card=None, retry_at=None):
            # A blocked client's refusals are recorded a bounded number of
            # times per window (under the throttle locks taken below).
            if reason != "throttled" or Attempt._should_record_refusal(
                user, remote_addr
            ):
                Attempt._record(
                    user,
                    remote_addr,
                    raw,
                    reason,
                    partner=partner,
                    company=card.company_id if card else None,
                )
            return ClaimResult(
                success=False,
                reason=reason,
                retry_at=retry_at,
                message=self._claim_failure_message(
                    reason, card=card, retry_at=retry_at
                ),
            )

        # The throttle comes before any lookup: a blocked client learns nothing.
        # It locks the user's and the address's attempts until this
        # transaction ends, so that claims sent in parallel are counted one
        # after the other and cannot exceed the limit together.
        if retry_at := Attempt._throttled_until(user, remote_addr):
            return fail("throttled", retry_at=retry_at)
        card = (
            self.sudo().search(Domain("code", "=", raw), limit=1)
            if card_code.is_well_formed(raw)
            else None
        )
        if not card:
            return fail("unknown")

        # Of two simultaneous claims, the second waits here for the first to
        # commit. Its transaction (repeatable read) then fails to serialize
        # and Odoo retries the request, which finds the card claimed; a
        # transaction that starts after the first commits finds it claimed
        # right away.
        lock_rows(card)
        if card.state == "active" and card.expiry_date < fields.Date.context_today(
            self
        ):
            return fail("expired", card)  # the expiry cron has not run yet
        if card.state != "active":
            return fail(card.state, card)

        organization = partner.commercial_partner_id
        lot = card._claim(organization, user)
        Attempt._record(
            user, remote_addr, raw, "success", partner=organization, card=card
        )
        return ClaimResult(
            success=True,
            reason="success",
            card=card,
            lot=lot,
            # the balance the lot joined: the organization's in the card's
            # company, whatever company the user works in
            balance=organization._support_credit_balance_in(card.company_id),
            message=self.env._(
                "The card's %(credits)s credits now belong to %(organization)s.",
                credits=card.credits,
                organization=organization.display_name,
            ),
        )

    def _claim(self, partner, user=None):
        """Claim this active card for ``partner``'s organization: mark it
        claimed, turn its credits into a lot of the organization (same
        expiry) and tell the buyer. The caller has checked the code, the
        rights and the throttle, and locked the card row (``_claim_code``);
        the demo data calls it directly.

        :return: the new lot.
        """
        self.ensure_one()
        organization = partner.commercial_partner_id
        self._mark_claimed(organization, user)
        lot = (
            self.env["support.credit.lot"]
            .sudo()
            ._grant(
                organization,
                self.credits,
                self.expiry_date,
                organization._support_env()._(
                    "Claimed %(card)s", card=self.display_name
                ),
                card_id=self.id,
                company_id=self.company_id.id,
                origin=self.display_name,
            )
        )
        self._notify_claimed()
        return lot

    def _notify_claimed(self):
        """Tell the buyer organization that its card was claimed (never the code).

        The buyer learns the claiming organization, never the claiming person:
        the message is posted by the superuser in the name of the card's
        company, not by the user who entered the code.
        """
        for card in self.with_user(SUPERUSER_ID):
            recipients = card._buyer_recipients() | card.buyer_partner_id
            buyer = card.buyer_partner_id
            card = card.with_context(
                lang=buyer.lang or card.env.lang,
                tz=buyer.tz or card.env.context.get("tz"),
            )
            card.message_post(
                author_id=card.company_id.partner_id.id,
                body=card.env._(
                    "%(card)s (%(credits)s credits) was claimed by %(organization)s on "
                    "%(date)s.",
                    card=card.display_name,
                    credits=card.credits,
                    organization=card.claimed_partner_id.display_name,
                    date=format_datetime(
                        card.env,
                        card.claim_date,
                        tz=buyer.tz or False,
                        dt_format="yyyy-MM-dd HH:mm",
                    ),
                ),
                partner_ids=recipients.ids,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )

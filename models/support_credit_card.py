# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

from ..lib import card_code
from ..lib.quantity import is_whole
from .protected_fields import check_protected_write, field_labels

# Only `_mark_claimed` may write the claim fields and move a card to (or out
# of) the `claimed` state. It passes this token object in the context under
# CLAIM_CONTEXT_KEY: a context sent over RPC is JSON, so no client can forge it.
# The claim itself (rights, throttle, the locked card, the lot) is in
# support_credit_card_claim.py.
CLAIM_CONTEXT_KEY = "support_credit_card_claim"
_CLAIM_TOKEN = object()

CARD_STATES = [
    ("active", "Active"),
    ("claimed", "Claimed"),
    ("expired", "Expired"),
    ("cancelled", "Cancelled"),
]


class SupportCreditCard(models.Model):
    _name = "support.credit.card"
    _inherit = ["mail.thread"]
    _description = "Support Credit Card"
    _order = "id desc"
    _check_company_auto = True

    # Fields set once at creation, never written afterwards.
    _IMMUTABLE_FIELDS = ("code", "credits", "buyer_partner_id")
    # Fields only the claim (`_mark_claimed`) writes.
    _CLAIM_FIELDS = ("claimed_partner_id", "claim_date", "claimed_by_user_id")
    # Fields the sale rules write as superuser, never a user.
    _RULE_FIELDS = ("replaced_by_id",)

    # The code is the bearer's secret: only support staff read it in the
    # backend (the buyer's portal reads it with sudo, after an ownership check).
    code = fields.Char(
        string="Raw Code",
        required=True,
        readonly=True,
        copy=False,
        groups="support_contract.group_support_user",
        help="Raw secret code (without dashes). Whoever knows it can claim the card.",
    )
    code_display = fields.Char(
        string="Code",
        compute="_compute_code_display",
        search="_search_code_display",
        groups="support_contract.group_support_user",
    )
    credits = fields.Integer(
        required=True,
        tracking=True,
        help="Credits the card turns into when claimed (1 credit = 1 minute by "
        "default).",
    )
    expiry_date = fields.Date(
        required=True,
        tracking=True,
        default=lambda self: fields.Date.context_today(self) + relativedelta(months=12),
        help="An unclaimed card expires after this date.",
    )
    state = fields.Selection(
        selection=CARD_STATES,
        string="Status",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
        default="active",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    buyer_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Buyer",
        index="btree_not_null",
        check_company=True,
        help="Organization that bought the card.",
    )
    claimed_partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Claimed By",
        readonly=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
        help="Organization that claimed the card.",
    )
    claim_date = fields.Datetime(readonly=True, copy=False)
    # Staff only: the buyer learns which organization claimed its card, never
    # which person (portal users read cards, so the field is not theirs).
    claimed_by_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Claimed by User",
        readonly=True,
        copy=False,
        groups="base.group_user",
        help="User who entered the code.",
    )
    sale_line_id = fields.Many2one(
        comodel_name="sale.order.line",
        string="Order Line",
        index="btree_not_null",
        copy=False,
        check_company=True,
        ondelete="restrict",
    )
    sale_order_id = fields.Many2one(
        comodel_name="sale.order",
        string="Order",
        related="sale_line_id.order_id",
        store=True,
        index="btree_not_null",
    )
    # Written by the sale rules alone (`sale.order.line._support_reinstate`,
    # `support.invoice.credit._withdraw_from_grant`): a cancelled card is
    # replaced at most once.
    replaced_by_id = fields.Many2one(
        comodel_name="support.credit.card",
        string="Replaced By",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The card issued in place of this cancelled one: when its cancelled "
        "order was confirmed again (same credits), or for what a credit note "
        "left of its credits.",
    )

    _code_unique = models.Constraint(
        "UNIQUE(code)",
        "A Support Credit Card code must be unique.",
    )
    _credits_positive = models.Constraint(
        "CHECK(credits > 0)",
        "A Support Credit Card must carry a positive number of credits.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("code")
    def _compute_code_display(self):
        for card in self:
            card.code_display = card_code.format_code(card.code)

    def _search_code_display(self, operator, value):
        if operator not in ("=", "ilike", "in"):
            return NotImplemented
        if operator == "in":
            return Domain(
                "code", "in", [card_code.normalize_code(v) for v in value if v]
            )
        normalized = card_code.normalize_code(value)
        return Domain("code", "=" if operator == "=" else "ilike", normalized)

    @api.depends("code")
    @api.depends_context("lang")
    def _compute_display_name(self):
        # Names end up in logs and in the chatter of other records: they show
        # only the last group of the code, never the secret itself.
        for card, card_sudo in zip(self, self.sudo(), strict=False):
            tail = card_code.last_group(card_sudo.code)
            card.display_name = (
                self.env._("Card …%(tail)s", tail=tail)
                if tail
                else self.env._("New Card")
            )

    @api.model
    def _search_display_name(self, operator, value):
        """Match cards on the last group of their code, the part their name shows.

        Nothing longer is compared, so a search by name tells nobody more of a
        code than the card's name already does (support staff search the full
        code through ``code_display``).
        """
        if operator not in ("ilike", "=", "=ilike") or not isinstance(value, str):
            return NotImplemented
        tail = card_code.normalize_code(value.replace("\u2026", "").replace("...", ""))
        prefix = card_code.normalize_code(self.env._("Card"))
        if prefix and tail.startswith(prefix):
            tail = tail[len(prefix) :]
        if not tail:
            return Domain.TRUE if operator == "ilike" else Domain.FALSE
        if len(tail) > card_code.GROUP_SIZE:
            return Domain.FALSE
        pattern = f"%{tail}%" if operator == "ilike" else tail
        # `code` is readable by support staff only: compare its last group as
        # superuser; the outer search still applies the user's record rules.
        query = self.sudo()._search(Domain.TRUE)
        query.add_where(
            SQL(
                "RIGHT(%s, %s) LIKE %s",
                SQL.identifier(query.table, "code"),
                card_code.GROUP_SIZE,
                pattern,
            )
        )
        return Domain("id", "in", query)

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("credits")
    def _check_credits(self):
        # `create` refuses the input first with a clear message; this check
        # and the CHECK constraint are the guards behind it.
        for card in self:
            if card.credits <= 0:
                raise ValidationError(
                    self.env._(
                        "%(card)s: a Support Credit Card must carry a positive number "
                        "of credits (got %(credits)s).",
                        card=card.display_name,
                        credits=card.credits,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [dict(vals) for vals in vals_list]
        for vals in vals_list:
            check_protected_write(self, vals, self._RULE_FIELDS)
            if "credits" in vals and not is_whole(vals["credits"]):
                raise ValidationError(
                    self.env._(
                        "A Support Credit Card must carry a positive whole number of "
                        "credits (got %(credits)s).",
                        credits=vals["credits"],
                    )
                )
            if vals.get("code"):
                raw = card_code.normalize_code(vals["code"])
                if not card_code.is_well_formed(raw):
                    raise ValidationError(
                        self.env._(
                            "A Support Credit Card code is %(length)s characters from "
                            "%(alphabet)s (dashes and spaces are ignored).",
                            length=card_code.CODE_LENGTH,
                            alphabet=card_code.ALPHABET,
                        )
                    )
                vals["code"] = raw
        missing = [vals for vals in vals_list if not vals.get("code")]
        if missing:
            for vals, code in zip(
                missing, self._generate_unique_codes(len(missing)), strict=False
            ):
                vals["code"] = code
        # Cards belong to organizations: store the commercial partner.
        partner_ids = {
            vals["buyer_partner_id"]
            for vals in vals_list
            if vals.get("buyer_partner_id")
        }
        if partner_ids:
            commercial = {
                partner.id: partner.commercial_partner_id.id
                for partner in self.env["res.partner"].browse(partner_ids)
            }
            for vals in vals_list:
                if vals.get("buyer_partner_id"):
                    vals["buyer_partner_id"] = commercial[vals["buyer_partner_id"]]
        cards = super().create(vals_list)
        # checked on the created records, so that defaults are covered too
        if any(
            card.state == "claimed" or any(card[f] for f in self._CLAIM_FIELDS)
            for card in cards
        ):
            raise UserError(
                self.env._(
                    "A Support Credit Card is created unclaimed; only claiming its "
                    "code marks it as claimed."
                )
            )
        # Every card is mailed to its buyer once, whoever creates it.
        cards._send_issued_mail()
        return cards

    def write(self, vals):
        check_protected_write(self, vals, self._RULE_FIELDS)
        if immutable := [fname for fname in self._IMMUTABLE_FIELDS if fname in vals]:
            raise UserError(
                self.env._(
                    "The %(fields)s of a Support Credit Card cannot change after it "
                    "is issued (%(cards)s). Cancel it and issue a new one instead.",
                    fields=field_labels(self, immutable),
                    cards=", ".join(self.mapped("display_name")),
                )
            )
        if self.env.context.get(CLAIM_CONTEXT_KEY) is not _CLAIM_TOKEN:
            if (
                any(fname in vals for fname in self._CLAIM_FIELDS)
                or vals.get("state") == "claimed"
            ):
                raise UserError(
                    self.env._(
                        "Only claiming its code marks a Support Credit Card as claimed."
                    )
                )
            if "state" in vals and (
                claimed := self.filtered(lambda c: c.state == "claimed")
            ):
                raise UserError(
                    self.env._(
                        "%(cards)s: a claimed card has become credits of its "
                        "organization; its status can no longer change.",
                        cards=", ".join(claimed.mapped("display_name")),
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_claimed(self):
        if claimed := self.filtered(lambda c: c.state == "claimed"):
            raise UserError(
                self.env._(
                    "%(cards)s: a claimed Support Credit Card cannot be deleted.",
                    cards=", ".join(claimed.mapped("display_name")),
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_cancel(self):
        """Cancel unclaimed cards: their code can no longer be claimed.

        Already cancelled cards are left as they are; a claimed card is refused
        (its credits belong to an organization now), naming the card.
        """
        if claimed := self.filtered(lambda c: c.state == "claimed"):
            raise UserError(
                self.env._(
                    "%(cards)s already claimed by %(partners)s: a claimed card cannot "
                    "be cancelled.",
                    cards=", ".join(claimed.mapped("display_name")),
                    partners=", ".join(
                        claimed.claimed_partner_id.mapped("display_name")
                    ),
                )
            )
        self.filtered(lambda c: c.state in ("active", "expired")).write(
            {"state": "cancelled"}
        )
        return True

    def action_print_card(self):
        """Print the cards (code, credits, expiry and how to claim them)."""
        return self.env.ref(
            "support_contract.support_credit_card_action_report"
        ).report_action(self)

    def _get_report_base_filename(self):
        """The PDF's file name when the portal prints or downloads a card
        (the portal's report helper asks every printed record for it)."""
        self.ensure_one()
        return self.env._("Support Credit Card - %(card)s", card=self.display_name)

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    @api.model
    def _generate_unique_codes(self, count):
        """Return ``count`` new raw codes, distinct and unused by any card.

        A collision is astronomically unlikely (99 bits): one query checks a
        whole batch, and only the colliding codes are drawn again. The UNIQUE
        constraint stays the guard against a concurrent insert.
        """
        codes = set()
        while len(codes) < count:
            candidates = {
                card_code.generate_code() for _ in range(count - len(codes))
            } - codes
            taken = (
                self.sudo()
                .search_fetch(
                    Domain("code", "in", list(candidates)),
                    ["code"],
                )
                .mapped("code")
            )
            codes |= candidates - set(taken)
        return list(codes)

    @api.model
    def _issue(self, vals_list):
        """Issue Support Credit Cards in one ``create`` and return them.

        Each vals: ``{"credits", "buyer_partner_id", "expiry_date"?,
        "sale_line_id"?, "company_id"?}``. The codes are generated by
        ``create`` (one query checks the whole batch for collisions). The code
        is readable by support staff only: callers acting for other users (an
        order confirmed by a salesperson) call it with ``sudo()``.
        """
        if missing := [vals for vals in vals_list if not vals.get("credits")]:
            raise ValidationError(
                self.env._(
                    "Support Credit Cards to issue without credits: %(count)s. Every "
                    "card must carry a positive number of credits.",
                    count=len(missing),
                )
            )
        return self.create(vals_list)

    def _mark_claimed(self, partner, user=None):
        """Hook of the claim: mark these active cards as claimed by ``partner``.

        Sets the state, the claiming organization (``partner``'s commercial
        partner), the claim date and the user who claimed. The caller is the
        claim (``_claim_code``, in support_credit_card_claim.py): it checks
        the code, locks the card rows and turns the credits into a lot in the
        same transaction. It stays here, beside ``write``, because it carries
        the token that ``write`` asks for.
        """
        if not partner:
            raise UserError(self.env._("Choose the organization that claims the card."))
        if not_active := self.filtered(lambda c: c.state != "active"):
            raise UserError(
                self.env._(
                    "%(cards)s cannot be claimed: only an active card can be claimed.",
                    cards=", ".join(not_active.mapped("display_name")),
                )
            )
        claimer = user or self.env.user
        # Written (and flushed) as the superuser: the card's last writer
        # (``write_uid``, readable by the buyer's portal users) is not the
        # claiming person.
        cards = self.with_user(SUPERUSER_ID).with_context(
            **{CLAIM_CONTEXT_KEY: _CLAIM_TOKEN}
        )
        cards.write(
            {
                "state": "claimed",
                "claimed_partner_id": partner.commercial_partner_id.id,
                "claim_date": fields.Datetime.now(),
                "claimed_by_user_id": claimer.id,
            }
        )
        cards.flush_recordset()
        return True

    @api.model
    def _cron_expire_cards(self, batch_size=200):
        """Expire the active cards whose expiry date has passed, in batches."""
        domain = Domain("state", "=", "active") & Domain(
            "expiry_date",
            "<",
            fields.Date.context_today(self),
        )
        while True:
            cards = self.search(domain, order="id", limit=batch_size)
            if not cards:
                break
            cards.write({"state": "expired"})
            remaining = self.search_count(domain) if len(cards) == batch_size else 0
            if not self.env["ir.cron"]._commit_progress(
                len(cards), remaining=remaining
            ):
                break

    def _buyer_recipients(self):
        """Partners who hear about a card: the contact who ordered it, else its
        buyer."""
        self.ensure_one()
        return self.sale_order_id.partner_id or self.buyer_partner_id

    def _send_issued_mail(self):
        """Mail each card's code to its buyer (one batch for all the cards).

        The mail carries the code: it is rendered as superuser, its message
        is a user notification (read by its recipients only, not by whoever
        reads the card) and the template deletes it once sent.
        """
        cards = self.filtered("buyer_partner_id")
        if not cards:
            return
        template = self.env.ref(
            "support_contract.mail_template_support_credit_card_issued",
            raise_if_not_found=False,
        )
        if template:
            template.sudo().send_mail_batch(
                cards.ids,
                email_values={"message_type": "user_notification"},
            )

    def _get_portal_url(self):
        self.ensure_one()
        return f"/my/support/cards/{self.id}"

# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

from .res_partner import EXPIRING_SOON_DAYS


class SupportCreditMove(models.Model):
    """One line of the append-only credit ledger.

    Every change of a lot's credits (grant, consume, refund, expire, adjust)
    is a move; a lot's ``remaining`` is the sum of its moves. Moves are never
    edited or deleted: a correction is a new move. Origin fields (order line,
    and later card, timesheet line, ticket) are plain optional fields: the
    API takes any of them as keyword arguments.
    """

    _name = "support.credit.move"
    _description = "Support Credit Move"
    _order = "date desc, id desc"
    _check_company_auto = True

    # Fields the API sets itself; never taken from origin values.
    _LEDGER_FIELDS = frozenset(
        {
            "id",
            "date",
            "lot_id",
            "partner_id",
            "company_id",
            "quantity",
            "move_type",
            "user_id",
            "reason",
            "refund_of_id",
            "refund_ids",
            "create_uid",
            "create_date",
            "write_uid",
            "write_date",
            "display_name",
        }
    )

    date = fields.Datetime(
        required=True, readonly=True, index=True, default=fields.Datetime.now
    )
    # No check_company: the move's company *is* its lot's (related field), so
    # the check could never fail and would cost a query-less but slow domain
    # evaluation per move on batch grants.
    lot_id = fields.Many2one(
        "support.credit.lot",
        string="Lot",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    # Precomputed: the ledger gives them with the move (it knows its lots), so
    # that they are written with it rather than read and written again.
    partner_id = fields.Many2one(
        related="lot_id.partner_id",
        string="Organization",
        store=True,
        index=True,
        precompute=True,
    )
    company_id = fields.Many2one(
        related="lot_id.company_id", store=True, index=True, precompute=True
    )
    quantity = fields.Integer(
        required=True,
        readonly=True,
        help="Credits added (positive) or taken (negative).",
    )
    move_type = fields.Selection(
        [
            ("grant", "Grant"),
            ("consume", "Consumption"),
            ("refund", "Refund"),
            ("expire", "Expiry"),
            ("adjust", "Adjustment"),
        ],
        string="Type",
        required=True,
        readonly=True,
        index=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="User",
        required=True,
        readonly=True,
        ondelete="restrict",
        default=lambda self: self.env.uid,
    )
    reason = fields.Char(required=True, readonly=True)
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
    )
    refund_of_id = fields.Many2one(
        "support.credit.move",
        string="Refund Of",
        readonly=True,
        ondelete="restrict",
        check_company=True,
    )
    refund_ids = fields.One2many(
        "support.credit.move", "refund_of_id", string="Refunds", readonly=True
    )
    origin = fields.Char(readonly=True, help="Free reference of what caused this move.")
    card_id = fields.Many2one(
        "support.credit.card",
        string="Credit Card",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
        help="The Support Credit Card whose claim granted these credits.",
    )
    timesheet_id = fields.Many2one(
        "account.analytic.line",
        string="Timesheet Line",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket",
        string="Ticket",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )

    _quantity_not_zero = models.Constraint(
        "CHECK (quantity != 0)",
        "A credit move must add or remove at least one credit.",
    )
    # Also the index behind refund_of_id: a move is refunded at most once,
    # even by two transactions at the same time.
    _refund_once = models.UniqueIndex(
        "(refund_of_id) WHERE refund_of_id IS NOT NULL",
        "These credits have already been refunded.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("move_type", "quantity", "lot_id")
    @api.depends_context("lang")
    def _compute_display_name(self):
        type_names = dict(self._fields["move_type"]._description_selection(self.env))
        for move in self:
            move.display_name = (
                f"{type_names.get(move.move_type, '')} {move.quantity:+d} "
                f"({move.lot_id.display_name})"
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """Moves are written by the ledger's API only (``support.credit.lot``
        ``_grant``/``_consume``/``_refund``/``_cron_expire``/``_adjust``/
        ``_withdraw``, through its ``_post_moves``), which checks its caller's
        rights and sets date, user and origin itself, then creates as
        superuser. A ``create`` or an import from any user, managers included,
        is refused."""
        self._check_ledger_api()
        return super().create(vals_list)

    @api.model
    def _check_ledger_api(self):
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "The credit ledger is written through its own operations only "
                    "(grant, consume, refund, expire, adjust): %(model)s records "
                    "cannot be created directly. Managers adjust credits with the "
                    "Adjust Credits wizard.",
                    model=self.env["ir.model"]._get(self._name).name,
                )
            )

    def write(self, vals):
        # the ledger is append-only: the check refuses every change, superuser
        # included, so Odoo's write is never reached
        self._check_append_only()
        return super().write(vals)

    def _check_append_only(self):
        raise UserError(
            self.env._(
                "Credit moves cannot be changed: the credit ledger is append-only, "
                "a correction is a new move."
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_ledger(self):
        raise UserError(
            self.env._(
                "Credit moves cannot be deleted: the credit ledger is append-only, "
                "a correction is a new move."
            )
        )

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------
    @api.model
    def _refund(self, moves, reason, validity_days=None, **origin):
        """The ledger's refund, under its public name: see
        ``support.credit.lot._refund``, where every ledger operation lives."""
        return self.env["support.credit.lot"]._refund(
            moves, reason, validity_days=validity_days, **origin
        )

    # ------------------------------------------------------------------
    # Reading an organization's ledger (portal pages, credit statement)
    # ------------------------------------------------------------------
    @api.model
    def _support_ledger_scope(self, organization, company):
        """The one place where an organization's ledger is read as superuser,
        for readers who may not read it themselves (portal users, the credit
        statement's accountants): everything the helpers below return comes
        from these two scopes, limited to ``organization``'s own records in
        ``company``. Never another organization's, co-owners' included.

        :return: ``(moves, move_domain, lots, lot_domain)``: the superuser
            models and the domains of the organization's moves and lots.
        """
        organization = organization.commercial_partner_id
        organization.ensure_one()
        company.ensure_one()
        scope = Domain("partner_id", "=", organization.id) & Domain(
            "company_id", "=", company.id
        )
        return self.sudo(), scope, self.env["support.credit.lot"].sudo(), scope

    @api.model
    def _support_day_start(self, day):
        """The first instant (naive UTC) of ``day`` in the user's time zone."""
        local = self.env.tz.localize(
            datetime.combine(fields.Date.to_date(day), time.min)
        )
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    @api.model
    def _support_balance_at(self, organization, company, moment):
        """The sum of the organization's moves dated before ``moment`` (a
        naive UTC datetime, excluded): its ledger balance at that instant."""
        Move, domain, _Lot, _lot_domain = self._support_ledger_scope(
            organization, company
        )
        [(total,)] = Move._read_group(
            domain & Domain("date", "<", moment), [], ["quantity:sum"]
        )
        return total or 0

    @api.model
    def _support_history_count(self, organization, company):
        """The number of the organization's moves (all dates)."""
        Move, scope, _Lot, _lot_domain = self._support_ledger_scope(
            organization, company
        )
        return Move.search_count(scope)

    @api.model
    def _support_history(
        self, organization, company, date_from=None, date_to=None, offset=0, limit=None
    ):
        """The organization's moves, newest first, with the balance after
        each one, computed in one pass from a single sum (no query per move).

        :param date_from: first day (included), optional.
        :param date_to: last day (included), optional.
        :return: ``(moves, balances, count)``: the moves of the page (as
            superuser), the running balance after each of them (same order),
            and the number of moves in the period.
        """
        Move, scope, _Lot, _lot_domain = self._support_ledger_scope(
            organization, company
        )
        domain = scope
        if date_from:
            domain &= Domain("date", ">=", self._support_day_start(date_from))
        if date_to:
            domain &= Domain(
                "date",
                "<",
                self._support_day_start(
                    fields.Date.to_date(date_to) + timedelta(days=1)
                ),
            )
        count = Move.search_count(domain)
        moves = Move.search(
            domain, order="date desc, id desc", offset=offset, limit=limit
        )
        balances = []
        if moves:
            newest = moves[0]
            [(balance,)] = Move._read_group(
                scope
                & (
                    Domain("date", "<", newest.date)
                    | (Domain("date", "=", newest.date) & Domain("id", "<=", newest.id))
                ),
                [],
                ["quantity:sum"],
            )
            balance = balance or 0
            for move in moves:
                balances.append(balance)
                balance -= move.quantity
        return moves, balances, count

    @api.model
    def _support_open_lots(self, organization, company):
        """The organization's unexpired lots holding credits, soonest
        expiry first (as superuser)."""
        _Move, _domain, Lot, scope = self._support_ledger_scope(organization, company)
        today = fields.Date.context_today(self)
        return Lot.search(
            scope & Domain("expiry_date", ">=", today) & Domain("remaining", ">", 0),
            order="expiry_date, id",
        )

    @api.model
    def _support_expiring(self, organization, company, day, days=EXPIRING_SOON_DAYS):
        """The organization's credits that expire in the ``days`` days after
        ``day``, as they stood at the end of ``day``.

        :return: list of ``(lot, credits)``, soonest expiry first.
        """
        Move, _domain, Lot, scope = self._support_ledger_scope(organization, company)
        day = fields.Date.to_date(day)
        lots = Lot.search(
            scope
            & Domain("expiry_date", ">", day)
            & Domain("expiry_date", "<=", day + timedelta(days=days)),
            order="expiry_date, id",
        )
        if not lots:
            return []
        held = dict(
            Move._read_group(
                Domain("lot_id", "in", lots.ids)
                & Domain("date", "<", self._support_day_start(day + timedelta(days=1))),
                ["lot_id"],
                ["quantity:sum"],
            )
        )
        return [(lot, held[lot]) for lot in lots if held.get(lot, 0) > 0]

    def _support_origin_records(self):
        """What caused this move, for its readers: ``(order, card, ticket)``
        (each possibly empty) of this single move."""
        self.ensure_one()
        order = self.sale_line_id.order_id or self.refund_of_id.sale_line_id.order_id
        card = self.card_id
        ticket = self.ticket_id or self.refund_of_id.ticket_id
        return order, card, ticket

    @api.model
    def _support_statement(
        self,
        organization,
        company,
        date_from,
        date_to,
        expiring_days=EXPIRING_SOON_DAYS,
    ):
        """The figures of the organization's credit statement for the days
        ``date_from`` to ``date_to`` (both included): the opening balance at
        the start of ``date_from``, every move of the period (oldest first)
        with the balance after it, the closing balance at the end of
        ``date_to``, and the credits expiring in the ``expiring_days`` days
        after ``date_to``."""
        date_from, date_to = (
            fields.Date.to_date(date_from),
            fields.Date.to_date(date_to),
        )
        opening = self._support_balance_at(
            organization, company, self._support_day_start(date_from)
        )
        moves, balances, _count = self._support_history(
            organization, company, date_from, date_to
        )
        lines = list(zip(moves, balances, strict=False))[::-1]
        return {
            "organization": organization.commercial_partner_id,
            "company": company,
            "date_from": date_from,
            "date_to": date_to,
            "opening": opening,
            "lines": lines,
            "closing": balances[0] if balances else opening,
            "expiring": self._support_expiring(
                organization, company, date_to, expiring_days
            ),
            "expiring_until": date_to + timedelta(days=expiring_days),
        }

    def _support_origin_label(self):
        """What caused this move, in words (for the statement)."""
        self.ensure_one()
        order, card, ticket = self._support_origin_records()
        labels = []
        if order:
            labels.append(self.env._("Order %s", order.name))
        if card:
            labels.append(card.display_name)
        if ticket:
            labels.append(
                self.env._(
                    "Ticket %(number)s: %(name)s",
                    number=ticket.number,
                    name=ticket.name,
                )
            )
        if self.origin and not labels:
            labels.append(self.origin)
        return ", ".join(labels)

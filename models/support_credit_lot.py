# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL, format_date

from ..lib import fifo
from ..lib.quantity import is_whole
from .protected_fields import field_labels
from .row_lock import lock_rows


class SupportCreditLot(models.Model):
    """A grant of support credits to an organization, with its expiry.

    The lot is the unit that expires; what it holds is the sum of its moves
    (``support.credit.move``), kept in the stored ``remaining``. Lots are never
    deleted and never change hands: every change goes through a move.
    """

    _name = "support.credit.lot"
    _description = "Support Credit Lot"
    _order = "expiry_date, id"
    _check_company_auto = True

    # Fields that define what a lot is: fixed once created. A correction is a
    # move (adjustment), never a write.
    _IMMUTABLE_FIELDS = (
        "partner_id",
        "company_id",
        "quantity",
        "date",
        "expiry_date",
        "remaining",
    )
    # Fields the API sets itself; never taken from origin values.
    _LEDGER_FIELDS = frozenset(
        {
            "id",
            "partner_id",
            "quantity",
            "remaining",
            "expiry_date",
            "state",
            "move_ids",
            "create_uid",
            "create_date",
            "write_uid",
            "write_date",
            "display_name",
        }
    )

    name = fields.Char(string="Description", required=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Organization",
        required=True,
        readonly=True,
        ondelete="restrict",
        check_company=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    quantity = fields.Integer(string="Granted", required=True, readonly=True)
    remaining = fields.Integer(
        compute="_compute_remaining",
        store=True,
        help="Credits left in this lot: the sum of its moves.",
    )
    date = fields.Date(
        string="Grant Date",
        required=True,
        readonly=True,
        default=lambda self: fields.Date.context_today(self),
    )
    expiry_date = fields.Date(
        required=True,
        readonly=True,
        help="Last day on which the credits of this lot can be used.",
    )
    state = fields.Selection(
        [("active", "Active"), ("depleted", "Depleted"), ("expired", "Expired")],
        compute="_compute_state",
        search="_search_state",
    )
    move_ids = fields.One2many(
        "support.credit.move", "lot_id", string="Moves", readonly=True
    )
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Order Line",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
    )
    contract_term_id = fields.Many2one(
        "support.contract.term",
        string="Contract Term",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The contract term whose credits this lot holds (they expire with it).",
    )
    origin = fields.Char(
        readonly=True, help="Free reference of what granted these credits."
    )
    card_id = fields.Many2one(
        "support.credit.card",
        string="Credit Card",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
        help="The Support Credit Card whose claim granted these credits.",
    )

    _partner_expiry_idx = models.Index("(partner_id, expiry_date)")
    # A consumption's lots: an organization's open lots in a company,
    # first-expiring first (``_lock_first_expiring``), found in the index's
    # order, so that the first few cost the same however many it holds.
    _open_fifo_idx = models.Index(
        "(partner_id, company_id, expiry_date, id) WHERE remaining > 0"
    )
    _quantity_positive = models.Constraint(
        "CHECK (quantity > 0)",
        "A credit lot must grant a positive number of credits.",
    )
    _remaining_not_negative = models.Constraint(
        "CHECK (remaining >= 0)",
        "A credit lot cannot hold fewer than zero credits.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("move_ids.quantity")
    def _compute_remaining(self):
        totals = dict(
            self.env["support.credit.move"]
            .sudo()
            ._read_group(
                [("lot_id", "in", self._origin.ids)],
                ["lot_id"],
                ["quantity:sum"],
            )
        )
        for lot in self:
            lot.remaining = totals.get(lot._origin, 0)

    @api.depends("remaining", "expiry_date")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for lot in self:
            if lot.expiry_date and lot.expiry_date < today:
                lot.state = "expired"
            elif lot.remaining > 0:
                lot.state = "active"
            else:
                lot.state = "depleted"

    def _search_state(self, operator, value):
        if operator != "in":
            return NotImplemented
        today = fields.Date.context_today(self)
        domain = Domain.FALSE
        if "expired" in value:
            domain |= Domain("expiry_date", "<", today)
        if "active" in value:
            domain |= Domain("expiry_date", ">=", today) & Domain("remaining", ">", 0)
        if "depleted" in value:
            domain |= Domain("expiry_date", ">=", today) & Domain("remaining", "<=", 0)
        return domain

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """Lots are created by the ledger's API only (``_grant``, and refunds of
        expired lots), never by a direct ``create`` or an import."""
        self.env["support.credit.move"]._check_ledger_api()
        return super().create(vals_list)

    def write(self, vals):
        if frozen := [name for name in self._IMMUTABLE_FIELDS if name in vals]:
            raise UserError(
                self.env._(
                    "The %(fields)s of a credit lot cannot be changed: credits never "
                    "move to another organization, and a correction is a new move (an "
                    "adjustment).",
                    fields=field_labels(self, frozen),
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_ledger(self):
        raise UserError(
            self.env._(
                "Credit lots cannot be deleted: the credit ledger is append-only. "
                "A correction is a new move (an adjustment)."
            )
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_view_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "support_contract.support_credit_move_action"
        )
        action["domain"] = [("lot_id", "=", self.id)]
        action["context"] = {"default_lot_id": self.id}
        return action

    # ------------------------------------------------------------------
    # The ledger's API: grant, consume, refund, expire, adjust (withdraw)
    # ------------------------------------------------------------------
    # Every change of credits goes through these methods, and every move is
    # written by ``_post_moves``. Each operation checks its caller's rights
    # (``_check_ledger_rights``), locks the lots it changes in id order
    # before reading what they hold, and keeps ``remaining`` equal to the sum
    # of the lot's moves.

    # First-expiring open lots one locking statement of a consumption looks
    # at; it locks only those the consumption needs among them.
    _FIFO_SCAN = 16
    # Open lots a consumption reads, without locking them, beyond those it
    # locked: what they hold tells, most of the time, whether the credits run
    # low (``fifo.Outlook``) without summing every lot.
    _FIFO_LOOKAHEAD = 8

    @api.model
    def _grant(self, partner, quantity, expiry_date, reason, **origin):
        """Grant ``quantity`` credits to the organization of ``partner``.

        :param partner: any ``res.partner``; the lot belongs to its organization
            (``commercial_partner_id``).
        :param int quantity: positive number of credits.
        :param expiry_date: last day the credits can be used (not in the past).
        :param str reason: why the credits are granted (shown in the ledger).
        :param origin: fields of the lot and/or its grant move, e.g.
            ``sale_line_id=line.id``, ``origin="SO042"``; also ``name``,
            ``date`` (grant date) and ``company_id`` of the lot.
        :return: the new lot (its grant move is in ``move_ids``).
        """
        return self._grant_many(
            [
                {
                    "partner_id": partner,
                    "quantity": quantity,
                    "expiry_date": expiry_date,
                    "reason": reason,
                    **origin,
                }
            ]
        )

    @api.model
    def _grant_many(self, vals_list):
        """Grant several lots at once: one ``create`` for the lots, one for
        their grant moves, whatever the number of lots.

        :param list vals_list: dicts with ``partner_id`` (id or record),
            ``quantity``, ``expiry_date``, ``reason`` and optional origin keys
            (see :meth:`_grant`).
        :return: the new lots, in the order of ``vals_list``.
        """
        today = fields.Date.context_today(self)
        partner_ids = []
        for vals in vals_list:
            partner = vals.get("partner_id")
            partner_id = (
                partner.id if isinstance(partner, models.BaseModel) else partner
            )
            if not partner_id or not isinstance(partner_id, int):
                raise UserError(
                    self.env._("Credits must be granted to an organization.")
                )
            partner_ids.append(partner_id)
        # one recordset, so that the organizations are read in one query
        partners = self.env["res.partner"].browse(partner_ids)
        lot_vals_list, move_vals_list = [], []
        for vals, partner in zip(vals_list, partners, strict=False):
            vals = dict(vals)
            del vals["partner_id"]
            quantity = self._check_whole(vals.pop("quantity", None))
            expiry_date = fields.Date.to_date(vals.pop("expiry_date", None))
            reason = self._check_reason(vals.pop("reason", None))
            if not expiry_date:
                raise UserError(
                    self.env._("Credits must be granted with an expiry date.")
                )
            if expiry_date < today:
                raise UserError(
                    self.env._(
                        "Credits expiring on %(date)s cannot be granted: that date is "
                        "past.",
                        date=format_date(self.env, expiry_date),
                    )
                )
            lot_origin, move_origin = self._split_origin(vals)
            lot_vals_list.append(
                {
                    "name": reason,
                    **lot_origin,
                    "partner_id": partner.commercial_partner_id.id,
                    "quantity": quantity,
                    "expiry_date": expiry_date,
                }
            )
            move_vals_list.append(
                {
                    **move_origin,
                    "move_type": "grant",
                    "quantity": quantity,
                    "reason": reason,
                }
            )
        self._check_ledger_rights()
        lots = self.sudo().create(lot_vals_list)
        lots._post_moves(
            [
                {**move_vals, "lot_id": lot.id}
                for lot, move_vals in zip(lots, move_vals_list, strict=False)
            ],
            dict.fromkeys(lots.ids, 0),
        )
        return lots.with_env(self.env)

    @api.model
    def _consume(self, partner, quantity, reason, date=None, **origin):
        """Consume ``quantity`` credits of the organization of ``partner``.

        Draws from the lots of the current company (``self.env.company``) that
        expire first (ties: oldest lot), never from an expired one. The lots
        are locked (``SELECT ... FOR UPDATE``, in id order) before their
        ``remaining`` is read, so two consumptions never spend the same credit.

        :param int quantity: positive number of credits to consume.
        :param str reason: shown in the ledger.
        :param date: when the consumption happened (datetime; default: now).
        :param origin: fields of the consume moves (e.g. ``origin="T42"``).
        :return: ``(moves, uncovered)``: the consume moves (one per lot drawn
            from; empty if nothing could be covered) and the number of credits
            no lot could cover.
        """
        self._check_whole(quantity)
        reason = self._check_reason(reason)
        organization = self._organization(partner)
        move_date = fields.Datetime.to_datetime(date) if date else fields.Datetime.now()
        _lot_origin, move_origin = self._split_origin(origin, lot=False)
        moves, (uncovered,) = self._consume_many(
            [
                {
                    "partner": organization,
                    "company": self.env.company,
                    "quantity": quantity,
                    "move_vals": {**move_origin, "date": move_date, "reason": reason},
                }
            ]
        )
        return moves, uncovered

    @api.model
    def _consume_many(self, requests):
        """Consume credits for several requests at once (e.g. 1,000 timesheet
        lines): per organization and company, its first-expiring lots locked
        a few at a time (as many as the requests need), FIFO allocation in
        memory, one ``create`` for all the moves.

        :param list requests: dicts with ``partner`` (an organization),
            ``company``, ``quantity`` (positive int) and ``move_vals`` (the
            consume moves' other values: ``date`` (datetime), ``reason`` and
            origin fields).
        :return: ``(moves, uncovered)``: all the consume moves, and for each
            request, in order, the number of credits no lot could cover.
        """
        moves, uncovered, _outlooks = self._consume_batch(requests)
        return moves, uncovered

    @api.model
    def _consume_batch(self, requests):
        """:meth:`_consume_many`, also returning what the lots read say about
        the credits left.

        :return: ``(moves, uncovered, outlooks)``; ``outlooks``: ``{(partner
            id, company id): fifo.Outlook}`` after the consumption.
        """
        self._check_ledger_rights()
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        groups = defaultdict(list)
        for index, request in enumerate(requests):
            groups[request["partner"].id, request["company"].id].append(index)
        uncovered = [request["quantity"] for request in requests]
        move_vals_list, held, outlooks = [], {}, {}
        for (partner_id, company_id), indexes in groups.items():
            # A lot is usable on the day of the consumption, never once expired.
            days = {
                index: max(
                    today,
                    fields.Date.context_today(
                        self, timestamp=requests[index]["move_vals"].get("date") or now
                    ),
                )
                for index in indexes
            }
            lots, ahead, complete = self._lock_first_expiring(
                partner_id,
                company_id,
                sum(requests[index]["quantity"] for index in indexes),
                max(days.values()),
            )
            available = {
                lot_id: [remaining, expiry] for lot_id, remaining, expiry in lots
            }
            held.update((lot_id, remaining) for lot_id, remaining, _expiry in lots)
            for index in indexes:
                if not available:
                    break
                request = requests[index]
                allocations, uncovered[index] = fifo.allocate(
                    [
                        (lot_id, left, expiry)
                        for lot_id, (left, expiry) in available.items()
                        if left > 0
                    ],
                    request["quantity"],
                    days[index],
                )
                for lot_id, taken in allocations:
                    available[lot_id][0] -= taken
                    move_vals_list.append(
                        {
                            **request["move_vals"],
                            "lot_id": lot_id,
                            # the lot's, given so that the move need not read it
                            "partner_id": partner_id,
                            "company_id": company_id,
                            "move_type": "consume",
                            "quantity": -taken,
                        }
                    )
            outlooks[partner_id, company_id] = fifo.Outlook.of(
                [(left, expiry) for left, expiry in available.values()]
                + [(remaining, expiry) for _lot_id, remaining, expiry in ahead],
                complete,
            )
        moves = self.browse(list(held))._post_moves(move_vals_list, held)
        return moves, uncovered, outlooks

    @api.model
    def _lock_first_expiring(self, partner_id, company_id, need, day):
        """Lock the open lots of the organization in the company that a
        consumption of ``need`` credits draws from, and read what they hold.

        The lots are taken first-expiring first (ties: oldest lot), as few as
        hold ``need`` credits usable on ``day``: each statement looks at the
        next ``_FIFO_SCAN`` open lots and locks, in id order (as every ledger
        operation locks lots), those it needs among them; what they hold is
        read once they are locked. A lot another transaction changed since
        this one started cannot be locked (the transaction fails to serialize
        and is retried). The cost does not depend on how many lots the
        organization holds.

        :return: ``(lots, ahead, complete)``: the locked lots as ``(id,
            remaining, expiry_date)``, first-expiring first; the next
            ``_FIFO_LOOKAHEAD`` open lots, read without a lock (only for the
            outlook); whether no open lot comes after them.
        """
        Lot = self.sudo()
        Lot.flush_model(["partner_id", "company_id", "expiry_date", "remaining"])
        table = SQL.identifier(self._table)
        today = fields.Date.context_today(self)
        locked, ahead, complete, after, covered = [], [], False, None, 0
        while covered < need:
            scope = SQL(
                "partner_id = %s AND company_id = %s AND expiry_date >= %s "
                "AND remaining > 0%s",
                partner_id,
                company_id,
                today,
                SQL(" AND (expiry_date, id) > (%s, %s)", *after) if after else SQL(),
            )
            # ARRAY(): the lots are chosen once, then locked through the
            # primary key, whatever the planner believes of the table
            ids = {
                lot_id
                for [lot_id] in self.env.execute_query(
                    SQL(
                        """SELECT id FROM %(table)s
                    WHERE id = ANY(ARRAY(
                          SELECT id
                            FROM (SELECT id,
                                         SUM(remaining) OVER (ORDER BY expiry_date, id)
                                         - remaining AS before
                                    FROM %(table)s
                                   WHERE %(scope)s
                                ORDER BY expiry_date, id
                                   LIMIT %(scan)s) AS fifo
                           WHERE before < %(need)s))
                 ORDER BY id
                      FOR UPDATE""",
                        table=table,
                        scope=scope,
                        scan=self._FIFO_SCAN,
                        need=need - covered,
                    )
                )
            }
            if not ids:
                ahead, complete = [], True
                break
            limit = len(ids) + self._FIFO_LOOKAHEAD
            rows = self.env.execute_query(
                SQL(
                    "SELECT %s, %s, %s FROM %s WHERE %s "
                    "ORDER BY expiry_date, id LIMIT %s",
                    SQL.identifier(self._table, "id"),
                    SQL.identifier(self._table, "remaining"),
                    SQL.identifier(self._table, "expiry_date"),
                    table,
                    scope,
                    limit,
                )
            )
            complete = len(rows) < limit
            batch = [row for row in rows if row[0] in ids]
            ahead = [row for row in rows if row[0] not in ids]
            if not batch:
                break
            locked += batch
            covered += sum(
                remaining for _lot_id, remaining, expiry in batch if expiry >= day
            )
            after = (batch[-1][2], batch[-1][0])
            if complete and not ahead:
                break
        # what the cache holds of these lots may predate the lock
        Lot.browse(
            [lot_id for lot_id, _remaining, _expiry in locked]
        ).invalidate_recordset(["remaining"])
        return locked, ahead, complete

    @api.model
    def _refund(self, moves, reason, validity_days=None, keep=None, **origin):
        """Give back the credits taken by the consume moves ``moves``.

        Each consume move is refunded in full to its own lot if that lot has
        not expired; the refunds whose lot has expired go, per organization and
        company, to one new lot valid ``validity_days`` days. A move that was
        already refunded is skipped (and a database index makes sure no move
        is ever refunded twice); moves that are not consumptions are ignored.

        :param moves: ``support.credit.move`` records (any type).
        :param str reason: shown in the ledger.
        :param int validity_days: validity of the new lot, in days; default:
            the setting of the lot's company (:meth:`_refund_validity_days`).
        :param dict keep: ``{consume move: credits}``, for moves of which only
            part goes back: their refund is followed by a consumption of the
            credits kept, dated as the move, on the lot the refund went to.
        :param origin: fields of the refund moves (e.g. ``origin="T42"``).
        :return: the refund moves.
        """
        self._check_ledger_rights()
        Move = self.env["support.credit.move"].sudo()
        reason = self._check_reason(reason)
        if validity_days is not None:
            self._check_whole(validity_days, "days")
        keep = {
            move.id if isinstance(move, models.BaseModel) else move: self._check_whole(
                credits
            )
            for move, credits in (keep or {}).items()
        }
        _lot_origin, move_origin = self._split_origin(origin, lot=False)
        consumed = moves.sudo().filtered(
            lambda move: move.move_type == "consume" and move.quantity < 0
        )
        if not consumed:
            return Move.browse().with_env(self.env)
        # Lock the lots the refunds may go back to: a refund and a consumption
        # of the same lot never interleave.
        lots = consumed.lot_id
        lots._lock_rows()
        refunded = Move.search([("refund_of_id", "in", consumed.ids)]).refund_of_id
        to_refund = consumed - refunded
        today = fields.Date.context_today(self)
        held, targets = {}, []  # targets: (consume move, lot id it goes back to)
        orphans = defaultdict(
            list
        )  # (organization, company) -> moves whose lot expired
        for move in to_refund:
            lot = move.lot_id
            if lot.expiry_date >= today:
                held[lot.id] = lot.remaining
                targets.append((move, lot.id))
            else:
                orphans[lot.partner_id, lot.company_id].append(move)
        new_lots = self.browse()
        if orphans:
            new_lots = self.sudo().create(
                [
                    {
                        "name": reason,
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "quantity": -sum(move.quantity for move in group),
                        "expiry_date": today
                        + timedelta(
                            days=validity_days or self._refund_validity_days(company)
                        ),
                    }
                    for (partner, company), group in orphans.items()
                ]
            )
            for new_lot, group in zip(new_lots, orphans.values(), strict=False):
                held[new_lot.id] = 0
                targets += [(move, new_lot.id) for move in group]
        now = fields.Datetime.now()
        vals_list = [
            {
                **move_origin,
                "lot_id": lot_id,
                "refund_of_id": move.id,
                "move_type": "refund",
                "quantity": -move.quantity,
                "date": now,
                "reason": reason,
            }
            for move, lot_id in targets
        ]
        vals_list += [
            {
                **move_origin,
                "lot_id": lot_id,
                "move_type": "consume",
                "quantity": -keep[move.id],
                "date": move.date,
                "reason": reason,
            }
            for move, lot_id in targets
            if move.id in keep
        ]
        posted = (lots | new_lots)._post_moves(vals_list, held)
        return posted.filtered(lambda move: move.move_type == "refund").with_env(
            self.env
        )

    @api.model
    def _cron_expire(self, batch_size=500):
        """Expire what remains in lots past their expiry date, in every
        company: one ``expire`` move of ``-remaining`` per lot, in batches
        committed one by one. Idempotent: an expired lot holds nothing, so it
        is not found again."""
        # A job for the whole database, whoever runs it (the scheduler, or a
        # manager clicking "Run Manually"): no company's lots are skipped.
        self = self.sudo()
        today = fields.Date.context_today(self)
        domain = [("expiry_date", "<", today), ("remaining", ">", 0)]
        while True:
            lots = self.search(domain, order="expiry_date, id", limit=batch_size)
            if not lots:
                break
            # Skip lots another transaction holds; the next run takes them.
            lots = lots.try_lock_for_update()
            if not lots:
                break
            lots.invalidate_recordset(["remaining"])
            lots = lots.filtered(lambda lot: lot.remaining > 0)
            lots._post_moves(
                [
                    {
                        "lot_id": lot.id,
                        "move_type": "expire",
                        "quantity": -lot.remaining,
                        "reason": lot.partner_id._support_env()._("Expired"),
                    }
                    for lot in lots
                ],
                {lot.id: lot.remaining for lot in lots},
            )
            remaining = self.search_count(domain)
            if (
                not self.env["ir.cron"]._commit_progress(len(lots), remaining=remaining)
                or not remaining
            ):
                break

    def _adjust(self, quantity, reason, **origin):
        """Add (positive) or remove (negative) credits of this lot, as an
        ``adjust`` move. Support Managers only (or the addon's rules, as
        superuser); never below zero; not on an expired lot (grant a new lot
        instead).

        :param origin: fields of the move (e.g. ``sale_line_id=line.id``).
        :return: the adjustment move.
        """
        self.ensure_one()
        self._check_ledger_rights()
        self._check_whole(quantity, "adjustment")
        reason = self._check_reason(reason)
        _lot_origin, move_origin = self._split_origin(origin, lot=False)
        if self.expiry_date < fields.Date.context_today(self):
            raise UserError(
                self.env._(
                    "The lot %(lot)s expired on %(date)s and cannot be adjusted: grant "
                    "a new lot instead.",
                    lot=self.display_name,
                    date=format_date(self.env, self.expiry_date),
                )
            )
        self._lock_rows()
        if self.remaining + quantity < 0:
            raise UserError(
                self.env._(
                    "The lot %(lot)s holds %(remaining)s credits: removing %(removed)s "
                    "would take it below zero.",
                    lot=self.display_name,
                    remaining=self.remaining,
                    removed=-quantity,
                )
            )
        return self._post_moves(
            [
                {
                    **move_origin,
                    "lot_id": self.id,
                    "move_type": "adjust",
                    "quantity": quantity,
                    "reason": reason,
                }
            ],
            {self.id: self.remaining},
        )

    def _withdraw(self, reason, **origin):
        """Take back what remains in these lots (the sale that granted them was
        cancelled), as one ``adjust`` move per lot. Expired lots are left as
        they are: their credits can no longer be used anyway. What was already
        consumed stays consumed.

        :param origin: fields of the moves (e.g. ``sale_line_id=line.id``).
        :return: the adjustment moves.
        """
        self._check_ledger_rights()
        reason = self._check_reason(reason)
        _lot_origin, move_origin = self._split_origin(origin, lot=False)
        self._lock_rows()
        today = fields.Date.context_today(self)
        lots = self.filtered(lambda lot: lot.remaining > 0 and lot.expiry_date >= today)
        return lots._post_moves(
            [
                {
                    **move_origin,
                    "lot_id": lot.id,
                    "move_type": "adjust",
                    "quantity": -lot.remaining,
                    "reason": reason,
                }
                for lot in lots
            ],
            {lot.id: lot.remaining for lot in lots},
        )

    # ------------------------------------------------------------------
    # The ledger's helpers
    # ------------------------------------------------------------------
    def _post_moves(self, vals_list, held):
        """Write the moves ``vals_list`` of these lots: the one place where
        the ledger creates moves (as superuser, its callers having checked
        their rights). Each lot's ``remaining`` becomes what it ``held`` plus
        its new moves, which is the sum of its moves, without summing them
        again.

        :param held: ``{lot id: credits}`` the lots hold before these moves,
            read once they were locked (0 for a lot just created).
        :return: the moves, in the order of ``vals_list``.
        """
        Move = self.env["support.credit.move"].sudo()
        if not vals_list:
            return Move.browse().with_env(self.env)
        lots = self.sudo()
        delta = defaultdict(int)
        for vals in vals_list:
            delta[vals["lot_id"]] += vals["quantity"]
            if "partner_id" not in vals or "company_id" not in vals:
                lot = lots.browse(vals["lot_id"])
                vals.update(partner_id=lot.partner_id.id, company_id=lot.company_id.id)
        lots = lots.browse(list(delta))
        with self.env.protecting([self._fields["remaining"]], lots):
            moves = Move.create(vals_list)
            for lot in lots:
                lot.remaining = held[lot.id] + delta[lot.id]
        lots.modified(["remaining"])
        return moves.with_env(self.env)

    @api.model
    def _check_ledger_rights(self):
        """The ledger's operations are for Support Managers, and for the addon's
        rules, which call them as superuser after their own checks (a sale
        confirmed by a salesperson, time logged by an engineer, a claim)."""
        if not (
            self.env.su
            or self.env.user.has_group("support_contract.group_support_manager")
        ):
            raise AccessError(self.env._("Only Support Managers can change credits."))

    def _lock_rows(self):
        """Lock these lots until the end of the transaction (the shared
        ``row_lock.lock_rows``: waiting, in id order), then forget their
        cached ``remaining`` so that the next read comes from the database."""
        lock_rows(self, ["remaining"])

    @api.model
    def _refund_validity_days(self, company):
        """How many days refunded credits stay valid when the lot they came
        from has expired: the company's setting (Settings > Helpdesk >
        Support credits), read here and nowhere else."""
        return self._check_whole(company.sudo().support_refund_validity_days, "days")

    @api.model
    def _organization(self, partner):
        organization = partner.commercial_partner_id if partner else partner
        if not organization or len(organization) != 1:
            raise UserError(
                self.env._(
                    "Credits belong to exactly one organization: none was given."
                )
            )
        return organization

    @api.model
    def _check_whole(self, value, what="credits"):
        """The ledger's one check of its whole numbers (``lib.quantity``):
        ``credits`` (positive), ``adjustment`` (any but zero) or ``days`` (a
        validity, positive).

        :return: ``value``.
        :raise UserError: saying what was expected.
        """
        if is_whole(value, negative=what == "adjustment"):
            return value
        if what == "adjustment":
            message = self.env._(
                "An adjustment must be a whole number of credits other than zero "
                "(got %s).",
                value,
            )
        elif what == "days":
            message = self.env._(
                "The validity of refunded credits must be a positive number of days "
                "(got %s).",
                value,
            )
        else:
            message = self.env._(
                "A number of credits must be a positive whole number (got %s).", value
            )
        raise UserError(message)

    @api.model
    def _check_reason(self, reason):
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(
                self.env._("Every move of the credit ledger needs a reason.")
            )
        return reason.strip()

    @api.model
    def _split_origin(self, origin, lot=True):
        """Split origin values (e.g. ``sale_line_id``, ``origin``) between the
        lot and its move: each key goes to the model(s) having such a field.
        A field added later to either model (``card_id``, ``ticket_id``...)
        works as an origin key without touching this code."""
        Move = self.env["support.credit.move"]
        lot_vals, move_vals = {}, {}
        for key, value in origin.items():
            if isinstance(value, models.BaseModel):
                value = value.id
            on_lot = lot and key in self._fields and key not in self._LEDGER_FIELDS
            on_move = key in Move._fields and key not in Move._LEDGER_FIELDS
            if not (on_lot or on_move):
                raise ValueError(f"{key!r} is not an origin field of the credit ledger")
            if on_lot:
                lot_vals[key] = value
            if on_move:
                move_vals[key] = value
        return lot_vals, move_vals

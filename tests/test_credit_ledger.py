import ast
from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time
from lxml import etree
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import CRON_CREDIT_EXPIRE, CreditLedgerCase


@tagged("post_install", "-at_install")
@freeze_time("2025-01-15 12:00:00")
class TestCreditGrant(CreditLedgerCase):
    def test_grant_creates_a_lot_of_the_organization_with_its_grant_move(self):
        lot = self._grant(
            self.contact_a,
            600,
            "2025-12-31",
            reason="Premium 2025",
            origin="SO042",
        )
        self.assertRecordValues(
            lot,
            [
                {
                    "partner_id": self.org_a.id,
                    "company_id": self.company.id,
                    "quantity": 600,
                    "remaining": 600,
                    "date": date(2025, 1, 15),
                    "expiry_date": date(2025, 12, 31),
                    "state": "active",
                    "name": "Premium 2025",
                    "origin": "SO042",
                }
            ],
        )
        self.assertRecordValues(
            lot.move_ids,
            [
                {
                    "move_type": "grant",
                    "quantity": 600,
                    "partner_id": self.org_a.id,
                    "user_id": self.support_manager.id,
                    "reason": "Premium 2025",
                    "origin": "SO042",
                    "date": datetime(2025, 1, 15, 12, 0),
                }
            ],
        )

    def test_grant_many_grants_each_lot_with_one_create_for_all(self):
        vals_list = [
            {
                "partner_id": self.contact_a.id,
                "quantity": 100,
                "expiry_date": date(2025, 6, 30),
                "reason": "Pack A",
            },
            {
                "partner_id": self.org_b,
                "quantity": 50,
                "expiry_date": "2025-03-31",
                "reason": "Pack B",
                "origin": "SO7",
            },
        ]
        lots = self.Lot._grant_many(vals_list)
        self.assertRecordValues(
            lots,
            [
                {
                    "partner_id": self.org_a.id,
                    "quantity": 100,
                    "remaining": 100,
                    "expiry_date": date(2025, 6, 30),
                },
                {
                    "partner_id": self.org_b.id,
                    "quantity": 50,
                    "remaining": 50,
                    "expiry_date": date(2025, 3, 31),
                },
            ],
        )
        self.assertEqual(lots.move_ids.mapped("origin"), [False, "SO7"])

        # The number of queries does not grow with the number of lots.
        def count_queries(count):
            self.env.flush_all()
            before = self.cr.sql_log_count
            self.Lot._grant_many(
                [
                    {
                        "partner_id": self.org_a.id,
                        "quantity": 10 + i,
                        "expiry_date": date(2025, 6, 30),
                        "reason": "Pack",
                    }
                    for i in range(count)
                ]
            )
            self.env.flush_all()
            return self.cr.sql_log_count - before

        count_queries(1)  # warm the caches
        self.assertEqual(count_queries(2), count_queries(40))

    def test_grant_refuses_a_zero_negative_or_fractional_quantity(self):
        for quantity in (0, -10, 2.5, None):
            with self.subTest(quantity=quantity), self.assertRaises(UserError):
                self._grant(self.org_a, quantity, "2025-12-31")
        self.assertFalse(self.Lot.search([("partner_id", "=", self.org_a.id)]))

    def test_grant_refuses_a_past_expiry_a_missing_partner_or_reason(self):
        with self.assertRaises(UserError):
            self._grant(self.org_a, 10, "2025-01-14")
        with self.assertRaises(UserError):
            self.Lot._grant(self.env["res.partner"], 10, date(2025, 12, 31), "No one")
        with self.assertRaises(UserError):
            self._grant(self.org_a, 10, "2025-12-31", reason="  ")
        with self.assertRaises(ValueError):
            self._grant(self.org_a, 10, "2025-12-31", remaining=99)
        self.assertFalse(self.Lot.search([("partner_id", "=", self.org_a.id)]))

    def test_database_refuses_a_lot_without_credits(self):
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.env["support.credit.lot"].create(
                {
                    "name": "Empty",
                    "partner_id": self.org_a.id,
                    "quantity": 0,
                    "expiry_date": date(2025, 12, 31),
                }
            )


@tagged("post_install", "-at_install")
@freeze_time("2025-01-15 12:00:00")
class TestCreditConsume(CreditLedgerCase):
    def test_consume_draws_fifo_across_lots_of_different_expiry(self):
        june = self._grant(self.org_a, 50, "2025-06-30")
        february = self._grant(self.org_a, 30, "2025-02-28")
        march = self._grant(self.org_a, 40, "2025-03-31")
        moves, uncovered = self.consume(60, partner=self.contact_a, origin="T1")
        self.assertEqual(uncovered, 0)
        self.assertRecordValues(
            moves,
            [
                {
                    "lot_id": february.id,
                    "quantity": -30,
                    "move_type": "consume",
                    "origin": "T1",
                    "user_id": self.support_manager.id,
                    "reason": "Test consumption",
                },
                {
                    "lot_id": march.id,
                    "quantity": -30,
                    "move_type": "consume",
                    "origin": "T1",
                    "user_id": self.support_manager.id,
                    "reason": "Test consumption",
                },
            ],
        )
        self.assertRecordValues(
            february + march + june,
            [
                {"remaining": 0, "state": "depleted"},
                {"remaining": 10, "state": "active"},
                {"remaining": 50, "state": "active"},
            ],
        )
        self.assertEqual(self._balance(self.contact_a, user=self.support_user), 60)

    def test_consume_never_draws_from_an_expired_lot(self):
        with freeze_time("2024-12-01 12:00:00"):
            old = self._grant(self.org_a, 100, "2025-01-14")
        live = self._grant(self.org_a, 20, "2025-01-15")
        # The expiry cron has not run yet: the old lot still holds its credits.
        self.assertEqual(old.remaining, 100)
        moves, uncovered = self.consume(50)
        self.assertEqual(moves.lot_id, live)
        self.assertEqual(moves.quantity, -20)
        self.assertEqual(uncovered, 30)
        self.assertEqual(old.remaining, 100)
        self.assertEqual(old.state, "expired")

    def test_consume_returns_the_uncovered_rest(self):
        lot = self._grant(self.org_a, 25, "2025-12-31")
        moves, uncovered = self.consume(40)
        self.assertEqual((moves.quantity, uncovered, lot.remaining), (-25, 15, 0))
        moves, uncovered = self.consume(10)
        self.assertFalse(moves)
        self.assertEqual(uncovered, 10)
        # Nothing at all: the organization without credits.
        moves, uncovered = self.consume(5, partner=self.org_b)
        self.assertEqual((len(moves), uncovered), (0, 5))

    def test_consume_only_draws_from_the_organization_and_current_company(self):
        other_company = self.env["res.company"].create(
            {"name": "Other Support Company"}
        )
        self._grant(self.org_b, 30, "2025-12-31")
        foreign = (
            self.env["support.credit.lot"]
            .with_company(other_company)
            ._grant(self.org_a, 30, date(2025, 2, 1), "Other company's credits")
        )
        own = self._grant(self.org_a, 30, "2025-12-31")
        moves, uncovered = self.consume(40)
        self.assertEqual(moves.lot_id, own)
        self.assertEqual(uncovered, 10)
        self.assertEqual(foreign.remaining, 30)

    def test_consume_refuses_a_non_positive_quantity(self):
        self._grant(self.org_a, 30, "2025-12-31")
        for quantity in (0, -5, 1.5):
            with self.subTest(quantity=quantity), self.assertRaises(UserError):
                self.consume(quantity)
        self.assertEqual(self._balance(self.org_a, user=self.support_user), 30)

    def test_consume_draws_fifo_over_many_lots_and_dates(self):
        # more lots than one locking statement looks at, some expiring before
        # a consumption dated later than today
        self.Lot._grant_many(
            [
                {
                    "partner_id": self.org_a.id,
                    "quantity": 3,
                    "expiry_date": date(2025, 2, 1 + i),
                    "reason": "Small",
                }
                for i in range(25)
            ]
        )
        moves, uncovered = self.consume(50)
        self.assertEqual((sum(moves.mapped("quantity")), uncovered), (-50, 0))
        self.assertEqual(
            moves.lot_id.mapped("expiry_date"),
            [date(2025, 2, 1 + i) for i in range(17)],
        )
        # on 20 February, the lots expiring before it cannot be used
        moves, uncovered = self.consume(20, date=datetime(2025, 2, 20, 9, 0))
        self.assertEqual((sum(moves.mapped("quantity")), uncovered), (-18, 2))
        self.assertEqual(
            moves.lot_id.mapped("expiry_date"),
            [date(2025, 2, 20 + i) for i in range(6)],
        )
        self.assertEqual(
            self._balance(self.org_a, user=self.support_user), 25 * 3 - 50 - 18
        )

    def test_consume_locks_the_lots_before_reading_what_remains(self):
        lots = self._grant(self.org_a, 10, "2025-03-31") + self._grant(
            self.org_a, 10, "2025-02-28"
        )
        # What remains is in the cache: consuming must not trust it.
        self.assertEqual(lots.mapped("remaining"), [10, 10])
        queries = []
        execute = type(self.cr).execute

        def spy(cr, query, params=None, log_exceptions=True):
            queries.append(str(query.code if hasattr(query, "code") else query))
            return execute(cr, query, params, log_exceptions)

        with patch.object(type(self.cr), "execute", spy):
            self.consume(15)
        locks = [
            i
            for i, q in enumerate(queries)
            if "FOR UPDATE" in q and "support_credit_lot" in q
        ]
        self.assertEqual(len(locks), 1, "the lots are locked once")
        self.assertIn("ORDER BY id", queries[locks[0]])
        reads = [
            i
            for i, q in enumerate(queries)
            if q.startswith("SELECT")
            and '"support_credit_lot"."remaining"' in q
            and "FOR UPDATE" not in q
        ]
        self.assertTrue(
            reads and reads[-1] > locks[0],
            "remaining is read again once the lots are locked",
        )
        self.assertEqual(lots.mapped("remaining"), [5, 0])


@tagged("post_install", "-at_install")
@freeze_time("2025-01-15 12:00:00")
class TestCreditExpiry(CreditLedgerCase):
    def test_cron_posts_expire_moves_and_is_idempotent(self):
        with freeze_time("2024-11-01 12:00:00"):
            depleted = self._grant(self.org_a, 20, "2024-12-20")
            expired = self._grant(self.org_a, 100, "2024-12-31")
            self.consume(20 + 30)  # empties `depleted`, takes 30 from `expired`
        live = self._grant(self.org_a, 40, "2025-01-15")
        self.assertEqual(
            self._balance(self.org_a, user=self.support_user),
            40,
            "expired lots are out of the balance before the cron",
        )

        self._run_cron(CRON_CREDIT_EXPIRE)
        self.assertRecordValues(
            expired.move_ids.filtered(lambda m: m.move_type == "expire"),
            [
                {
                    "quantity": -70,
                    "user_id": self.env.ref("base.user_root").id,
                    "date": datetime(2025, 1, 15, 12, 0),
                }
            ],
        )
        self.assertRecordValues(
            expired + depleted + live,
            [
                {"remaining": 0, "state": "expired"},
                {"remaining": 0, "state": "expired"},
                {"remaining": 40, "state": "active"},
            ],
        )
        self.assertFalse(
            (depleted + live).move_ids.filtered(lambda m: m.move_type == "expire")
        )
        self.assertEqual(self._balance(self.org_a, user=self.support_user), 40)

        moves_before = self.Move.search_count([])
        self._run_cron(CRON_CREDIT_EXPIRE)
        self.assertEqual(
            self.Move.search_count([]), moves_before, "a second run posts nothing"
        )

    def test_cron_works_in_batches_across_companies(self):
        other_company = self.env["res.company"].create(
            {"name": "Other Support Company"}
        )
        with freeze_time("2024-11-01 12:00:00"):
            lots = self.Lot._grant_many(
                [
                    {
                        "partner_id": self.org_a.id,
                        "quantity": 5,
                        "expiry_date": date(2024, 12, 31),
                        "reason": "Old",
                    }
                    for _i in range(7)
                ]
            )
            lots |= (
                self.env["support.credit.lot"]
                .with_company(other_company)
                ._grant(self.org_b, 5, date(2024, 12, 31), "Old, elsewhere")
            )
        # Run by a manager who only sees their company; outside the scheduler
        # each batch is committed: count the commits.
        with patch.object(self.env.cr, "commit") as commit:
            self.Lot._cron_expire(batch_size=3)
        self.assertEqual(commit.call_count, 3, "8 lots in batches of 3")
        self.assertEqual(lots.mapped("remaining"), [0] * 8)
        self.assertEqual(
            len(lots.move_ids.filtered(lambda m: m.move_type == "expire")), 8
        )


@tagged("post_install", "-at_install")
@freeze_time("2025-01-15 12:00:00")
class TestCreditRefund(CreditLedgerCase):
    def test_refund_to_a_live_lot(self):
        lot = self._grant(self.org_a, 100, "2025-06-30")
        consumed, _uncovered = self.consume(30)
        refunds = self.Move._refund(consumed, "Product bug")
        self.assertRecordValues(
            refunds,
            [
                {
                    "lot_id": lot.id,
                    "move_type": "refund",
                    "quantity": 30,
                    "refund_of_id": consumed.id,
                    "reason": "Product bug",
                    "user_id": self.support_manager.id,
                }
            ],
        )
        self.assertEqual(lot.remaining, 100)

    def test_refund_to_an_expired_lot_grants_a_new_lot(self):
        with freeze_time("2024-11-01 12:00:00"):
            old = self._grant(self.org_a, 100, "2024-12-31")
            other = self._grant(self.org_a, 100, "2024-12-31")
            consumed, _uncovered = self.consume(150)
        self._run_cron(CRON_CREDIT_EXPIRE)
        refunds = self.Move._refund(consumed, "Product bug", validity_days=30)
        new_lot = refunds.lot_id
        self.assertEqual(len(new_lot), 1, "one new lot for the organization")
        self.assertRecordValues(
            new_lot,
            [
                {
                    "partner_id": self.org_a.id,
                    "quantity": 150,
                    "remaining": 150,
                    "expiry_date": date(2025, 2, 14),
                    "state": "active",
                }
            ],
        )
        self.assertEqual(sorted(refunds.mapped("quantity")), [50, 100])
        self.assertEqual(refunds.refund_of_id, consumed)
        self.assertEqual((old + other).mapped("remaining"), [0, 0])
        self.assertEqual(self._balance(self.org_a, user=self.support_user), 150)

    def test_refund_twice_refunds_once(self):
        lot = self._grant(self.org_a, 100, "2025-06-30")
        consumed, _uncovered = self.consume(30)
        self.Move._refund(consumed, "Product bug")
        again = self.Move._refund(consumed, "Product bug, again")
        self.assertFalse(again)
        self.assertEqual(lot.remaining, 100)
        self.assertEqual(len(consumed.refund_ids), 1)

    def test_refund_ignores_what_is_not_a_consumption(self):
        lot = self._grant(self.org_a, 100, "2025-06-30")
        self.assertFalse(self.Move._refund(lot.move_ids, "Not a consumption"))
        self.assertEqual(lot.remaining, 100)

    def test_database_refuses_a_second_refund_of_a_move(self):
        lot = self._grant(self.org_a, 100, "2025-06-30")
        consumed, _uncovered = self.consume(30)
        self.Move._refund(consumed, "Product bug")
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(IntegrityError),
            self.cr.savepoint(),
        ):
            self.env["support.credit.move"].create(
                {
                    "lot_id": lot.id,
                    "move_type": "refund",
                    "quantity": 30,
                    "reason": "Twice",
                    "refund_of_id": consumed.id,
                }
            )

    def test_refund_validity_defaults_to_the_company_setting(self):
        self.company.support_refund_validity_days = 20
        with freeze_time("2024-11-01 12:00:00"):
            self._grant(self.org_a, 100, "2024-12-31")
            consumed, _uncovered = self.consume(40)
        refunds = self.Lot._refund(consumed, "Product bug")
        self.assertRecordValues(
            refunds.lot_id,
            [{"quantity": 40, "remaining": 40, "expiry_date": date(2025, 2, 4)}],
        )

    def test_refund_keeping_part_of_a_consumption(self):
        live = self._grant(self.org_a, 100, "2025-06-30")
        first, _uncovered = self.consume(30, origin="T1")
        second, _uncovered = self.consume(20, origin="T1")
        refunds = self.Lot._refund(
            first | second, "Shorter", keep={first: 12}, origin="T1"
        )
        self.assertEqual(refunds.refund_of_id, first | second)
        kept = (
            live.move_ids.filtered(lambda m: m.move_type == "consume") - first - second
        )
        self.assertRecordValues(
            kept,
            [
                {
                    "quantity": -12,
                    "date": first.date,
                    "origin": "T1",
                    "reason": "Shorter",
                }
            ],
        )
        self.assertEqual(live.remaining, 88)
        with self.assertRaises(UserError):
            self.Lot._refund(second, "Keep nothing", keep={second: 0})

    def test_refund_refuses_a_bad_validity(self):
        self._grant(self.org_a, 100, "2025-06-30")
        consumed, _uncovered = self.consume(30)
        with self.assertRaises(UserError):
            self.Move._refund(consumed, "Product bug", validity_days=0)
        self.assertFalse(consumed.refund_ids)


@tagged("post_install", "-at_install")
@freeze_time("2025-01-15 12:00:00")
class TestCreditLedgerAppendOnly(CreditLedgerCase):
    def test_moves_cannot_be_written_or_unlinked_even_as_superuser(self):
        lot = self._grant(self.org_a, 100, "2025-06-30")
        move = lot.move_ids
        for env in (self.env, self.env(user=self.support_manager, su=True)):
            with self.subTest(uid=env.uid, su=env.su):
                record = move.with_env(env)
                with self.assertRaisesRegex(UserError, "a correction is a new move"):
                    record.write({"quantity": 1000})
                with self.assertRaisesRegex(UserError, "a correction is a new move"):
                    record.unlink()
        # Without superuser rights, access rights refuse first.
        with self.assertRaises(UserError):
            move.with_user(self.support_manager).write({"reason": "Edited"})
        with self.assertRaises(UserError):
            move.with_user(self.support_manager).unlink()
        self.assertRecordValues(move, [{"quantity": 100, "move_type": "grant"}])
        self.assertEqual(lot.remaining, 100)

    def test_lots_keep_their_organization_quantity_and_expiry(self):
        lot = self._grant(self.org_a, 100, "2025-06-30")
        for vals in (
            {"partner_id": self.org_b.id},
            {"quantity": 500},
            {"expiry_date": date(2026, 6, 30)},
            {"remaining": 500},
        ):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                lot.sudo().write(vals)
        with self.assertRaises(UserError):
            lot.sudo().unlink()
        lot.name = "Renamed"  # a label is not part of the ledger
        self.assertRecordValues(
            lot,
            [
                {
                    "name": "Renamed",
                    "partner_id": self.org_a.id,
                    "quantity": 100,
                    "remaining": 100,
                    "expiry_date": date(2025, 6, 30),
                }
            ],
        )


@tagged("post_install", "-at_install")
@freeze_time("2025-01-15 12:00:00")
class TestCreditAdjust(CreditLedgerCase):
    def test_manager_adjusts_a_lot_up_and_down(self):
        lot = self._grant(self.org_a, 100, "2025-06-30")
        up = lot._adjust(20, "Goodwill")
        down = lot._adjust(-120, "Correction")
        self.assertRecordValues(
            up + down,
            [
                {
                    "move_type": "adjust",
                    "quantity": 20,
                    "reason": "Goodwill",
                    "user_id": self.support_manager.id,
                },
                {
                    "move_type": "adjust",
                    "quantity": -120,
                    "reason": "Correction",
                    "user_id": self.support_manager.id,
                },
            ],
        )
        self.assertEqual(lot.remaining, 0)

    def test_a_negative_adjustment_below_zero_is_refused(self):
        lot = self._grant(self.org_a, 100, "2025-06-30")
        self.consume(70)
        with self.assertRaisesRegex(UserError, "below zero"):
            lot._adjust(-31, "Too much")
        self.assertEqual(lot.remaining, 30)
        self.assertFalse(lot.move_ids.filtered(lambda m: m.move_type == "adjust"))

    def test_adjustments_are_for_managers_only(self):
        lot = self._grant(self.org_a, 100, "2025-06-30")
        with self.assertRaises(AccessError):
            lot.with_user(self.support_user)._adjust(10, "Not mine to give")
        lot.sudo()._adjust(10, "Superuser may")
        self.assertEqual(lot.remaining, 110)

    def test_zero_adjustment_and_expired_lot_are_refused(self):
        with freeze_time("2024-11-01 12:00:00"):
            old = self._grant(self.org_a, 100, "2024-12-31")
        lot = self._grant(self.org_a, 100, "2025-06-30")
        with self.assertRaises(UserError):
            lot._adjust(0, "Nothing")
        with self.assertRaisesRegex(UserError, "expired"):
            old._adjust(10, "Revive")
        self.assertEqual((old + lot).move_ids.mapped("move_type"), ["grant", "grant"])

    def test_adjust_wizard(self):
        lot = self._grant(self.org_a, 100, "2025-06-30")
        action = self.env.ref("support_contract.support_credit_adjust_wizard_action")
        wizard_model = self.env[action.res_model].with_user(self.support_manager)
        with Form(wizard_model.with_context(default_lot_id=lot.id)) as wizard:
            wizard.quantity = -40
            wizard.reason = "Duplicate grant"
        wizard.record.action_confirm()
        self.assertEqual(lot.remaining, 60)
        self.assertEqual(
            lot.move_ids.filtered(lambda m: m.move_type == "adjust").reason,
            "Duplicate grant",
        )


@tagged("post_install", "-at_install")
@freeze_time("2025-01-15 12:00:00")
class TestCreditBalanceAndAccess(CreditLedgerCase):
    def test_balance_is_the_organizations_unexpired_remaining(self):
        with freeze_time("2024-11-01 12:00:00"):
            self._grant(self.org_a, 500, "2025-01-14")
        self._grant(self.org_a, 100, "2025-01-15")
        self._grant(self.org_a, 50, "2025-12-31")
        self._grant(self.org_b, 7, "2025-12-31")
        self.consume(30)
        partners = (
            self.org_a + self.contact_a + self.org_b + self.contact_b
        ).with_user(self.support_user)
        self.assertEqual(partners.mapped("support_credit_balance"), [120, 120, 7, 7])
        with freeze_time("2025-01-16 12:00:00"):
            self.assertEqual(self._balance(self.org_a, user=self.support_user), 50)

    def test_partner_actions_open_the_organizations_lots_and_ledger(self):
        lot = self._grant(self.org_a, 100, "2025-06-30")
        contact = self.contact_a.with_user(self.support_user)
        lots_action = contact.action_view_support_credit_lots()
        self.assertEqual(lots_action["res_model"], "support.credit.lot")
        self.assertEqual(
            self.env["support.credit.lot"].search(lots_action["domain"]), lot
        )
        moves_action = contact.action_view_support_credit_moves()
        self.assertEqual(moves_action["res_model"], "support.credit.move")
        self.assertEqual(
            self.env["support.credit.move"].search(moves_action["domain"]), lot.move_ids
        )
        self.assertEqual(
            self.env["support.credit.move"].search(lot.action_view_moves()["domain"]),
            lot.move_ids,
        )

    def test_access_rights(self):
        lot = self._grant(self.org_a, 100, "2025-06-30")
        # Support users read lots and moves, but change nothing.
        lot.with_user(self.support_user).check_access("read")
        lot.move_ids.with_user(self.support_user).check_access("read")
        with self.assertRaises(AccessError):
            self.Lot.with_user(self.support_user)._grant(
                self.org_a, 10, date(2025, 6, 30), "No"
            )
        with self.assertRaises(AccessError):
            lot.with_user(self.support_user).name = "No"
        # Salespeople read lots, not the ledger.
        self.assertEqual(
            self.org_a.with_user(self.salesman).support_credit_balance, 100
        )
        lot.with_user(self.salesman).check_access("read")
        with self.assertRaises(AccessError):
            lot.move_ids.with_user(self.salesman).check_access("read")
        with self.assertRaises(AccessError):
            self.Lot.with_user(self.salesman)._consume(self.org_a, 10, "No")

    def test_lots_and_moves_stay_in_their_company(self):
        other_company = self.env["res.company"].create(
            {"name": "Other Support Company"}
        )
        other_user = new_test_user(
            self.env,
            login="other_support_user",
            groups="support_contract.group_support_user",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        lot = self._grant(self.org_a, 100, "2025-06-30")
        other_env = self.env(
            user=other_user, context={"allowed_company_ids": other_company.ids}
        )
        self.assertFalse(other_env["support.credit.lot"].search([("id", "=", lot.id)]))
        self.assertFalse(
            other_env["support.credit.move"].search([("lot_id", "=", lot.id)])
        )
        self.assertEqual(self.org_a.with_env(other_env).support_credit_balance, 0)
        self.assertEqual(self._balance(self.org_a, user=self.support_user), 100)


@tagged("post_install", "-at_install")
@freeze_time("2025-01-15 12:00:00")
class TestCreditViews(CreditLedgerCase):
    def test_lot_search_filters(self):
        with freeze_time("2024-11-01 12:00:00"):
            expired = self._grant(self.org_a, 10, "2024-12-31")
        soon = self._grant(self.org_a, 10, "2025-02-10")
        later = self._grant(self.org_a, 10, "2025-06-30")
        depleted = self._grant(self.org_b, 10, "2025-06-30")
        self.consume(10, partner=self.org_b)
        lots = expired + soon + later + depleted

        Lot = self.env["support.credit.lot"].with_user(self.support_user)
        arch = Lot.get_views([(False, "search")])["views"]["search"]["arch"]
        domains = {
            node.get("name"): ast.literal_eval(node.get("domain"))
            for node in etree.fromstring(arch).iter("filter")
            if node.get("domain")
        }
        expected = {
            "filter_active": soon + later,
            "filter_expired": expired,
            "filter_depleted": depleted,
            "filter_expiring_soon": soon,
        }
        for name, found in expected.items():
            with self.subTest(filter=name):
                self.assertEqual(
                    Lot.search(domains[name] + [("id", "in", lots.ids)]), found
                )

    def test_move_search_filters_by_type(self):
        lot = self._grant(self.org_a, 100, "2025-06-30")
        consumed, _uncovered = self.consume(10)
        Move = self.env["support.credit.move"].with_user(self.support_user)
        arch = Move.get_views([(False, "search")])["views"]["search"]["arch"]
        domains = {
            node.get("name"): ast.literal_eval(node.get("domain"))
            for node in etree.fromstring(arch).iter("filter")
            if node.get("domain")
        }
        self.assertEqual(
            Move.search(domains["filter_consume"] + [("lot_id", "=", lot.id)]), consumed
        )
        self.assertEqual(
            Move.search(domains["filter_grant"] + [("lot_id", "=", lot.id)]),
            lot.move_ids - consumed,
        )

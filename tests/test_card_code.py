import math

from odoo.tests import BaseCase, tagged

from odoo.addons.support_contract.lib import card_code

LOOK_ALIKES = "0O1IL"


@tagged("post_install", "-at_install")
class TestCardCode(BaseCase):
    def test_alphabet_has_no_look_alikes(self):
        self.assertEqual(len(card_code.ALPHABET), 31)
        self.assertEqual(len(set(card_code.ALPHABET)), 31)
        self.assertFalse(set(LOOK_ALIKES) & set(card_code.ALPHABET))
        self.assertTrue(all(ch.isupper() or ch.isdigit() for ch in card_code.ALPHABET))

    def test_at_least_80_bits(self):
        bits = card_code.CODE_LENGTH * math.log2(len(card_code.ALPHABET))
        self.assertGreaterEqual(bits, 80)
        self.assertAlmostEqual(card_code.entropy_bits(), bits)
        # Cards are named after their last group: what is never shown still counts.
        hidden = card_code.entropy_bits(card_code.CODE_LENGTH - card_code.GROUP_SIZE)
        self.assertGreaterEqual(hidden, 80)

    def test_generated_codes(self):
        codes = [card_code.generate_code() for _ in range(100_000)]
        self.assertTrue(all(card_code.is_well_formed(code) for code in codes))
        self.assertEqual(
            len(set(codes)), len(codes), "100,000 codes must all be distinct"
        )
        used = set("".join(codes))
        self.assertFalse(used & set(LOOK_ALIKES))
        self.assertEqual(
            used, set(card_code.ALPHABET), "every symbol of the alphabet is drawn"
        )

    def test_format_groups_of_four(self):
        self.assertEqual(
            card_code.format_code("ABCDEFGHJKMNPQRSTUVWXYZ2"),
            "ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2",
        )
        code = card_code.generate_code()
        groups = card_code.format_code(code).split("-")
        self.assertEqual(len(groups), 6)
        self.assertTrue(all(len(group) == 4 for group in groups))
        self.assertEqual("".join(groups), code)
        self.assertEqual(card_code.format_code(""), "")
        self.assertEqual(card_code.format_code(False), "")

    def test_normalize_user_input(self):
        expected = "ABCDEFGHJKMNPQRSTUVWXYZ2"
        for text in (
            "ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2",
            "abcd-efgh-jkmn-pqrs-tuvw-xyz2",
            "abcd efgh jkmn pqrs tuvw xyz2",
            "  AbCd\tEfGh\nJKMN--PQRS - TUVW xYz2 ",
            "ABCD\u00a0EFGH JKMN PQRS TUVW XYZ2",
        ):
            with self.subTest(text=text):
                normalized = card_code.normalize_code(text)
                self.assertEqual(normalized, expected)
                self.assertTrue(card_code.is_well_formed(normalized))
        # round trip: the printed code reads back as the raw code
        code = card_code.generate_code()
        self.assertEqual(card_code.normalize_code(card_code.format_code(code)), code)
        self.assertEqual(card_code.normalize_code(""), "")
        self.assertEqual(card_code.normalize_code(None), "")

    def test_look_alikes_are_not_guessed(self):
        # O and 0 are not mapped to anything: the code is refused, not guessed
        typed = "OBCD-EFGH-JKMN-PQRS-TUVW-XYZ0"
        normalized = card_code.normalize_code(typed)
        self.assertEqual(normalized, "OBCDEFGHJKMNPQRSTUVWXYZ0")
        self.assertFalse(card_code.is_well_formed(normalized))

    def test_malformed_codes_rejected(self):
        good = "ABCDEFGHJKMNPQRSTUVWXYZ2"
        self.assertTrue(card_code.is_well_formed(good))
        for raw in (
            "",
            None,
            12345,
            good[:-1],  # too short
            good + "X",  # too long
            good.lower(),  # not normalized
            "ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2",  # formatted, not raw
            "ABCDEFGHJKMNPQRSTUVWXYZ0",  # look-alike 0
            "ABCDEFGHJKMNPQRSTUVWXYZO",  # look-alike O
            "ABCDEFGHJKMNPQRSTUVWXYZ1",  # look-alike 1
            "ABCDEFGHJKMNPQRSTUVWXYZI",  # look-alike I
            "ABCDEFGHJKMNPQRSTUVWXYZL",  # look-alike L
            "ABCDEFGHJKMNPQRSTUVWXYZ ",  # whitespace
            "ABCDEFGHJKMNPQRSTUVWXYZÉ",  # outside the alphabet
        ):
            with self.subTest(raw=raw):
                self.assertFalse(card_code.is_well_formed(raw))

    def test_last_group(self):
        self.assertEqual(card_code.last_group("ABCDEFGHJKMNPQRSTUVWXYZ2"), "XYZ2")
        self.assertEqual(card_code.last_group(False), "")

"""Support Credit Card codes: generation, printing and reading back.

A code is ``CODE_LENGTH`` symbols drawn with :mod:`secrets` from ``ALPHABET``,
the uppercase letters and digits without the look-alikes 0, O, 1, I and L.
24 symbols of 31 carry 24 * log2(31) ~ 119 bits (doc/rules.md, "Cards" asks for
at least 80); even with the last group shown (cards are named "Card …XYZ2"), the
20 symbols never shown carry ~99 bits. The raw code (no separators) is what is
stored and compared; it is printed in groups of four separated by dashes.

Pure functions, standard library only.
"""

import math
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 24
GROUP_SIZE = 4
SEPARATOR = "-"

_ALPHABET_SET = frozenset(ALPHABET)


def entropy_bits(length=CODE_LENGTH, alphabet=ALPHABET):
    """Bits of randomness in a code of ``length`` symbols of ``alphabet``."""
    return length * math.log2(len(alphabet))


def generate_code():
    """Return a new raw code: ``CODE_LENGTH`` symbols from a cryptographic source."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(raw):
    """Return ``raw`` in groups of four separated by dashes (``ABCD-EFGH-...``).

    A last group shorter than four is kept as it is; an empty code gives "".
    """
    raw = raw or ""
    return SEPARATOR.join(
        raw[i : i + GROUP_SIZE] for i in range(0, len(raw), GROUP_SIZE)
    )


def normalize_code(text):
    """Return the raw code typed or pasted as ``text``.

    Uppercases it and drops every dash and whitespace character. Nothing else
    is changed: a look-alike such as ``O`` or ``1`` stays as typed (none of
    them is in the alphabet, so :func:`is_well_formed` rejects the result
    rather than silently guessing what was meant).
    """
    if not text:
        return ""
    return "".join(ch for ch in text.upper() if ch != SEPARATOR and not ch.isspace())


def is_well_formed(raw):
    """Whether ``raw`` is a raw code: ``CODE_LENGTH`` symbols of ``ALPHABET``."""
    return (
        isinstance(raw, str)
        and len(raw) == CODE_LENGTH
        and all(ch in _ALPHABET_SET for ch in raw)
    )


def last_group(raw):
    """Return the last group of ``raw`` (what a display name may show of it)."""
    raw = raw or ""
    return raw[-GROUP_SIZE:]

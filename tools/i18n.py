#!/usr/bin/env python3
"""Refresh the addon's translation files: `make pot`.

    python3 tools/i18n.py              # export i18n/support_contract.pot,
                                       # merge it into i18n/*.po
    python3 tools/i18n.py --check      # change nothing; fail when the .pot or
                                       # a .po is not current
    python3 tools/i18n.py --db NAME    # export from an existing database
                                       # (the addon installed, with demo)

Without --db, a database `sc_i18n_<clone id>_<pid>` is copied from the
development template (tools/devenv.py), the addon is installed there with its
demo data (as `make run` and `make test` do), the terms are exported with
Odoo's own exporter (`odoo i18n export`), and the database is dropped.

Merging works as gettext's `msgmerge --no-fuzzy-matching`: every msgid of the
.pot is in each .po afterwards, a new one with an empty translation, and a
msgid that is no longer exported stays at the end of the file as an obsolete
`#~` entry (Odoo ignores those) for the translator to reuse. Translations are
never guessed: Odoo reads a fuzzy entry as a real translation.

It ends with the state of each .po: entries, untranslated, fuzzy and entries
whose placeholders (`%(name)s`, `%s`, `{{ ... }}`) or markup differ from the
msgid. Translate the untranslated ones (see i18n/README.md) and run
`python3 tools/i18n.py --check` until it says nothing is left.

The helpers above `main()` are plain functions, also used by
tests/test_i18n.py.
"""

import contextlib
import os
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "i18n"
ADDON = "support_contract"
POT = I18N / f"{ADDON}.pot"


# --------------------------------------------------------------------------
# Helpers (no database needed)
# --------------------------------------------------------------------------
@contextlib.contextmanager
def pruned_walk(skip=(".local", ".git", "node_modules", "__pycache__")):
    """Make `os.walk` skip these directories while Odoo scans the addons.

    The development environment lives inside the addon (`.local/`, with
    Odoo's own source and the virtual environment), and Odoo's exporter walks
    the addons path following symbolic links: without this, it would scan
    the whole of Odoo under the addon's name, again and again through the
    `.local/addons/support_contract` link, and attribute Odoo's terms to it.
    """
    walk = os.walk

    def walk_pruned(top, topdown=True, onerror=None, followlinks=False):
        for root, dirs, files in walk(
            top, topdown=True, onerror=onerror, followlinks=followlinks
        ):
            dirs[:] = [name for name in dirs if name not in skip]
            yield root, dirs, files

    os.walk = walk_pruned
    try:
        yield
    finally:
        os.walk = walk


# "% d" (space flag) is left out: it reads "20% de" as a placeholder.
_PYTHON_FORMAT = re.compile(r"%(?:\([A-Za-z_]\w*\))?[-#0+]?\d*(?:\.\d+)?[sdifr]")
_BRACES = re.compile(r"\{\{.*?\}\}|\{[A-Za-z_]?\w*\}")
_TAG = re.compile(r"<[^<>]+>")
# Attributes whose value is translated (Odoo's TRANSLATED_ATTRS): their value
# may change.
_TRANSLATED_ATTR = re.compile(
    r"\b((?:t-attf-)?"
    r"(?:string|help|title|alt|placeholder|aria-label|confirm|label|data-tooltip))"
    r'="[^"]*"'
)


def placeholders(text):
    """What a translation must keep of its msgid: the Python format
    placeholders, the `{{ expression }}`/`{name}` placeholders and the
    markup (each tag as written, attributes and `t-` directives included,
    but the values of translated attributes such as title; the tags' order
    may change)."""
    return (
        Counter(_PYTHON_FORMAT.findall(text)),
        Counter(_BRACES.findall(text)),
        Counter(_TRANSLATED_ATTR.sub(r'\1="…"', tag) for tag in _TAG.findall(text)),
    )


def po_problems(po):
    """`(untranslated, fuzzy, broken)`: the msgids of a polib `po` without a
    translation, marked fuzzy, and those whose translation lost or added a
    placeholder or a tag (with the difference)."""
    untranslated, fuzzy, broken = [], [], []
    for entry in po:
        if entry.obsolete:
            continue
        if not entry.msgstr:
            untranslated.append(entry.msgid)
            continue
        if entry.fuzzy:
            fuzzy.append(entry.msgid)
        wanted, found = placeholders(entry.msgid), placeholders(entry.msgstr)
        if wanted != found:
            missing = sum(
                ((w - f) for w, f in zip(wanted, found, strict=False)), Counter()
            )
            extra = sum(
                ((f - w) for w, f in zip(wanted, found, strict=False)), Counter()
            )
            broken.append((entry.msgid, sorted(missing), sorted(extra)))
    return untranslated, fuzzy, broken


def merge_po(po, pot):
    """Merge the template `pot` into the translations `po` (polib files), in
    place: `msgmerge --no-fuzzy-matching`, entries sorted as Odoo writes them
    (by msgid), obsolete entries last."""
    po.merge(pot)
    active = sorted(
        (entry for entry in po if not entry.obsolete), key=lambda entry: entry.msgid
    )
    obsolete = sorted(
        (entry for entry in po if entry.obsolete), key=lambda entry: entry.msgid
    )
    po[:] = active + obsolete
    if pot.metadata.get("POT-Creation-Date"):
        po.metadata["POT-Creation-Date"] = pot.metadata["POT-Creation-Date"]
    return po


def msgids(po):
    return {entry.msgid for entry in po if not entry.obsolete}


# --------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------
def export_pot(config, db, target):
    """Odoo's `odoo i18n export` of the addon's terms from `db` to `target`."""
    from odoo.cli.i18n import I18n  # noqa: PLC0415 - inside the virtual environment

    with pruned_walk():
        I18n().run(["export", "-c", str(config), "-d", db, ADDON, "-o", str(target)])


def report(path, po):
    untranslated, fuzzy, broken = po_problems(po)
    active = len(msgids(po))
    obsolete = sum(1 for entry in po if entry.obsolete)
    print(
        f"{path.relative_to(ROOT)}: {active} entries, "
        f"{len(untranslated)} untranslated, "
        f"{len(fuzzy)} fuzzy, {len(broken)} with placeholders or markup changed, "
        f"{obsolete} obsolete"
    )
    for msgid in untranslated:
        print(f"  untranslated: {msgid[:100]!r}")
    for msgid in fuzzy:
        print(f"  fuzzy: {msgid[:100]!r}")
    for msgid, missing, extra in broken:
        print(f"  changed: {msgid[:100]!r}: missing {missing}, extra {extra}")
    return not (untranslated or fuzzy or broken)


def main(argv):
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help=(
            "change nothing: fail when the .pot misses or has extra terms, "
            "or a .po is incomplete"
        ),
    )
    parser.add_argument(
        "--db", help="an existing database with the addon installed (kept)"
    )
    args = parser.parse_args(argv)

    # Inside the virtual environment, with the machine set up (as `make run` does).
    sys.path.insert(0, str(ROOT / "tools"))
    import devenv  # noqa: PLC0415

    if Path(sys.executable) != devenv.VENV_PY:
        devenv.run([sys.executable, ROOT / "tools" / "devenv.py", "setup"])
        os.execv(str(devenv.VENV_PY), [str(devenv.VENV_PY), __file__, *argv])

    import polib  # noqa: PLC0415

    config = devenv.LOCAL / "odoo.conf"
    pg = db = None
    if args.db:
        db = args.db
    else:
        with devenv.setup_lock():
            pg = devenv.ensure_postgres()
            db = devenv.clone_template(
                pg, config, f"sc_i18n_{devenv.CLONE_ID}_{os.getpid()}"
            )
        devenv.log(f"installing {ADDON} with its demo data in database {db}")
        devenv.run(
            devenv.odoo_cmd(
                config,
                "-d",
                db,
                "-i",
                ADDON,
                "--with-demo",
                "--stop-after-init",
                "--max-cron-threads=0",
                "--http-port",
                str(devenv.free_port()),
                "--log-level=warn",
            )
        )
    fresh = I18N / f".{ADDON}.{os.getpid()}.pot"
    try:
        export_pot(config, db, fresh)
        exported = fresh.read_bytes()
        pot = polib.pofile(exported.decode())
    finally:
        fresh.unlink(missing_ok=True)
        if pg:
            devenv.drop_db(pg, db)

    ok = True
    if args.check:
        current = polib.pofile(str(POT)) if POT.exists() else polib.POFile()
        missing, extra = msgids(pot) - msgids(current), msgids(current) - msgids(pot)
        print(
            f"{POT.relative_to(ROOT)}: {len(msgids(current))} entries, "
            f"{len(missing)} missing, "
            f"{len(extra)} no longer exported"
        )
        for msgid in sorted(missing):
            print(f"  missing: {msgid[:100]!r}")
        for msgid in sorted(extra):
            print(f"  no longer exported: {msgid[:100]!r}")
        ok = not (missing or extra)
    else:
        POT.write_bytes(exported)
        print(f"{POT.relative_to(ROOT)}: {len(msgids(pot))} entries exported")
    for path in sorted(I18N.glob("*.po")):
        po = polib.pofile(str(path))
        if not args.check:
            merge_po(po, pot)
            po.save(str(path))
        else:
            po = merge_po(po, pot)  # as it would be, to report what the .pot adds
        ok = report(path, po) and ok
    if args.check and not ok:
        print(
            "Not current: run `make pot`, then translate what is listed "
            "(i18n/README.md)."
        )
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

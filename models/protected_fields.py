# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Fields that the addon's rules compute or write themselves.

The ledger trusts them (who pays, what was metered, what was granted), so no
user writes them: not from a form, not over RPC, not by an import. The
addon's own code writes them as superuser (``sudo()``), after its own checks;
a request from outside never runs as superuser, whatever its context.
"""

from odoo.exceptions import AccessError


def check_protected_write(records, vals, names):
    """Refuse ``vals`` (of a ``create`` or ``write`` on ``records``) when it
    sets any of the fields ``names``, unless the caller is the addon's own
    code running as superuser.

    :raise AccessError: naming the fields, for any other caller.
    """
    if records.env.su:
        return
    written = [name for name in names if name in vals]
    if written:
        raise AccessError(
            records.env._(
                "%(fields)s of %(model)s are set by the support rules themselves and "
                "cannot be written.",
                fields=field_labels(records, written),
                model=records.env["ir.model"].sudo()._get(records._name).name
                or records._description,
            )
        )


def field_labels(records, names):
    """The labels of the fields ``names`` of ``records``' model, in the
    user's language, for a message: "Credits, Expiry Date"."""
    return ", ".join(
        records._fields[name]._description_string(records.env) for name in names
    )

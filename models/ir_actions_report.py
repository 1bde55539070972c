# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class IrActionsReport(models.Model):
    """A report may say how long wkhtmltopdf waits for its JavaScript.

    Odoo makes wkhtmltopdf wait ``report.print_delay`` (1,000 ms unless
    configured) after loading every PDF, for scripts that draw charts and
    the like. The addon's reports (credit statement, credit card) run no
    script but the page numbering of the footer, which runs on load: the wait
    is a whole second of a worker doing nothing, for every PDF a customer
    downloads.
    """

    _inherit = "ir.actions.report"

    support_print_delay = fields.Integer(
        string="PDF Script Delay (ms)",
        help="How long wkhtmltopdf waits for the report's scripts after loading it, in "
        "milliseconds. Empty: the system parameter report.print_delay (1,000 ms by "
        "default).",
    )

    def _run_wkhtmltopdf(self, bodies, report_ref=False, **kwargs):
        report = self._get_report(report_ref) if report_ref else self
        delay = report[:1].support_print_delay if report else 0
        if delay:
            self = self.with_context(support_print_delay=delay)
        return super()._run_wkhtmltopdf(bodies, report_ref=report_ref, **kwargs)

    @api.model
    def _build_wkhtmltopdf_args(self, *args, **kwargs):
        command_args = super()._build_wkhtmltopdf_args(*args, **kwargs)
        delay = self.env.context.get("support_print_delay")
        if delay and "--javascript-delay" in command_args:
            command_args[command_args.index("--javascript-delay") + 1] = str(delay)
        return command_args

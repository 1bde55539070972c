# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from unittest.mock import patch

from odoo.tests import TransactionCase, tagged

from odoo.addons.base.models import ir_actions_report


@tagged("post_install", "-at_install")
class TestReportPrintDelay(TransactionCase):
    """The addon's PDFs do not make wkhtmltopdf wait Odoo's default second
    for scripts they do not have (a worker idle for a second per download,
    see README "Reports under load"); other reports keep the system's delay."""

    def _pdf_args(self, report_ref, res_ids, data=None):
        calls = []
        real = ir_actions_report._run_wkhtmltopdf

        def spy(args):
            calls.append(args)
            return real(args)

        with patch.object(ir_actions_report, "_run_wkhtmltopdf", spy):
            pdf, kind = (
                self.env["ir.actions.report"]
                .with_context(
                    force_report_rendering=True,
                )
                ._render_qweb_pdf(report_ref, res_ids, data=data)
            )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertEqual(len(calls), 1)
        args = calls[0]
        return args[args.index("--javascript-delay") + 1]

    def test_statement_and_card_wait_100_ms(self):
        partner = self.env["res.partner"].create(
            {"name": "Delay Org", "is_company": True}
        )
        statement = self.env.ref(
            "support_contract.res_partner_action_report_support_statement"
        )
        self.assertEqual(statement.support_print_delay, 100)
        delay = self._pdf_args(
            statement.report_name,
            partner.ids,
            data={
                "date_from": "2026-01-01",
                "date_to": "2026-01-31",
                "company_id": self.env.company.id,
            },
        )
        self.assertEqual(delay, "100")

    def test_other_reports_keep_the_system_delay(self):
        self.env["ir.config_parameter"].set_param("report.print_delay", "750")
        partner = self.env["res.partner"].create({"name": "Other Report Org"})
        report = self.env["ir.actions.report"].create(
            {
                "name": "Plain partner report",
                "model": "res.partner",
                "report_type": "qweb-pdf",
                "report_name": "support_contract.report_support_credit_statement",
            }
        )
        self.assertFalse(report.support_print_delay)
        self.assertEqual(
            self._pdf_args(
                report,
                partner.ids,
                data={
                    "date_from": "2026-01-01",
                    "date_to": "2026-01-31",
                    "company_id": self.env.company.id,
                },
            ),
            "750",
        )

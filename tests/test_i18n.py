"""Translations (issue 13): the .pot stays current, es.po is complete, and a
Spanish-speaking customer reads the backend, the portal and the card email in
Spanish, with dates in the Spanish format."""

import importlib.util
from datetime import date, timedelta

import polib

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools.misc import file_path
from odoo.tools.translate import TranslationModuleReader

from .common import ADDON, SpanishCase


def _i18n_tool():
    """tools/i18n.py (`make pot`): its helpers are the ones the command uses."""
    spec = importlib.util.spec_from_file_location(
        "support_contract_i18n_tool", file_path(f"{ADDON}/tools/i18n.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestTranslationFiles(TransactionCase):
    """The files translators work on: i18n/support_contract.pot and i18n/es.po."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tool = _i18n_tool()
        cls.pot = polib.pofile(file_path(f"{ADDON}/i18n/{ADDON}.pot"))
        cls.es = polib.pofile(file_path(f"{ADDON}/i18n/es.po"))

    def test_pot_has_every_term_of_the_addon(self):
        """Odoo's own exporter (as `odoo i18n export` and `make pot` run it),
        on this database: every term it finds is in the .pot, and the .pot has
        no term it no longer finds. Run `make pot` when this fails."""
        with self.tool.pruned_walk():
            reader = TranslationModuleReader(self.env.cr, modules=[ADDON])
        exported = {
            source
            for module, _type, _name, _res_id, source, _value, _comments in reader
            if module == ADDON
        }
        in_pot = self.tool.msgids(self.pot)
        missing, stale = sorted(exported - in_pot), sorted(in_pot - exported)
        self.assertTrue(exported, "the exporter found the addon's terms")
        missing_lines = "\n".join(f"  {msgid!r}" for msgid in missing) or "  -"
        stale_lines = "\n".join(f"  {msgid!r}" for msgid in stale) or "  -"
        self.assertFalse(
            missing or stale,
            "i18n/support_contract.pot is not current: run `make pot` and "
            "translate the new terms (i18n/README.md).\n"
            f"Missing from the .pot:\n{missing_lines}\n"
            f"No longer in the addon:\n{stale_lines}",
        )

    def test_spanish_is_complete_and_keeps_placeholders_and_markup(self):
        missing = sorted(self.tool.msgids(self.pot) - self.tool.msgids(self.es))
        untranslated, fuzzy, broken = self.tool.po_problems(self.es)
        self.assertFalse(
            missing,
            f"msgids of the .pot missing from es.po (run `make pot`): {missing}",
        )
        self.assertFalse(untranslated, f"untranslated in es.po: {untranslated}")
        self.assertFalse(
            fuzzy, f"fuzzy in es.po (Odoo would use them as they are): {fuzzy}"
        )
        self.assertFalse(
            broken, f"es.po lost or added placeholders or markup: {broken}"
        )

    def test_placeholder_check_catches_a_broken_translation(self):
        po = polib.POFile()
        po.append(
            polib.POEntry(
                msgid="Renews on %(date)s for %(amount)s.",
                msgstr="Se renueva el %(fecha)s.",
            )
        )
        po.append(
            polib.POEntry(
                msgid="<strong>Priority:</strong>", msgstr="<b>Prioridad:</b>"
            )
        )
        po.append(
            polib.POEntry(
                msgid='<i class="fa fa-x" title="Until"/>',
                msgstr='<i class="fa fa-x" title="Hasta"/>',
            )
        )
        po.append(
            polib.POEntry(msgid="Last 20% of the window", msgstr="Último 20% del plazo")
        )
        _untranslated, _fuzzy, broken = self.tool.po_problems(po)
        self.assertEqual(
            [msgid for msgid, _missing, _extra in broken],
            ["Renews on %(date)s for %(amount)s.", "<strong>Priority:</strong>"],
        )


@tagged("post_install", "-at_install")
class TestSpanishBackend(SpanishCase):
    def test_field_label_help_and_selection(self):
        info = self.es_env["support.contract"].fields_get(
            ["auto_renew", "state"], ["string", "help", "selection"]
        )
        self.assertEqual(info["auto_renew"]["string"], "Renovación automática")
        self.assertIn("presupuesto de renovación", info["auto_renew"]["help"])
        self.assertIn(("lapsed", "Caducado"), info["state"]["selection"])
        card_states = dict(
            self.es_env["support.credit.card"].fields_get(["state"])["state"][
                "selection"
            ]
        )
        self.assertEqual(card_states["claimed"], "Canjeada")

    def test_menus_and_actions(self):
        self.assertEqual(
            self.env.ref("support_contract.support_menu_root")
            .with_env(self.es_env)
            .name,
            "Soporte",
        )
        self.assertEqual(
            self.env.ref("support_contract.support_menu_credits")
            .with_env(self.es_env)
            .name,
            "Créditos",
        )

    def test_error_message(self):
        with self.assertRaisesRegex(
            UserError, "Las fechas de un contrato provienen de sus períodos"
        ):
            self.es_env["support.contract"].browse().write({"date_start": "2026-01-01"})

    def test_standard_priority_wording_is_translated_where_it_is_read(self):
        Sla = self.env["support.plan.sla"]
        self.assertEqual(Sla._default_level("3")[0], "Blocker")
        name, definition = Sla.with_env(self.es_env)._default_level("3")
        self.assertEqual(name, "Bloqueante")
        self.assertIn("El sistema está caído", definition)

    def test_dates_in_messages_follow_the_language(self):
        deployment = self.env["support.deployment"].create(
            {"name": "ES-I18N-1", "partner_id": self._create_organization("Org").id}
        )
        contract = self._create_contract(
            deployment,
            self.env.ref("support_contract.support_plan_premium"),
            (date(2026, 3, 1), date(2027, 2, 28)),
        )
        self.assertEqual(contract.term_ids.display_name, "03/01/2026 to 02/28/2027")
        self.assertEqual(
            contract.term_ids.with_env(self.es_env).display_name,
            "Del 01/03/2026 al 28/02/2027",
        )


@tagged("post_install", "-at_install")
class TestSpanishCustomer(SpanishCase, HttpCase):
    """A Spanish organization's portal user, and the email its card sends."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.context_today(cls.env.user)
        cls.org = cls._create_organization(
            "Soluciones Hispanas",
            lang="es_ES",
            email="soporte@hispanas.example.com",
        )
        cls.user = cls._create_portal_user(
            "portal_es",
            cls.org,
            name="Lucía Pérez",
            email="lucia@hispanas.example.com",
            lang="es_ES",
        )
        plan = cls.env["support.plan"].create({"name": "Plan Hispano"})
        Deployment = cls.env["support.deployment"]
        cls.deployment = Deployment.create(
            {"name": "ES-PBX-1", "partner_id": cls.org.id}
        )
        Deployment.create(
            {"name": "ES-PBX-2", "partner_id": cls.org.id}
        )  # never covered
        cls.contract = cls._create_contract(
            cls.deployment,
            plan,
            (today - timedelta(days=100), date(2099, 3, 31)),
        )
        cls.env["support.credit.lot"]._grant(
            cls.org, 345, today + timedelta(days=200), "Initial credits"
        )

    def _page(self, url):
        self.authenticate("portal_es", "portal_es_pw")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return response.text

    def test_overview_and_deployment_page(self):
        page = self._page("/my/support")
        for text in (
            "Cuenta de soporte de Soluciones Hispanas",
            "Saldo de créditos",
            "Próximas renovaciones",
            "Tickets abiertos",
            "No tiene ninguna renovación pendiente.",
        ):
            self.assertIn(text, page)
        page = self._page(f"/my/support/deployments/{self.deployment.id}")
        # whole sentence, the date in the Spanish format
        self.assertIn(
            "Se renueva el <strong>31/03/2099</strong>"
            " (renovación automática activada).",
            page,
        )
        self.assertIn("Desactivar la renovación automática", page)

    def test_credits_page(self):
        page = self._page("/my/support/credits")
        self.assertIn(
            'Saldo: <strong class="o_support_credit_balance">345</strong> créditos',
            page,
        )
        for text in (
            "Créditos disponibles",
            "Historial",
            "Vence primero",
            "Estado de cuenta de créditos (PDF)",
            "Otorgamiento",
        ):
            self.assertIn(text, page)

    def test_new_ticket_form(self):
        page = self._page("/new/ticket")
        for text in (
            "Implementación",
            "(sin cobertura: el tiempo se factura por hora)",
            # the standard wording (the plan words no level its own way)
            "Bloqueante",
            "El sistema está caído o gravemente degradado",
        ):
            self.assertIn(text, page)
        self.assertNotIn("Blocker", page)

    def test_card_email_and_card_in_spanish(self):
        card = self.env["support.credit.card"]._issue(
            [
                {
                    "credits": 120,
                    "buyer_partner_id": self.org.id,
                    "expiry_date": "2027-03-10",
                },
            ]
        )
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "support.credit.card"), ("res_id", "=", card.id)])
        )
        self.assertEqual(len(mail), 1)
        self.assertEqual(
            mail.subject,
            f"{card.company_id.name}: su Tarjeta de Créditos de Soporte "
            f"({card.with_context(lang='es_ES').display_name})",
        )
        for text in (
            "Aquí tiene su Tarjeta de Créditos de Soporte",
            "Cómo canjearla",
            "se puede canjear hasta el <strong>10/03/2027</strong>",
            card.code_display,
        ):
            self.assertIn(text, mail.body_html)
        # the card's page and printout, for the buyer's portal user
        page = self._page(card._get_portal_url())
        self.assertIn("Vencimiento", page)
        self.assertIn("Entregue este código a quien deba recibir los créditos", page)
        self.authenticate("portal_es", "portal_es_pw")
        # the report's response names no charset: read it as the UTF-8 it is
        printout = self.url_open(
            card._get_portal_url() + "?report_type=html"
        ).content.decode()
        self.assertIn("Cómo canjear esta tarjeta", printout)
        self.assertIn("10/03/2027", printout)

    def test_ledger_reasons_are_written_in_the_organizations_language(self):
        """A reason is stored text: it is written in its reader's language, so
        the Spanish customer's history and statement read Spanish."""
        engineer = new_test_user(
            self.env,
            login="engineer_en",
            name="English Engineer",
            lang="en_US",
            groups="base.group_user,helpdesk_mgmt.group_helpdesk_user,"
            "support_contract.group_support_user,"
            "hr_timesheet.group_hr_timesheet_user",
        )
        employee = self.env["hr.employee"].create(
            {"name": engineer.name, "user_id": engineer.id}
        )
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "Llamadas cortadas",
                "description": "x",
                "partner_id": self.user.partner_id.id,
                "support_deployment_id": self.deployment.id,
            }
        )
        self.env["account.analytic.line"].with_user(engineer).create(
            {
                "ticket_id": ticket.id,
                "unit_amount": 0.5,
                "name": "Work",
                "employee_id": employee.id,
            }
        )
        move = self.env["support.credit.move"].search(
            [("ticket_id", "=", ticket.id), ("move_type", "=", "consume")]
        )
        self.assertEqual(move.reason, "Tiempo registrado en un ticket")
        self.assertIn(
            "Tiempo registrado en un ticket", self._page("/my/support/credits")
        )

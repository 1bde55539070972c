import re

from odoo.tests import TransactionCase, tagged

# The scheme of the addon's record ids (README, "Code layout"): Odoo's coding
# guidelines for views, actions and menus.
VIEW = r"{model}_view_{type}(_[a-z0-9_]+)?"
ACTION = r"{model}_action(_[a-z0-9_]+)?"
MENU = r"({model}_menu(_[a-z0-9_]+)?|support_menu_[a-z0-9_]+)"
# QWeb: portal pages and reports as Odoo names its own; an extension of an
# Odoo template is that template's name followed by "_support".
QWEB = r"(portal_[a-z0-9_]+|report_[a-z0-9_]+|[a-z0-9_]+_support)"


@tagged("post_install", "-at_install")
class TestRecordIdScheme(TransactionCase):
    def _ids(self, model):
        data = self.env["ir.model.data"].search(
            [("module", "=", "support_contract"), ("model", "=", model)]
        )
        return {d.name: self.env[model].browse(d.res_id) for d in data}

    @staticmethod
    def _model(name):
        return name.replace(".", "_")

    def _assert_scheme(self, records, pattern_of):
        wrong = {
            xmlid: pattern
            for xmlid, record in records.items()
            for pattern in [pattern_of(record)]
            if not re.fullmatch(pattern, xmlid)
        }
        self.assertFalse(wrong, "ids out of the scheme (id: expected pattern)")

    def test_views(self):
        def pattern(view):
            if view.type == "qweb":
                return QWEB
            return VIEW.format(model=self._model(view.model), type=view.type)

        views = self._ids("ir.ui.view")
        self.assertGreater(len(views), 40)
        self._assert_scheme(views, pattern)

    def test_window_and_report_actions(self):
        actions = self._ids("ir.actions.act_window")
        self.assertGreater(len(actions), 8)
        self._assert_scheme(
            actions, lambda a: ACTION.format(model=self._model(a.res_model))
        )
        reports = self._ids("ir.actions.report")
        self.assertEqual(len(reports), 2)
        self._assert_scheme(
            reports, lambda r: ACTION.format(model=self._model(r.model))
        )

    def test_menus(self):
        def pattern(menu):
            model = menu.action and menu.action.sudo().res_model
            return MENU.format(model=self._model(model or "support"))

        menus = self._ids("ir.ui.menu")
        self.assertGreater(len(menus), 15)
        self._assert_scheme(menus, pattern)

from odoo.tests import HttpCase, TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_groups_exist_and_manager_implies_user(self):
        user_group = self.env.ref("support_contract.group_support_user")
        manager_group = self.env.ref("support_contract.group_support_manager")
        self.assertIn(user_group, manager_group.implied_ids)
        self.assertIn(self.env.ref("base.group_user"), user_group.implied_ids)
        self.assertIn(manager_group, self.env.ref("base.user_admin").all_group_ids)

    def test_support_menu_exists_for_support_users_only(self):
        menu = self.env.ref("support_contract.support_menu_root")
        self.assertFalse(menu.parent_id)
        self.assertEqual(menu.name, "Support")
        self.assertEqual(
            menu.group_ids, self.env.ref("support_contract.group_support_user")
        )
        visible = (
            self.env["ir.ui.menu"]
            .with_user(self.env.ref("base.user_admin"))
            ._visible_menu_ids()
        )
        self.assertIn(menu.id, visible)


@tagged("post_install", "-at_install")
class TestSupportMenuTour(HttpCase):
    def test_admin_opens_support_app(self):
        self.start_tour("/odoo", "support_contract_menu_tour", login="admin")

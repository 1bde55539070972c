"""Where tickets live (issue 11)."""
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestTicketHome(TransactionCase):
    """Tickets live in the Helpdesk app: the Support app has no ticket menu of
    its own, and Helpdesk's views carry the support fields and filters."""

    def test_one_home_for_tickets(self):
        Menu = self.env["ir.ui.menu"]
        support_root = self.env.ref("support_contract.menu_support_root")
        support_menus = Menu.search([("id", "child_of", support_root.id)])
        ticket_actions = [
            menu.action for menu in support_menus
            if menu.action and menu.action._name == "ir.actions.act_window" and menu.action.res_model == "helpdesk.ticket"
        ]
        self.assertFalse(ticket_actions, "no ticket menu in the Support app")
        self.assertFalse(self.env.ref("support_contract.menu_support_tickets", raise_if_not_found=False))
        breached = self.env.ref("support_contract.menu_support_tickets_breached")
        self.assertEqual(breached.parent_id, self.env.ref("helpdesk_mgmt.helpdesk_ticket_menu"))
        helpdesk_root = self.env.ref("helpdesk_mgmt.helpdesk_ticket_main_menu")
        self.assertIn(breached, Menu.search([("id", "child_of", helpdesk_root.id)]))

    def test_helpdesk_views_show_the_support_fields(self):
        engineer = new_test_user(
            self.env,
            login="home_engineer",
            groups="base.group_user,helpdesk_mgmt.group_helpdesk_user,support_contract.group_support_user,"
            "hr_timesheet.group_hr_timesheet_user",
        )
        action = self.env.ref("helpdesk_mgmt.helpdesk_ticket_action")
        views = self.env["helpdesk.ticket"].with_user(engineer).get_views(
            [(False, "list"), (False, "kanban"), (False, "form"), (False, "search")],
            {"action_id": action.id},
        )["views"]
        self.assertIn('name="support_deployment_id"', views["list"]["arch"])
        self.assertIn('name="sla_deadline"', views["kanban"]["arch"])
        for field in ("support_deployment_id", "support_balance", "support_timesheet_ids", "action_resolve_as_bug"):
            self.assertIn(f'name="{field}"', views["form"]["arch"])
        for name in ("sla_breached", "resolution_bug", "group_support_deployment"):
            self.assertIn(f'name="{name}"', views["search"]["arch"])

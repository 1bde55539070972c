import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// A support engineer works a covered ticket in the Helpdesk app: a new ticket
// reads "New Ticket"; the ticket shows its organization's balance, time logged
// on its timesheet lowers it, Resolve as Bug gives it back. The data is
// created by tests/test_flow_tours.py (TestEngineerTour): ticket "Switch
// reboots every night" of Cora Covered (Covered Tour Org, 200 credits),
// assigned to the engineer by someone else.
registry.category("web_tour.tours").add("support_contract_engineer_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("helpdesk_mgmt.helpdesk_ticket_main_menu", "Open Helpdesk"),
        {
            content: "Tickets",
            trigger: ".o_menu_sections [data-menu-xmlid='helpdesk_mgmt.helpdesk_ticket_menu']",
            run: "click",
        },
        {
            content: "All Tickets",
            trigger: ".dropdown-item[data-menu-xmlid='helpdesk_mgmt.helpdesk_all_ticket_menu']",
            run: "click",
        },
        {
            content: "A new ticket",
            trigger: ".o_control_panel .o_list_button_add",
            run: "click",
        },
        {
            content: "reads New Ticket in the breadcrumb",
            trigger: ".o_breadcrumb .o_last_breadcrumb_item:contains(New Ticket)",
        },
        {
            content: "and asks for its subject",
            trigger: ".o_form_view .o_field_widget[name=name] input[placeholder*=Subject]",
        },
        ...stepUtils.discardForm(),
        {
            content: "Open the covered ticket",
            trigger: ".o_data_row td[name=name]:contains(Switch reboots every night)",
            run: "click",
        },
        {
            content: "The ticket shows the organization's balance before logging time",
            trigger: ".o_support_ticket_balance:contains(Covered Tour Org) div[name=support_balance]:text(200)",
        },
        {
            content: "Timesheets",
            trigger: ".o_notebook a[name=support_timesheets]",
            run: "click",
        },
        {
            content: "Log time",
            trigger: "div[name=support_timesheet_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: "div[name=support_timesheet_ids] .o_selected_row div[name=name] input",
            run: "edit Read the crash logs",
        },
        {
            trigger: "div[name=support_timesheet_ids] .o_selected_row div[name=unit_amount] input",
            run: "edit 00:45",
        },
        ...stepUtils.saveForm(),
        {
            content: "The balance fell by the 45 minutes",
            trigger: ".o_support_ticket_balance div[name=support_balance]:text(155)",
        },
        {
            content: "The line is covered by credits",
            trigger: "div[name=support_timesheet_ids] .o_data_row td[name=support_covered_minutes]:text(45)",
        },
        {
            content: "It is a product bug",
            trigger: ".o_form_statusbar button[name=action_resolve_as_bug]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The credits are back",
            trigger: ".o_support_ticket_balance div[name=support_balance]:text(200)",
        },
        {
            content: "and the line shows what was refunded",
            trigger: "div[name=support_timesheet_ids] .o_data_row td[name=support_refunded_minutes]:text(45)",
        },
        {
            content: "The ticket is resolved as a bug",
            trigger: ".o_form_view:not(:has(button[name=action_resolve_as_bug]))",
        },
    ],
});

# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Support Contracts and Credits",
    "summary": "Support contracts per serial number or deployment, prepaid "
    "support credits metered from timesheets, Support Credit Cards, SLA "
    "targets and auto-renewal",
    "version": "19.0.1.0.0",
    "category": "Services/Helpdesk",
    "author": "support_contract authors",
    "website": "https://github.com/support-contract/support_contract",
    "license": "AGPL-3",
    "depends": ["sale_timesheet", "portal", "helpdesk_mgmt"],
    "data": [
        "security/support_security.xml",
        "security/ir.model.access.csv",
        "security/support_credit_card_rules.xml",
        "security/support_contract_rules.xml",
        "security/support_card_claim_rules.xml",
        "security/support_credit_rules.xml",
        "views/support_menus.xml",
        "views/support_plan_views.xml",
        "views/support_deployment_views.xml",
        "views/support_contract_views.xml",
        "views/product_template_views.xml",
        "views/support_credit_card_views.xml",
        "wizards/support_credit_card_claim_wizard_views.xml",
        "views/support_card_claim_attempt_views.xml",
        "views/support_portal_templates.xml",
        "report/support_credit_card_report.xml",
        "wizards/support_credit_adjust_wizard_views.xml",
        "views/support_credit_lot_views.xml",
        "views/support_credit_move_views.xml",
        "views/res_partner_views.xml",
        "wizards/support_deployment_apply_wizard_views.xml",
        "views/sale_order_views.xml",
        "data/ir_sequence_data.xml",
        "data/support_plan_data.xml",
        "data/support_contract_cron.xml",
        "data/support_credit_card_cron.xml",
        "data/mail_template_data.xml",
        "data/support_credit_cron.xml",
    ],
    "demo": [
        "demo/support_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "support_contract/static/tests/tours/**/*",
        ],
    },
    "application": True,
    "installable": True,
}

import { registry } from "@web/core/registry";

// A customer's support account: read the balance on the overview, open a
// deployment, turn its auto-renewal off with a reason, then download the
// credit statement. The data is created by tests/test_portal_account.py
// (TestPortalAccountTour): balance 345, deployment ACCOUNT-TOUR-1.
registry.category("web_tour.tours").add("support_contract_account_tour", {
    url: "/my/support",
    steps: () => [
        {
            content: "The overview shows the organization's balance",
            trigger: ".o_support_overview .o_support_balance:text(345)",
        },
        {
            content: "Open the deployment",
            trigger: ".o_support_deployment_row a:contains(ACCOUNT-TOUR-1)",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "It renews automatically",
            trigger: ".o_support_renewal_text:contains(Renews on)",
        },
        {
            content: "Ask to turn auto-renewal off",
            trigger: "button.o_support_auto_renew_off_toggle",
            run: "click",
        },
        {
            content: "The confirmation says what happens",
            trigger: ".o_support_auto_renew_off_form.show .alert:contains(nothing is refunded)",
        },
        {
            content: "Choose a reason",
            trigger: ".o_support_auto_renew_off_form select[name='reason_id']",
            run: "selectByLabel Too expensive",
        },
        {
            content: "Confirm",
            trigger: "button.o_support_auto_renew_off_confirm",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page says auto-renewal is off",
            trigger: ".o_support_message:contains(Auto-renewal is off)",
        },
        {
            content: "and that the contract expires",
            trigger: ".o_support_renewal_text:contains(auto-renewal off)",
        },
        {
            content: "Back to the overview",
            trigger: ".o_portal_submenu a[href='/my/support']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Go to the credit history",
            trigger: ".o_support_overview a[href='/my/support/credits']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Download the statement of the last 12 months (the page stays)",
            trigger: "a.o_support_statement_last_year[download]",
            run: "click",
        },
        {
            content: "The page stays, with the balance",
            trigger: ".o_support_credits_page .o_support_credit_balance:text(345)",
        },
    ],
});

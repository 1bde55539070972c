import { cookie } from "@web/core/browser/cookie";
import { deserializeDate, toLocaleDateString } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// A sales rep sells the support of a lapsed deployment: two lines of the
// support contract added without a deployment, Apply Deployment to All Lines,
// confirm, then the contract's expiry. The data is created by
// tests/test_flow_tours.py (TestSalesRepTour): customer Lena Lapsed, product
// "Tour Support Contract, 1 year", deployment TOUR-LAPSED-1 whose coverage
// ended 14 months ago (2 catch-up terms, then 1 more); the expiry the test
// computes comes in the cookie support_tour_expiry (YYYY-MM-DD).
function addContractLine(row) {
    return [
        {
            content: `Add line ${row}`,
            trigger: ".o_field_widget[name=order_line] a:contains(Add a product)",
            run: "click",
        },
        {
            content: "The new line is being edited",
            trigger: `.o_field_widget[name=order_line] .o_data_row:nth-child(${row}).o_selected_row`,
        },
        {
            content: "Choose the support contract product",
            trigger: ".o_selected_row div[name=product_template_id] input",
            run: "edit Tour Support Contract",
        },
        {
            trigger: "ul.ui-autocomplete a:contains(Tour Support Contract)",
            run: "click",
        },
        {
            content: "The line is priced",
            trigger: `.o_field_widget[name=order_line] .o_data_row:nth-child(${row}) td[name=price_subtotal]:contains(1,000.00)`,
        },
        {
            content: "Leave the line (no deployment yet)",
            trigger: "a[name=order_lines]",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=order_line] table:not(:has(.o_selected_row))",
        },
    ];
}

registry.category("web_tour.tours").add("support_contract_sales_rep_tour", {
    url: "/odoo",
    steps: () => {
        const expiry = toLocaleDateString(deserializeDate(cookie.get("support_tour_expiry")));
        return [
            ...stepUtils.goToAppSteps("sale.sale_menu_root", "Open Sales"),
            {
                content: "New quotation",
                trigger: ".o_list_button_add",
                run: "click",
            },
            {
                content: "Customer",
                trigger: ".o_field_widget[name=partner_id] input",
                run: "edit Lena Lapsed",
            },
            {
                trigger: "ul.ui-autocomplete a:contains(Lena Lapsed)",
                run: "click",
            },
            ...addContractLine(1),
            ...addContractLine(2),
            {
                content: "Apply one deployment to both lines (saves the quotation first)",
                trigger: "button[name=action_support_apply_deployment]",
                run: "click",
            },
            {
                content: "Choose the lapsed deployment",
                trigger: ".modal .o_field_widget[name=deployment_id] input",
                run: "edit TOUR-LAPSED-1",
            },
            {
                trigger: ".modal ul.ui-autocomplete a:contains(TOUR-LAPSED-1)",
                run: "click",
            },
            {
                content: "Apply to all",
                trigger: ".modal button[name=action_apply]",
                run: "click",
            },
            {
                content: "The first line catches up with 2 terms",
                trigger:
                    ".o_field_widget[name=order_line] .o_data_row:nth-child(1) td[name=support_catch_up_note]:contains(2 terms bring it past today)",
            },
            {
                content: "and covers TOUR-LAPSED-1",
                trigger:
                    ".o_field_widget[name=order_line] .o_data_row:nth-child(1) td[name=support_deployment_id]:contains(TOUR-LAPSED-1)",
            },
            {
                content: "The second line extends the first: its new expiry is the contract's",
                trigger: `.o_field_widget[name=order_line] .o_data_row:nth-child(2) td[name=support_new_expiry]:contains(${expiry})`,
            },
            {
                content: "Confirm",
                trigger: ".o_form_statusbar button[name=action_confirm]:enabled",
                run: "click",
            },
            {
                content: "The order is confirmed",
                trigger: ".o_field_widget[name=state] .o_arrow_button_current:contains(Sales Order)",
            },
            {
                content: "Open its support contract",
                trigger: "button[name=action_view_support_contracts]",
                run: "click",
            },
            {
                trigger: ".o_data_row td[name=deployment_id]:contains(TOUR-LAPSED-1)",
                run: "click",
            },
            {
                content: "The contract's expiry is the one the test computed",
                trigger: `.o_form_view .o_field_widget[name=date_end]:contains(${expiry})`,
            },
            {
                content: "and it is active again",
                trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains(Active)",
            },
        ];
    },
});

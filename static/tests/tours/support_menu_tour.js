import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// An administrator opens the Support app from the apps menu.
registry.category("web_tour.tours").add("support_contract_menu_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open the Support app",
            trigger: ".o_app[data-menu-xmlid='support_contract.support_menu_root']",
            run: "click",
        },
        {
            content: "The Support app is open",
            trigger: ".o_main_navbar .o_menu_brand:contains(Support)",
        },
    ],
});

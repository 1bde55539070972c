import { registry } from "@web/core/registry";

// A portal user claims a Support Credit Card and sees the new balance.
// The card (code ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2, 150 credits) is created by the
// Python test (tests/test_card_portal.py).
registry.category("web_tour.tours").add("support_contract_card_claim_tour", {
    url: "/my/support/cards/claim",
    steps: () => [
        {
            content: "Type the code as printed, in lower case",
            trigger: "form.o_support_claim_form input[name='code']",
            run: "edit abcd-efgh-jkmn-pqrs-tuvw-xyz2",
        },
        {
            content: "Claim it",
            trigger: "form.o_support_claim_form button.o_support_claim_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page says the card is claimed",
            trigger: ".o_support_claim_success:contains(150 credits now belong to Globex)",
        },
        {
            content: "and shows the new balance",
            trigger: ".o_support_claim_success .o_support_balance:text(150)",
        },
    ],
});

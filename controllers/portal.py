# Copyright 2026 support_contract authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.fields import Domain
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class SupportCardPortal(CustomerPortal):
    """Support Credit Cards in the portal: the cards the organization bought,
    one card (printable) and the claim form. Business rules live in
    ``support.credit.card``: these routes only translate HTTP to its methods.
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "support_card_count" in counters:
            Card = request.env["support.credit.card"]
            values["support_card_count"] = (
                Card.search_count(self._prepare_support_cards_domain())
                if Card.has_access("read")
                else 0
            )
        return values

    def _prepare_support_cards_domain(self):
        # the portal record rule says the same; the domain keeps staff who
        # browse /my to the cards of their own organization too
        organization = request.env.user.partner_id.commercial_partner_id
        return Domain("buyer_partner_id", "=", organization.id)

    def _get_support_card_searchbar_sortings(self):
        return {
            "date": {"label": request.env._("Newest"), "order": "id desc"},
            "expiry": {
                "label": request.env._("Expiry"),
                "order": "expiry_date asc, id desc",
            },
            "state": {"label": request.env._("Status"), "order": "state, id desc"},
        }

    @http.route(
        ["/my/support/cards", "/my/support/cards/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_support_cards(self, page=1, sortby=None, **kw):
        Card = request.env["support.credit.card"]
        sortings = self._get_support_card_searchbar_sortings()
        sortby = sortby if sortby in sortings else "date"
        domain = self._prepare_support_cards_domain()
        total = Card.search_count(domain) if Card.has_access("read") else 0
        pager = portal_pager(
            url="/my/support/cards",
            url_args={"sortby": sortby},
            total=total,
            page=page,
            step=self._items_per_page,
        )
        cards = (
            Card.search(
                domain,
                order=sortings[sortby]["order"],
                limit=self._items_per_page,
                offset=pager["offset"],
            )
            if total
            else Card
        )
        organization = request.env.user.partner_id.commercial_partner_id
        claimed = (
            Card.search(
                Domain("claimed_partner_id", "=", organization.id)
                & Domain("buyer_partner_id", "!=", organization.id),
                order="claim_date desc, id desc",
            )
            if Card.has_access("read")
            else Card
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                # read as superuser only what the user's own search returned:
                # the cards its organization bought (codes included)
                "cards": cards.sudo(),
                # the cards it claimed from another buyer: never their code
                "claimed_cards": claimed,
                "page_name": "support_cards",
                "pager": pager,
                "default_url": "/my/support/cards",
                "searchbar_sortings": sortings,
                "sortby": sortby,
            }
        )
        return request.render("support_contract.portal_my_support_cards", values)

    @http.route(
        ["/my/support/cards/<int:card_id>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_support_card(self, card_id, report_type=None, download=False, **kw):
        try:
            card_sudo = self._document_check_access("support.credit.card", card_id)
        except (AccessError, MissingError):
            # another organization's card does not exist, as far as this user knows
            raise request.not_found() from None
        if (
            card_sudo.buyer_partner_id
            != request.env.user.partner_id.commercial_partner_id
        ):
            raise request.not_found()
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=card_sudo,
                report_type=report_type,
                report_ref="support_contract.support_credit_card_action_report",
                download=download,
            )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "card": card_sudo,
                "page_name": "support_card",
            }
        )
        return request.render("support_contract.portal_my_support_card", values)

    @http.route(
        ["/my/support/cards/claim"],
        type="http",
        auth="user",
        website=True,
        methods=["GET", "POST"],
    )
    def portal_support_card_claim(self, code="", **kw):
        """GET: the claim form. POST (CSRF-checked): claim the code for the
        user's organization and show the outcome."""
        if request.httprequest.method != "POST":
            return request.render(
                "support_contract.portal_support_card_claim",
                self._prepare_claim_values(),
            )
        result = request.env["support.credit.card"]._claim_code(
            code,
            request.env.user.partner_id,
            remote_addr=request.httprequest.remote_addr,
        )
        values = self._prepare_claim_values(result=result)
        if not result.success:
            values["code"] = code  # let the user fix a typo
        return request.render("support_contract.portal_support_card_claim", values)

    def _prepare_claim_values(self, result=None):
        organization = request.env.user.partner_id.commercial_partner_id
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "support_card_claim",
                "result": result,
                "code": "",
                "organization": organization,
                "intro": request.env._(
                    "Enter the code of the card: its credits become credits of "
                    "%(organization)s.",
                    organization=Markup("<strong>%s</strong>")
                    % organization.display_name,
                ),
                "balance_sentence": request.env._(
                    "Your organization's credit balance is now %(credits)s credits.",
                    credits=Markup('<strong class="o_support_balance">%s</strong>')
                    % result.balance,
                )
                if result and result.success
                else "",
            }
        )
        return values

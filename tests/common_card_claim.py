from odoo.tests import new_test_user

KNOWN_CODE = "ABCD-EFGH-JKMN-PQRS-TUVW-XYZ2"


class CardClaimCommon:
    """Fixtures of the claim tests: a buyer organization, a claimer
    organization with a portal user, a third organization, and cards."""

    @classmethod
    def _setup_card_claim(cls, env):
        cls.Card = env["support.credit.card"]
        cls.Attempt = env["support.card.claim.attempt"]
        Partner = env["res.partner"]
        cls.buyer = Partner.create(
            {
                "name": "Acme Robotics",
                "is_company": True,
                "email": "billing@acme.example.com",
            }
        )
        cls.buyer_contact = Partner.create(
            {
                "name": "Ada Buyer",
                "parent_id": cls.buyer.id,
                "email": "ada@acme.example.com",
            }
        )
        cls.claimer = Partner.create({"name": "Globex", "is_company": True})
        cls.claimer_contact = Partner.create(
            {
                "name": "Hank Claimer",
                "parent_id": cls.claimer.id,
                "email": "hank@globex.example.com",
            }
        )
        cls.third = Partner.create({"name": "Initech", "is_company": True})
        cls.third_contact = Partner.create(
            {
                "name": "Peter Third",
                "parent_id": cls.third.id,
                "email": "peter@initech.example.com",
            }
        )
        cls.buyer_user = new_test_user(
            env,
            "card_buyer_portal",
            groups="base.group_portal",
            partner_id=cls.buyer_contact.id,
            password="card_buyer_portal",
            name="Ada Buyer",
            email="ada@acme.example.com",
        )
        cls.claimer_user = new_test_user(
            env,
            "card_claimer_portal",
            groups="base.group_portal",
            partner_id=cls.claimer_contact.id,
            password="card_claimer_portal",
            name="Hank Claimer",
            email="hank@globex.example.com",
        )
        cls.third_user = new_test_user(
            env,
            "card_third_portal",
            groups="base.group_portal",
            partner_id=cls.third_contact.id,
            password="card_third_portal",
            name="Peter Third",
            email="peter@initech.example.com",
        )
        cls.manager = new_test_user(
            env,
            "card_claim_manager",
            groups="support_contract.group_support_manager",
        )

    @property
    def Lot(self):
        return self.env["support.credit.lot"]

    def _card(self, **vals):
        return self.Card.create(
            {"credits": 60, "buyer_partner_id": self.buyer_contact.id, **vals}
        )

    def _claim(self, user, code, partner=None, remote_addr="10.0.0.1"):
        return self.Card.with_user(user)._claim_code(
            code,
            partner or user.partner_id,
            remote_addr=remote_addr,
        )

from . import support_credit_card_claim_wizard

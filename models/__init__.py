from . import support_credit_card

from . import support_credit_adjust_wizard

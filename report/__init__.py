from . import support_credit_statement

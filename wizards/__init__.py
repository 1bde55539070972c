from . import support_credit_card_claim_wizard
from . import support_deployment_apply_wizard
from . import support_credit_adjust_wizard
from . import support_contract_auto_renew_wizard
from . import support_credit_statement_wizard

from . import support_credit_card
from . import support_plan
from . import support_plan_sla
from . import support_deployment
from . import support_contract
from . import support_contract_term
from . import product_template
from . import support_card_claim_attempt

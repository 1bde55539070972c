from . import support_deployment_apply_wizard
from . import support_credit_adjust_wizard

from . import support_deployment_apply_wizard

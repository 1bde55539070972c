from . import test_install
from . import test_sale_support
from . import test_sale_performance
from . import test_card_code
from . import test_credit_card
from . import test_terms
from . import test_deployment
from . import test_contract

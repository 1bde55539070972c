from . import test_install
from . import test_terms
from . import test_deployment
from . import test_contract

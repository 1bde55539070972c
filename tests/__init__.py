from . import test_install
from . import test_fifo
from . import test_credit_ledger
from . import test_credit_ledger_property
from . import test_credit_ledger_performance

from . import test_install
from . import test_sale_support
from . import test_sale_performance

from . import test_install
from . import test_card_code
from . import test_credit_card

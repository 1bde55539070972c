from . import support_credit_lot
from . import support_credit_move
from . import res_partner

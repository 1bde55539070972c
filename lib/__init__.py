"""Pure computations of the addon (no Odoo imports), each unit-tested on its own."""

from . import quantity
from . import card_code
from . import terms
from . import fifo
from . import business_hours
from . import planner

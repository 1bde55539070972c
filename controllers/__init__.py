from . import main
from . import portal
from . import portal_support
from . import portal_credits

from . import lib
from . import controllers
from . import models
from . import wizards
from . import report

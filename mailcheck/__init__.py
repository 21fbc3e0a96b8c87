"""mailcheck: why mail did not arrive, and what to change.

    >>> import mailcheck
    >>> d = mailcheck.diagnose(open("bounce.eml", "rb").read())
    >>> d.top.rule, d.to_dict()["schema"]
"""

# First: re's cache gets the patterns compiled in earlier runs (see regexcache).
from . import regexcache

regexcache.warm()

import gc  # noqa: E402

# What the imports make lives as long as the process: the collections their allocations
# would set off (about 20, 2 ms of start-up) find next to nothing to free.
_collecting = gc.isenabled()
gc.disable()
try:
    from .diagnosis import diagnose, diagnose_evidence
    from .ingest import InputError, ingest
    from .model import Diagnosis, Evidence, Finding, RecipientResult
    from .rules import RuleError, RuleSet
finally:
    if _collecting:
        gc.enable()

__version__ = "0.1.0"

__all__ = ["diagnose", "diagnose_evidence", "ingest", "Diagnosis", "Evidence", "Finding",
           "RecipientResult", "RuleSet", "RuleError", "InputError", "__version__"]

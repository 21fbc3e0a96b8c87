"""mailcheck: why mail did not arrive, and what to change.

    >>> import mailcheck
    >>> d = mailcheck.diagnose(open("bounce.eml", "rb").read())
    >>> d.top.rule, d.to_dict()["schema"]
"""

# First: re's cache gets the patterns compiled in earlier runs (see regexcache).
from . import regexcache

regexcache.warm()

from .diagnosis import diagnose, diagnose_evidence  # noqa: E402
from .ingest import InputError, ingest  # noqa: E402
from .model import Diagnosis, Evidence, Finding, RecipientResult  # noqa: E402
from .rules import RuleError, RuleSet  # noqa: E402

__version__ = "0.1.0"

__all__ = ["diagnose", "diagnose_evidence", "ingest", "Diagnosis", "Evidence", "Finding",
           "RecipientResult", "RuleSet", "RuleError", "InputError", "__version__"]

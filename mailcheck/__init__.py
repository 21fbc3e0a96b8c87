"""mailcheck: why mail did not arrive, and what to change.

    >>> import mailcheck
    >>> d = mailcheck.diagnose(open("bounce.eml", "rb").read())
    >>> d.top.rule, d.to_dict()["schema"]
"""

from .diagnosis import diagnose, diagnose_evidence
from .ingest import InputError, ingest
from .model import Diagnosis, Evidence, Finding, RecipientResult
from .rules import RuleError, RuleSet

__version__ = "0.1.0"

__all__ = ["diagnose", "diagnose_evidence", "ingest", "Diagnosis", "Evidence", "Finding",
           "RecipientResult", "RuleSet", "RuleError", "InputError", "__version__"]

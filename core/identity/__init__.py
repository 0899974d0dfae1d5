"""Identity resolution: a database-free record-matching engine (issue 8).

Records are plain mappings of field name to string (``name``, ``family_name``,
``given_name``, ``birth_date``, ``address``, ``postcode``, ``suburb``/``city``,
``state``/``province``, ``phone``, ``email``, ``id_number``) with an ``id``. Rules
(:class:`MatchRules`) say how to block, compare and weigh; :func:`link` and :func:`dedupe`
return scored pairs with the passes and fields that fired. See docs/identity.md.
"""

from .blocking import Candidates, candidate_pairs
from .engine import ScoredPair, clusters, dedupe, link, score_pairs
from .prepare import Prepared, prepare
from .rules import (
    BlockingPass,
    Comparison,
    KeyPart,
    MatchRules,
    RuleError,
    default_rules,
    load_rules,
)
from .scoring import Scores

__all__ = [
    "BlockingPass", "Candidates", "Comparison", "KeyPart", "MatchRules", "Prepared",
    "RuleError", "ScoredPair", "Scores", "candidate_pairs", "clusters", "dedupe",
    "default_rules", "link", "load_rules", "prepare", "score_pairs",
]

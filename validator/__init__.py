"""dataplan-validator: validate mParticle Events API batches against Data Plans, offline.

Output is byte-identical to mParticle's reference library (@mparticle/data-planning-node).
"""

from ._kernel import BACKEND
from .api import PlanValidator, load_plan
from .blocking import BlockSettings, block_batch, clean_batch
from .errors import BatchFailure, PlanError, PlanProblem
from .stream import validate_stream

__version__ = "0.1.0"

__all__ = [
    "BACKEND",
    "BatchFailure",
    "BlockSettings",
    "PlanError",
    "PlanProblem",
    "PlanValidator",
    "__version__",
    "block_batch",
    "clean_batch",
    "load_plan",
    "validate_stream",
]

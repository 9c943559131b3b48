"""dataplan-validator: validate mParticle Events API batches against Data Plans, offline.

Output is byte-identical to mParticle's reference library (@mparticle/data-planning-node).
"""

from ._kernel import BACKEND
from .api import PlanValidator, load_plan
from .errors import BatchFailure, PlanError, PlanProblem

__version__ = "0.1.0"

__all__ = ["BACKEND", "BatchFailure", "PlanError", "PlanProblem", "PlanValidator", "load_plan", "__version__"]

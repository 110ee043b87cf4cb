"""Open data: API tokens, webhooks, exports and imports.

Each part keeps its models in its own package and lists them in `__all__`.
"""

from .exports.models import *  # noqa: F403
from .imports.models import *  # noqa: F403
from .rest.models import *  # noqa: F403
from .webhooks.models import *  # noqa: F403

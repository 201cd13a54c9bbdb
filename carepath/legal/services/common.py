"""What every legal-pathway write does (see services/__init__.py): the shared kernel's
carepath.core.writes, named here so the legal services read as one set."""

from carepath.core.writes import (  # noqa: F401
    action_mark_done,
    change,
    create,
    owner_refusal,
    refuse,
    require_access,
    require_function,
    validate,
    writing,
)

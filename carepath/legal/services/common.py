"""What every legal-pathway write does (see services/__init__.py): the shared kernel's
carepath.core.writes, named here so the legal services read as one set."""

from carepath.core.writes import (  # noqa: F401
    change,
    create,
    refuse,
    require_access,
    require_function,
    validate,
    writing,
)

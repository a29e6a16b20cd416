"""The optional ``analysis`` extra (numpy, datasketch, networkx, pyarrow): importing one of its libraries with a
one-line error naming the extra, and asking whether one is installed without importing it.

Story grouping (``signatures.py``), the link graph (``graph.py``), Parquet (``parquet.py``) and the exports that
need them (``export.py``) all go through here, so a missing library reads the same everywhere.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

EXTRA = "analysis"


class MissingExtra(ImportError):
    """A library of the optional ``analysis`` extra is not installed; the message is one line naming it."""


def require(module: str) -> Any:
    """Import ``module`` or raise :class:`MissingExtra` with a one-line message naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(
            f"{module} is not installed: install the {EXTRA!r} extra, pip install -e '.[{EXTRA}]'"
        ) from None


#: modules found installed once, not looked for again (a batch of the story grouping asks every time)
_found: set[str] = set()


def installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it (a module set to None in sys.modules cannot)."""
    if module not in _found:
        try:
            if importlib.util.find_spec(module) is None:
                return False
        except (ImportError, ValueError):
            return False
        _found.add(module)
    return True


__all__ = ["EXTRA", "MissingExtra", "installed", "require"]

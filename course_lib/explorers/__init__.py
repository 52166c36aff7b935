"""Ready-made interactive figures, one module per notebook.

``REGISTRY`` maps a name to a factory ``() -> Explorer``; the benchmark and
the tests build every registered explorer, so add new ones here.
"""
from importlib import import_module

#: explorer name -> "module:factory"
REGISTRY = {
    "easi_scorer": "course_lib.explorers.easi:easi_scorer",
}


def build(name: str, **kwargs):
    """Build the registered explorer ``name``."""
    if name not in REGISTRY:
        raise ValueError(f"unknown explorer {name!r}; known: {', '.join(sorted(REGISTRY))}")
    module, factory = REGISTRY[name].split(":")
    return getattr(import_module(module), factory)(**kwargs)

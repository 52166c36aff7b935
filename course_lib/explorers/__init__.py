"""Ready-made interactive figures, one module per notebook.

Each module here defines factories returning an :class:`~course_lib.widgets.Explorer`
and lists them in ``EXPLORERS = {"name": factory}``. Notebooks import a factory
directly (``from course_lib.explorers.easi import easi_scorer``);
``REGISTRY`` (all of them, for the benchmark and the tests) is collected from
the modules in this folder the first time it is asked for, so no list needs
editing and a notebook imports only what it uses.
"""
import pkgutil
from importlib import import_module


def _collect() -> dict:
    found = {}
    for m in pkgutil.iter_modules(__path__):
        if m.name.startswith("_"):
            continue
        module = import_module(f"{__name__}.{m.name}")
        for name, factory in getattr(module, "EXPLORERS", {}).items():
            if name in found:
                raise RuntimeError(f"explorer name {name!r} is defined twice")
            found[name] = factory
    return found


def __getattr__(attr):
    if attr == "REGISTRY":
        registry = _collect()
        globals()["REGISTRY"] = registry
        return registry
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


def build(name: str, **kwargs):
    """Build the registered explorer ``name``."""
    from . import REGISTRY  # noqa: PLW0406  (collected on first use)

    if name not in REGISTRY:
        raise ValueError(f"unknown explorer {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name](**kwargs)

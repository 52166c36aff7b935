"""Small models, one module per mechanism; each follows ``_contract``.

Every module in this folder whose name does not start with ``_`` is a model
(``Params``, ``simulate``, ``OUTPUTS``) and is listed in ``REGISTRY``: the
property tests and the benchmark find it there, with no list to edit.
"""
import pkgutil
from importlib import import_module

from ._contract import ModelParams, check_argument, check_outputs, param

#: model name -> module path, found from the files in this folder
REGISTRY = {m.name: f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__)
            if not m.name.startswith("_")}


def get(name: str):
    """The model module called ``name`` (one of ``REGISTRY``)."""
    if name not in REGISTRY:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(sorted(REGISTRY))}")
    return import_module(REGISTRY[name])


__all__ = ["REGISTRY", "get", "ModelParams", "param", "check_argument", "check_outputs"]

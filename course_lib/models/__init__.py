"""Small models, one module per mechanism; each follows ``_contract``.

``REGISTRY`` names every model that the property tests and the benchmark
cover: add a new model there.
"""
from importlib import import_module

from ._contract import ModelParams, check_outputs, param

#: model name -> module path; every entry has Params, simulate and OUTPUTS
REGISTRY = {
    "easi": "course_lib.models.easi",
}


def get(name: str):
    """The model module called ``name`` (one of ``REGISTRY``)."""
    if name not in REGISTRY:
        raise ValueError(f"unknown model {name!r}; known models: {', '.join(sorted(REGISTRY))}")
    return import_module(REGISTRY[name])


__all__ = ["REGISTRY", "get", "ModelParams", "param", "check_outputs"]

"""Modules loaded on first use: every Lambda function imports `app`, and each needs little of it.

`lazy_module("x.y")` returns the module object at once and runs its code the first time one of
its attributes is read, so a handler pays only for what it touches (see bench/cold_start.py).
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module

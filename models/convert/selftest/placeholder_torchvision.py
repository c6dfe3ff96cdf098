"""A stand-in `torchvision` so that timm imports beside the CPU build of PyTorch.

timm imports torchvision when it is imported (its data pipeline, `FrozenBatchNorm2d`), although
building MobileNet-V5 (``mobilenetv5_300m_enc``, Gemma 3n's vision tower) uses none of it. The
torchvision wheels on PyPI for x86_64 are built against the CUDA build of PyTorch: beside the CPU
build their compiled part does not load and ``import torchvision`` fails ("operator
torchvision::nms does not exist"). The self-test's random checkpoint only needs the tower's
parameter names and shapes, so timm is given this placeholder: every name resolves to a class
that cannot be instantiated. Used only by `models.convert.selftest.checkpoint`, never by the
converter.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence
from typing import Any


class _PlaceholderType(type):
    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _PlaceholderType(name, (Placeholder,), {})


class Placeholder(metaclass=_PlaceholderType):
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("torchvision is a placeholder in the self-test's checkpoint writer")


class _Module(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _PlaceholderType(name, (Placeholder,), {})


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == "torchvision" or fullname.startswith("torchvision."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _Module(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        module.__path__ = []


def install() -> None:
    """Answer every later ``import torchvision...`` with the placeholder (idempotent)."""
    if not any(isinstance(finder, _Finder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Finder())

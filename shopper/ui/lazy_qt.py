"""`Qt`, the namespace of Qt's enums, bound on first use.

PySide6 makes Python enums of every enum in the `Qt` namespace (about a hundred) the
first time the name is imported from `PySide6.QtCore`: 30 to 40 ms. The modules a
start-up needs before its first paint name `Qt` but use it only after that paint, so
they import it from here: each attribute is looked up in the real namespace when first
asked for (and kept), and the enums are made then, once the window is on screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any


class _LazyQt:
    def __getattr__(self, name: str) -> Any:
        from PySide6 import QtCore

        value = getattr(QtCore.Qt, name)
        setattr(self, name, value)
        return value


if TYPE_CHECKING:
    from PySide6.QtCore import Qt
else:
    Qt = _LazyQt()

__all__ = ["Qt"]

"""Before the first window on Linux: can Qt's X11 platform plugin load at all?

Qt's xcb plugin needs system libraries that pip cannot install (libxcb-cursor0 and
friends). Without them Qt aborts with its own message about the "xcb" plugin, which a
shopper cannot act on; this module finds the missing libraries first (with `ldd`, which
lists every missing one, not only the first) and names the packages to install.
Nothing here imports a Qt module, so it runs before the QApplication exists.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# soname -> (Debian/Ubuntu package, Fedora package)
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libxcb-glx.so.0": ("libxcb-glx0", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$", re.MULTILINE)


def missing_from_ldd(output: str) -> list[str]:
    """The libraries `ldd` could not find, each once, in the order it listed them."""
    return list(dict.fromkeys(_NOT_FOUND.findall(output)))


def xcb_plugin() -> Path | None:
    """The xcb platform plugin of the installed PySide6, if there is one."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    plugin = Path(next(iter(spec.submodule_search_locations))) / "Qt/plugins/platforms/libqxcb.so"
    return plugin if plugin.exists() else None


def missing_libraries(plugin: Path) -> list[str]:
    """The system libraries the plugin needs and cannot find ([] when it can load)."""
    ldd = shutil.which("ldd")
    if ldd is not None:
        try:
            done = subprocess.run(
                [ldd, str(plugin)], capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.SubprocessError):
            pass
        else:
            if done.returncode == 0 or "not found" in done.stdout:
                return missing_from_ldd(done.stdout)
    return _missing_by_loading(plugin)


def _missing_by_loading(plugin: Path) -> list[str]:
    """Without ldd: load the plugin; the loader names the first library it lacks."""
    import ctypes

    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        match = re.match(r"(\S+?): cannot open shared object file", str(exc))
        return [match.group(1)] if match else [str(exc)]
    return []


def uses_xcb(environ: os._Environ[str] | dict[str, str]) -> bool:
    """Whether Qt is about to open its X11 plugin: Linux, a display, no other platform asked."""
    if not sys.platform.startswith("linux"):
        return False
    platform = environ.get("QT_QPA_PLATFORM", "").split(":", 1)[0].split(";", 1)[0]
    if platform:
        return platform == "xcb"
    # Qt prefers Wayland where a Wayland session runs; the X11 check is for X11 sessions.
    return bool(environ.get("DISPLAY")) and not environ.get("WAYLAND_DISPLAY")


def advice(missing: list[str]) -> str:
    """One line: what is missing and the packages that bring it, for Debian/Ubuntu and Fedora."""
    debian = list(dict.fromkeys(PACKAGES[name][0] for name in missing if name in PACKAGES))
    fedora = list(dict.fromkeys(PACKAGES[name][1] for name in missing if name in PACKAGES))
    unknown = [name for name in missing if name not in PACKAGES]
    line = f"Qt cannot open a window: the system lacks {', '.join(missing)}"
    if debian:
        line += (
            f"; install them with `sudo apt-get install {' '.join(debian)}` on Debian/Ubuntu "
            f"or `sudo dnf install {' '.join(fedora)}` on Fedora"
        )
    if unknown:
        line += f"; install the package that provides {', '.join(unknown)}"
    return line


def platform_problem(environ: os._Environ[str] | dict[str, str] | None = None) -> str | None:
    """The one line to show instead of Qt's own abort, or None when the window can open."""
    if not uses_xcb(os.environ if environ is None else environ):
        return None
    plugin = xcb_plugin()
    if plugin is None:
        return None
    missing = missing_libraries(plugin)
    return advice(missing) if missing else None

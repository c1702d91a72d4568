"""Missing Qt system libraries: one line naming the packages, before Qt aborts on its own."""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shopper.ui import qt_libs

LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffd3b1f2000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f6a1c000000)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f6a1be00000)
\tlibxcb-icccm.so.4 => not found
\tlibfrobnicate.so.3 => not found
\t/lib64/ld-linux-x86-64.so.2 (0x00007f6a1c400000)
"""


def test_ldd_output_gives_each_missing_library_once() -> None:
    assert qt_libs.missing_from_ldd(LDD_OUTPUT) == [
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
        "libfrobnicate.so.3",
    ]
    assert qt_libs.missing_from_ldd("\tlibc.so.6 => /lib/libc.so.6 (0x1)\n") == []


def test_advice_is_one_line_with_the_packages_for_debian_and_fedora() -> None:
    line = qt_libs.advice(["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libfrobnicate.so.3"])
    assert "\n" not in line
    assert "libxcb-cursor.so.0" in line and "libfrobnicate.so.3" in line
    assert "apt-get install libxcb-cursor0 libxcb-icccm4`" in line
    assert "dnf install xcb-util-cursor xcb-util-wm`" in line


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"DISPLAY": ":0"}, True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "xcb"}, True),
        ({"DISPLAY": ":0", "QT_QPA_PLATFORM": "offscreen"}, False),
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0"}, False),
        ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "QT_QPA_PLATFORM": "xcb"}, True),
        ({}, False),
    ],
)
def test_only_an_x11_start_is_checked(environ: dict[str, str], expected: bool) -> None:
    assert qt_libs.uses_xcb(environ) is (expected and sys.platform.startswith("linux"))


def test_offscreen_needs_no_check() -> None:
    assert qt_libs.platform_problem({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"}) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb plugin is Linux's")
def test_the_check_agrees_with_loading_the_real_plugin() -> None:
    plugin = qt_libs.xcb_plugin()
    assert plugin is not None
    try:
        ctypes.CDLL(str(plugin))
    except OSError:
        loads = False
    else:
        loads = True
    missing = qt_libs.missing_libraries(plugin)
    assert (missing == []) is loads
    # The fallback without ldd finds the same answer (the first missing library).
    fallback = qt_libs._missing_by_loading(plugin)
    assert (fallback == []) is loads
    if not loads:
        assert fallback[0] in missing


def test_the_app_exits_2_with_one_line_before_qt_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from shopper.ui import qt_libs\n"
        "qt_libs.missing_libraries = lambda plugin: ['libxcb-cursor.so.0']\n"
        "from shopper.app import main\n"
        "code = main(data_dir=Path(sys.argv[1]))\n"
        "assert 'PySide6.QtWidgets' not in sys.modules\n"
        "sys.exit(code)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = ":77"
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    if not sys.platform.startswith("linux"):
        pytest.skip("the xcb plugin is Linux's")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("shopper: error: Qt cannot open a window:")
    assert "libxcb-cursor0" in lines[0]
    assert not (tmp_path / "data").exists()  # nothing done before the check

"""Which Chromium a run launches: the headless shell for a headless run, the full browser for a window."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.drive import browser
from checker.errors import SetupError


def _path_with(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *names: str) -> Path:
    for name in names:
        exe = tmp_path / name
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(browser, "managed_chromium", lambda pw=None: None)
    return tmp_path


def test_a_headless_run_prefers_the_headless_shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bin_dir = _path_with(monkeypatch, tmp_path, "chromium", "chromium-headless-shell")
    assert browser.find_browser() == str(bin_dir / "chromium-headless-shell")
    assert browser.find_browser(headed=True) == str(bin_dir / "chromium")


def test_without_the_shell_a_headless_run_takes_the_full_browser(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bin_dir = _path_with(monkeypatch, tmp_path, "chromium")
    assert browser.find_browser() == str(bin_dir / "chromium")


def test_a_window_cannot_open_in_the_headless_shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _path_with(monkeypatch, tmp_path, "chromium-headless-shell")
    with pytest.raises(SetupError, match="window needs the full browser"):
        browser.find_browser(headed=True)


def test_the_shells_launcher_script_is_looked_through(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Debian's launcher runs the shell as its child: a browser Playwright closes or kills must be the real one."""
    bin_dir = _path_with(monkeypatch, tmp_path, "real-shell")
    (bin_dir / "chromium-headless-shell").write_text(f'#!/bin/sh -e\n\n{bin_dir / "real-shell"} "$@"\n')
    (bin_dir / "chromium-headless-shell").chmod(0o755)
    assert browser.find_browser() == str(bin_dir / "real-shell")


@pytest.mark.parametrize(
    ("installed", "installs"), [(("chromium",), True), (("chromium", "chromium-headless-shell"), False)]
)
def test_setup_adds_the_shell_beside_a_full_browser_that_lacks_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, installed: tuple[str, ...], installs: bool
) -> None:
    _path_with(monkeypatch, tmp_path, *installed)
    asked: list[list[str]] = []
    monkeypatch.setattr(browser, "_can_apt", lambda: True)
    monkeypatch.setattr(browser, "_apt_install", asked.append)
    assert "system Chromium" in browser.ensure_browser(log=lambda _: None)
    assert asked == ([["chromium-headless-shell"]] if installs else [])

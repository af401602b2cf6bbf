"""A secrets sweep through the command line: a page (tests/pages/secrets.html) that puts a distinct token in every
place a token can go (query strings, a fragment, Bearer / Basic / custom token headers, cookies set by the page and
by the server, a JSON password, a URL-encoded beacon body, a URL's user part, an image's API key, a value first sent
in a plain field and only later under a credential's name), a scenario named after a secret variable that fills it
in and opens a URL with `session=` and `token=`, traces on. Then every byte the run wrote (reports, --json/--junit
copies, journals, screenshots' names, the history, every trace entry unpacked) and the terminal are searched.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import zipfile

import pytest

from tests.conftest import ROOT
from tests.helpers import file_contents, token_forms

DECLARED = "mytoken1-aa11bb22cc"  # $MY_TOKEN: a secret by its name
PAGE_TOKENS = {
    "late (body field, then ?access_token=)": "late1-b7e2c9d4f1",
    "?access_token= on a plain request": "query1-9a8b7c6d5e",
    "?apiKey= on a plain request": "apikey1-4f5e6d7c8b",
    "Authorization: Bearer": "bearer1-1a2b3c4d5e",
    "Authorization: Basic (password)": "basicpw1-3d4e5f6a7b",
    "Authorization: Basic (encoded)": base64.b64encode(b"qa-user:basicpw1-3d4e5f6a7b").decode(),
    "X-Api-Key": "xapikey1-6e7f8a9b0c",
    "X-Coveo-Token": "xcoveo1-0c9b8a7f6e",
    "cookie set by the page": "cookie1-5b6c7d8e9f",
    "Set-Cookie from the server": "setcookie1-2c3d4e5f6a",
    "JSON password": "jsonpw1-7f8e9d0c1b",
    "#token= fragment": "frag1-8c7d6e5f4a",
    "?apiKey= on an image": "image1-1f2e3d4c5b",
    "accessToken in a clickEvent= beacon": "beacon1-6a5b4c3d2e",
    "user:password@ in a URL": "userinfo1-9e8d7c6b5a",
    "session= in a goto URL": "gotosess1-4a3b2c1d0e",
    "token= in a goto URL": "gototok1-0e1d2c3b4a",
    "$MY_TOKEN (name, fill)": DECLARED,
    "coveoua('init') token": "xx-test-token-7d1e",
}


@pytest.fixture(scope="module")
def sweep(pages_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("secrets")
    (folder / "scenario.yaml").write_text(
        "name: audit ${MY_TOKEN}\nsteps:\n"
        "  - goto: /pages/secrets.html?session=gotosess1-4a3b2c1d0e&token=gototok1-0e1d2c3b4a\n"
        "  - fill: {selector: '#subject', value: '${MY_TOKEN}'}\n"
        "  - click: '#go'\n"
        "  - wait: 800\n"
    )
    report, extra, history = folder / "report", folder / "extra", folder / "history"
    extra.mkdir()
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "checker",
            "run",
            str(folder / "scenario.yaml"),
            "--base-url",
            pages_server,
            "--report",
            str(report),
            "--json",
            str(extra / "out.json"),
            "--junit",
            str(extra / "junit.xml"),
            "--history",
            str(history),
            "--trace",
            "on",
            "--verbose",
        ],
        capture_output=True,
        cwd=ROOT,
        timeout=180,
        env={**os.environ, "CI": "1", "MY_TOKEN": DECLARED},
    )
    files = sorted(p for root in (report, extra, history) for p in root.rglob("*"))
    return out, files


def test_the_run_wrote_every_kind_of_artefact(sweep):
    out, files = sweep
    assert out.returncode in (0, 1), out.stderr.decode()[-2000:]
    names = {p.suffix for p in files if p.is_file()}
    assert {".html", ".json", ".xml", ".jsonl", ".zip", ".jpg"} <= names
    trace = next(p for p in files if p.suffix == ".zip")
    with zipfile.ZipFile(trace) as archive:  # the trace is still one the viewer opens
        assert {"trace.trace", "trace.network"} <= set(archive.namelist())


@pytest.mark.parametrize("place", sorted(PAGE_TOKENS))
def test_no_token_is_left_anywhere(sweep, place):
    out, files = sweep
    token = PAGE_TOKENS[place]
    leaks = [f"file name {p}" for p in files if token in str(p)]
    for path in (p for p in files if p.is_file()):
        leaks += [where for where, data in file_contents(path) if any(form in data for form in token_forms(token))]
    if any(form in out.stdout + out.stderr for form in token_forms(token)):
        leaks.append("the terminal")
    assert not leaks, f"{place}: {token} found in\n" + "\n".join(leaks)


def test_report_dir_rebuilds_a_run_with_credentials_in_its_urls(sweep, tmp_path):
    """`report DIR` reads the journals back: URLs whose user part was masked (also as older versions wrote it,
    `https://[REDACTED]@host`, which URL parsers reject as half an IPv6 address) are still read."""
    out, files = sweep
    journal = next(p for p in files if p.suffix == ".jsonl")
    folder = tmp_path / "old"
    (folder / "raw").mkdir(parents=True)
    text = journal.read_text().replace("https://REDACTED@", "https://[REDACTED]@")
    assert "https://[REDACTED]@analytics.cloud.coveo.com" in text
    (folder / "raw" / journal.name).write_text(text)
    rebuilt = subprocess.run(
        [sys.executable, "-m", "checker", "report", str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "CI": "1"},
    )
    assert rebuilt.returncode == 1, rebuilt.stderr[-2000:]
    assert "Traceback" not in rebuilt.stderr and (folder / "index.html").is_file()
    assert "transport.delivered" in (folder / "results.json").read_text()

"""`exact-desktop login` as a person (or a script) uses it: no traceback, no secret echoed,
EXACT_VERIFY_TLS honoured as by every other command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT
from tests.rest.test_login_tls import https_url

__all__ = ["https_url"]  # the fixture


def login(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("EXACT_") or k == "EXACT_DESKTOP_HOME"}
    return subprocess.run([sys.executable, "-m", "exact_desktop", "login", *args], cwd=PROJECT, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, env={**keep, **(env or {})}, timeout=60)  # fmt: skip


def test_a_url_with_a_password_in_it_is_refused_without_echoing_it() -> None:
    done = login("http://alice:hunter2secret@127.0.0.1:1/", env={"EXACT_USER": "bob", "EXACT_PASSWORD": "x"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "hunter2secret" not in done.stderr + done.stdout and "user name or password" in done.stderr


def test_the_input_ending_at_the_password_prompt_is_a_message(tmp_path: Path) -> None:
    done = login("http://127.0.0.1:1", env={"EXACT_USER": "alice"})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "the input ended before a password for http://127.0.0.1:1 was given" in done.stderr


@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_exact_verify_tls_0_is_honoured_by_login_with_a_warning(https_url: str) -> None:
    secrets = {"EXACT_USER": "alice", "EXACT_PASSWORD": "s3cret"}
    checked = login(https_url, env=secrets)
    assert checked.returncode == 2 and "certificate does not verify" in checked.stderr
    unchecked = login(https_url, env={**secrets, "EXACT_VERIFY_TLS": "0"})
    assert unchecked.returncode == 2 and "Traceback" not in unchecked.stderr
    assert f"the TLS certificate of {https_url} is not checked" in unchecked.stderr
    assert "refused the login" in unchecked.stderr and "403" in unchecked.stderr  # the server itself answered
    assert "s3cret" not in unchecked.stderr

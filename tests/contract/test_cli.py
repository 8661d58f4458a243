"""A lab's worker machine from the command line: login, keyring, and failures in one line."""

from __future__ import annotations

import os
import socket
import stat

from exact_desktop.store.credentials import credentials_for
from tests.contract.conftest import Target, cli


def _no_secrets(target: Target, home) -> dict[str, str]:
    """The environment without credentials: what a person's shell has after `login`."""
    return {"EXACT_TOKEN": "", "EXACT_USER": "", "EXACT_PASSWORD": "", "EXACT_DESKTOP_HOME": str(home)}


def test_login_keeps_a_token_in_a_private_keyring_and_later_commands_use_it(server: Target, tmp_path, monkeypatch):
    home = tmp_path / "home"
    env = {**_no_secrets(server, home), "EXACT_USER": server.user, "EXACT_PASSWORD": server.password}
    code, _out, err = cli(server, "login", server.url, env=env)
    assert code == 0, err
    keyring_file = home / "keyring.cfg"
    assert stat.S_IMODE(os.stat(keyring_file).st_mode) == 0o600
    monkeypatch.setenv("EXACT_DESKTOP_HOME", str(home))
    for name in ("EXACT_TOKEN", "EXACT_USER", "EXACT_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    kept = credentials_for(server.url)
    assert kept.source == "keyring" and kept.user == server.user
    if server.name == "exact":  # EXACT makes tokens: the password was traded for one, and not kept
        assert kept.token.startswith("pat_") and kept.password is None and "token" in err
    else:  # `serve` makes none: the password itself is the secret the keyring keeps
        assert kept.token is None and kept.password == server.password
    code, record, err = cli(server, "plugin", "register", "Nuclei detector", "--server", server.url, "--product",
                            str(server.product), env=_no_secrets(server, home))  # fmt: skip
    assert code == 0, err
    assert record["name"] == "Nuclei detector" and record["products"] == [server.product]


def test_a_wrong_password_is_one_line_naming_the_server(server: Target, tmp_path):
    env = {**_no_secrets(server, tmp_path), "EXACT_USER": server.user, "EXACT_PASSWORD": "wrong password"}
    code, out, err = cli(server, "login", server.url, env=env)
    assert code == 2 and out is None
    assert err.count("\n") == 1 and server.url in err and "403" in err and "Traceback" not in err
    code, _out, err = cli(server, "plugin", "work", "Nuclei detector", "--server", server.url, env=env)
    assert code == 2 and err.count("\n") == 1 and server.url in err and "403" in err


def test_an_unknown_plugin_and_a_plugin_the_server_lacks_are_one_line(server: Target, tmp_path):
    env = _no_secrets(server, tmp_path) | {"EXACT_TOKEN": server.token}
    code, _out, err = cli(server, "plugin", "work", "No such plugin", "--server", server.url, env=env)
    assert code == 2 and err.count("\n") == 1 and "No such plugin" in err and server.url in err
    connection = server.connection()
    for plugin in connection.pages("/api/v1/processing/plugins/"):
        if plugin["name"] == "Tissue finder (exact-sync)":
            connection.delete(f"/api/v1/processing/plugins/{plugin['id']}/")
    code, _out, err = cli(server, "plugin", "run", "Tissue finder (exact-sync)", "--image-set", str(server.image_set),
                          "--server", server.url, env=env)  # fmt: skip
    assert code == 2 and err.count("\n") == 1 and "no plugin named 'Tissue finder (exact-sync)'" in err
    assert server.url in err


def test_a_server_that_is_down_is_one_line(embedded_target: Target, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{probe.getsockname()[1]}"
    env = _no_secrets(embedded_target, tmp_path) | {"EXACT_TOKEN": "anything"}
    for args in (("login", down, "--token"), ("plugin", "work", "Nuclei detector", "--server", down)):
        code, out, err = cli(embedded_target, *args, env=env)
        assert code == 2 and out is None and err.count("\n") == 1, err
        assert down in err and "cannot reach" in err and "Connection refused" in err

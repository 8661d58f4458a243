"""Credentials for EXACT servers: the environment first, then the system keyring.

Nothing secret is ever taken from argv or written to a plain config file. `EXACT_TOKEN`, or
`EXACT_USER` with `EXACT_PASSWORD`, win (for scripts and CI); otherwise what `exact-desktop login`
put in the keyring for that server. Where the machine has no keyring service (a headless box),
a file keyring in the data folder with 0600 permissions stands in.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

import keyring
import keyring.backend
from keyring.backends import fail, null
from keyrings.alt.file import PlaintextKeyring
from keyrings.alt.file_base import FileBacked

from exact_desktop.paths import data_home

SERVICE = "exact-desktop"


class CredentialsError(Exception):
    """No usable credentials for a server; the message says what to do."""


@dataclass(frozen=True)
class Credentials:
    url: str
    user: str | None = None
    password: str | None = None
    token: str | None = None
    source: str = "environment"

    def environment(self) -> dict[str, str]:
        """What a plugin process gets: the connection in its environment, never in argv."""
        env = {"EXACT_URL": self.url}
        if self.token:
            env["EXACT_TOKEN"] = self.token
        else:
            env["EXACT_USER"], env["EXACT_PASSWORD"] = self.user or "", self.password or ""
        return env


def normalise_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if "@" in parts.netloc:  # not echoed: what is before the @ may be a password
        raise CredentialsError(
            "the server address holds a user name or password: give it without them "
            "(login asks for the password, and keeps it in the keyring)"
        )
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CredentialsError(f"{url!r} is not a server address (expected http://host:port or https://host)")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def file_keyring() -> keyring.backend.KeyringBackend:
    """keyrings.alt's file keyring, kept in the data folder and readable by its owner only."""
    path = data_home() / "keyring.cfg"
    path.touch(mode=0o600, exist_ok=True)
    os.chmod(path, 0o600)  # keyrings.alt rewrites the file; its mode stays
    ring = PlaintextKeyring()
    ring.file_path = str(path)  # the instance-level override keyrings.alt provides for
    made: keyring.backend.KeyringBackend = ring  # keyrings.alt has no types of its own
    return made


def backend() -> keyring.backend.KeyringBackend:
    """The system keyring; the file keyring only where the machine has none."""
    chosen: keyring.backend.KeyringBackend = keyring.get_keyring()
    found = getattr(chosen, "backends", [chosen])
    if all(isinstance(b, (FileBacked, fail.Keyring, null.Keyring)) for b in found):
        return file_keyring()
    return chosen


def save(credentials: Credentials) -> None:
    secret = {"user": credentials.user, "token": credentials.token, "password": credentials.password}
    backend().set_password(SERVICE, normalise_url(credentials.url), json.dumps(secret))


def credentials_for(url: str) -> Credentials:
    """The environment's credentials, else the keyring's for this server."""
    url = normalise_url(url)
    if os.environ.get("EXACT_TOKEN"):
        return Credentials(url, token=os.environ["EXACT_TOKEN"])
    if os.environ.get("EXACT_USER"):
        return Credentials(url, user=os.environ["EXACT_USER"], password=os.environ.get("EXACT_PASSWORD", ""))
    stored = backend().get_password(SERVICE, url)
    if stored is None:
        raise CredentialsError(
            f"no credentials for {url}: run `exact-desktop login {url}`, or set EXACT_TOKEN "
            "(or EXACT_USER and EXACT_PASSWORD)"
        )
    secret = json.loads(stored)
    return Credentials(url, secret.get("user"), secret.get("password"), secret.get("token"), source="keyring")

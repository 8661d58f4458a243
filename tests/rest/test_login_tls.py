"""Signing in to a server whose TLS certificate does not verify: refused by default, named."""

from __future__ import annotations

import datetime
import http.server
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from exact_desktop.rest.login import LoginError, sign_in
from tests.rest.json_answer import answer_json


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256())
    )  # fmt: skip
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    return cert_file, key_file


class Refusing(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        answer_json(self, 403, b'{"detail": "Authentication credentials were not provided."}')

    def log_message(self, *_args: object) -> None:
        pass


# the test server's side of a refused handshake leaves its socket to the garbage collector
pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture
def https_url(tmp_path: Path) -> Iterator[str]:
    cert, key = self_signed(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_certificate_that_does_not_verify_is_refused_and_named(https_url: str) -> None:
    with pytest.raises(LoginError) as caught:
        sign_in(https_url, "someone", "secret")
    message = str(caught.value)
    assert https_url in message and "certificate does not verify" in message
    assert "secret" not in message


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")  # what the person chose
def test_with_the_check_turned_off_for_that_server_the_login_itself_answers(https_url: str) -> None:
    with pytest.raises(LoginError) as caught:
        sign_in(https_url, "someone", "secret", verify=False)
    assert "refused the login (403)" in str(caught.value) and "someone" in str(caught.value)

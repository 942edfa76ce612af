"""A status-callback receiver for tests: a real HTTP server on 127.0.0.1.

It records every request (method, path, headers, body) and answers from a
script of replies; once the script is used up it repeats its last reply. Given
a TLS context it speaks HTTPS and records the server names clients ask for.
"""

from __future__ import annotations

import datetime
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Reply:
    status: int = 200
    delay: float = 0.0
    headers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict
    body: bytes
    # The client's (address, port): one connection reused keeps one port.
    peer: tuple = ()


class Receiver:
    def __init__(self, *script: int | Reply, tls: ssl.SSLContext | None = None):
        self.script = [r if isinstance(r, Reply) else Reply(r) for r in script]
        self.script = self.script or [Reply()]
        self.requests: list[Received] = []
        # The TLS server names (SNI) clients sent, one per handshake.
        self.server_names: list[str | None] = []
        # Requests being answered at once, now and at most so far.
        self.in_flight = self.most_in_flight = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.scheme = "http"
        if tls is not None:
            tls.sni_callback = lambda sock, name, context: self.server_names.append(
                name
            )
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_port}"

    @property
    def url(self) -> str:
        return f"{self.base_url}/hook"

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def record(self, request: Received) -> Reply:
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            return self.script[min(len(self.requests), len(self.script)) - 1]

    def answered(self) -> None:
        with self._lock:
            self.in_flight -= 1


def _handler_for(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, as real receivers do (every reply has a Content-Length).
        protocol_version = "HTTP/1.1"

        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            reply = receiver.record(
                Received(
                    self.command,
                    self.path,
                    dict(self.headers.items()),
                    body,
                    self.client_address,
                )
            )
            time.sleep(reply.delay)
            receiver.answered()
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # The client gave up waiting (a timeout test).

        do_GET = do_POST = _answer

        def log_message(self, format, *args):
            pass

    return Handler


def self_signed_tls(name: str, directory: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context with a new certificate for `name` (and no address),
    and the certificate's file, for a client to trust."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / f"{name}.crt", directory / f"{name}.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file

"""A status-callback receiver for tests: a real HTTP server on 127.0.0.1.

It records every request (method, path, headers, body) and answers from a
script of replies; once the script is used up it repeats its last reply.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


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
    def __init__(self, *script: int | Reply):
        self.script = [r if isinstance(r, Reply) else Reply(r) for r in script]
        self.script = self.script or [Reply()]
        self.requests: list[Received] = []
        # Requests being answered at once, now and at most so far.
        self.in_flight = self.most_in_flight = 0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

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

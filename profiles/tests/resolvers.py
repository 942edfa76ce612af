"""A DNS resolver stub for tests: names answer what the test says, in turn.

Only the resolver is stubbed (it stands for DNS servers outside this machine);
connections are real, to servers on 127.0.0.1.
"""

from __future__ import annotations

import socket

# Address literals answered as the system does; any other host does not resolve,
# so nothing outside this machine is ever reached.
THIS_MACHINE = ("127.0.0.1", "::1")


def resolver_stub(monkeypatch, answers: dict[str, list[str]]) -> list[str]:
    """Make getaddrinfo answer each name of `answers` with its next address (the
    last one from then on), and this machine's address literals as the system
    does; nothing else resolves. Returns the hosts looked up."""
    system, looked_up = socket.getaddrinfo, []

    def getaddrinfo(host, port, *args, **kwargs):
        looked_up.append(host)
        if host in answers:
            turn = min(looked_up.count(host), len(answers[host])) - 1
            return system(answers[host][turn], port, *args, **kwargs)
        if host in THIS_MACHINE:
            return system(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "unknown")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return looked_up

"""Refuse every connection that would leave the machine, in the processes of a package test.

The package tests copy this module into the site-packages of the virtual environment they install
eventmap into, with a ``.pth`` line that imports it at start-up. It does nothing unless
``EVENTMAP_TEST_NETWORK_LOG`` names a file; then a DNS lookup of another host or a connection to an
address other than loopback raises ``OSError`` and is appended to that file, so the test also sees
attempts that the code caught and swallowed. Loopback (the dashboard server) and Unix sockets work.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket

__all__ = ["LOG_VARIABLE", "is_local_host"]

LOG_VARIABLE = "EVENTMAP_TEST_NETWORK_LOG"


def is_local_host(host: object) -> bool:
    """True for loopback and "any" addresses and names, which stay on this machine."""
    if host in (None, "", b""):
        return True
    text = host.decode() if isinstance(host, bytes) else str(host)
    if text.lower() == "localhost" or text.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _is_address(host: object) -> bool:
    """A numeric address: resolving it asks no name server (the connection is checked instead)."""
    text = host.decode() if isinstance(host, bytes) else str(host)
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


def _arm(log_path: str) -> None:
    real_getaddrinfo = socket.getaddrinfo
    real_gethostbyname = socket.gethostbyname
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def record(what: str) -> None:
        with open(log_path, "a", encoding="utf-8") as log:
            log.write(f"{what}\n")

    def getaddrinfo(host, *args, **kwargs):
        if not is_local_host(host) and not _is_address(host):
            record(f"DNS lookup of {host}")
            raise socket.gaierror(socket.EAI_NONAME, f"network disabled by the package test ({host})")
        return real_getaddrinfo(host, *args, **kwargs)

    def gethostbyname(host):
        if not is_local_host(host) and not _is_address(host):
            record(f"DNS lookup of {host}")
            raise socket.gaierror(socket.EAI_NONAME, f"network disabled by the package test ({host})")
        return real_gethostbyname(host)

    def refused(sock: socket.socket, address) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or is_local_host(address[0]):
            return False
        record(f"connection to {address[0]}:{address[1]}")
        return True

    def connect(self, address):
        if refused(self, address):
            raise OSError(errno.ENETUNREACH, f"network disabled by the package test ({address[0]})")
        return real_connect(self, address)

    def connect_ex(self, address):
        if refused(self, address):
            return errno.ENETUNREACH
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = gethostbyname
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex


if os.environ.get(LOG_VARIABLE):
    _arm(os.environ[LOG_VARIABLE])

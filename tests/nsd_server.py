"""A real authoritative DNS server (NSD) on loopback for integration tests.

Follows ../shared/recipes/dns-server.md: config and zone files in a temporary directory,
``nsd -d`` started from the test process, readiness polled with one UDP query, stopped by
the PID we started.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import dns.message
import dns.query

_CONF = """server:
    ip-address: 127.0.0.1@{port}
    server-count: 1
    username: ""
    chroot: ""
    zonesdir: "{dir}"
    database: ""
    zonelistfile: "{dir}/zone.list"
    xfrdfile: "{dir}/xfrd.state"
    pidfile: "{dir}/nsd.pid"
    logfile: "{dir}/nsd.log"
    verbosity: 1
remote-control:
    control-enable: no
"""


def free_port() -> int:
    """A port free for both TCP and UDP on 127.0.0.1 (tiny race until nsd binds it)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


class NSDServer:
    """One NSD process serving ``zones`` (origin -> zone text) on 127.0.0.1:port."""

    def __init__(self, nsd: str, directory: Path, zones: dict[str, str]) -> None:
        self.nsd = nsd
        self.dir = directory
        self.zones = zones
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, attempts: int = 5) -> NSDServer:
        self.dir.mkdir(parents=True, exist_ok=True)
        blocks = []
        for i, (origin, text) in enumerate(self.zones.items()):
            fname = f"zone{i}.zone"
            (self.dir / fname).write_text(text, encoding="utf-8")
            blocks.append(f'zone:\n    name: "{origin}"\n    zonefile: "{fname}"\n')
        for _ in range(attempts):
            self.port = free_port()
            conf = self.dir / "nsd.conf"
            conf.write_text(_CONF.format(port=self.port, dir=self.dir) + "".join(blocks))
            self.proc = subprocess.Popen(
                [self.nsd, "-d", "-c", str(conf)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if self._wait_ready(next(iter(self.zones))):
                return self
            self.stop()
        log = self.dir / "nsd.log"
        raise RuntimeError("nsd did not start: " + (log.read_text() if log.exists() else "?"))

    def _wait_ready(self, origin: str, deadline: float = 5.0) -> bool:
        assert self.proc is not None
        end = time.monotonic() + deadline
        query = dns.message.make_query(origin, "SOA")
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                return False  # exited: port taken or bad config
            try:
                dns.query.udp(query, "127.0.0.1", port=self.port, timeout=0.05)
                return True
            except (dns.exception.Timeout, OSError):
                continue
        return False

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

"""The DNS options shared by ``verify``, ``spf`` and ``batch --verify``.

Kept apart from :mod:`mailcheck.auth_commands` so that the ``batch`` command can name them
without importing the DNS commands' module when the CLI starts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def dns_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The DNS options verify and spf share."""
    f = click.option("--dns-timeout", type=float, default=3.0, show_default=True,
                     help="Seconds to wait for one DNS answer (live DNS).")(f)
    f = click.option("--nameserver", metavar="HOST[:PORT]",
                     help="Ask this DNS server instead of the system's resolvers.")(f)
    f = click.option("--dns-replay", "replay", metavar="FILE", type=click.Path(dir_okay=False),
                     help="Answer from the DNS answers of an earlier --format json run.")(f)
    f = click.option("--dns-zone", "zones", multiple=True, metavar="FILE",
                     type=click.Path(dir_okay=False),
                     help="Answer from this RFC 1035 zone file (repeatable); no network.")(f)
    return f

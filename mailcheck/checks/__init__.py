"""Checks that may touch the network (DNS, SPF, DKIM, DMARC, ARC, the SMTP probe).

Each check takes its edges (resolver, connection factory, clock) from the caller; none
opens a socket on its own.
"""

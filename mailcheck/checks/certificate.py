"""The few fields of a server's X.509 certificate that the SMTP probe reports.

The probe must describe a certificate it could not verify (self-signed, wrong name,
expired), and the standard library only decodes certificates it has verified, so this
module reads the DER form itself: subject, issuer, validity and subjectAltName. It is a
reader for reporting, not a validator; trust decisions stay with :mod:`ssl`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_OID_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
}
_OID_SUBJECT_ALT_NAME = "2.5.29.17"
_MAX_DEPTH = 8


@dataclass(slots=True)
class CertificateInfo:
    """What a reader of a probe report needs to know about the server's certificate."""

    subject: list[tuple[str, str]] = field(default_factory=list)
    issuer: list[tuple[str, str]] = field(default_factory=list)
    not_before: datetime | None = None
    not_after: datetime | None = None
    dns_names: list[str] = field(default_factory=list)
    ip_addresses: list[str] = field(default_factory=list)

    @property
    def common_name(self) -> str | None:
        for key, value in self.subject:
            if key == "CN":
                return value
        return None

    @property
    def self_issued(self) -> bool:
        return bool(self.subject) and self.subject == self.issuer

    def names(self) -> list[str]:
        """Every name the certificate is valid for (subjectAltName entries)."""
        return [*self.dns_names, *self.ip_addresses]

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": _format_name(self.subject),
            "issuer": _format_name(self.issuer),
            "common_name": self.common_name,
            "dns_names": list(self.dns_names),
            "ip_addresses": list(self.ip_addresses),
            "not_before": self.not_before.isoformat() if self.not_before else None,
            "not_after": self.not_after.isoformat() if self.not_after else None,
            "self_issued": self.self_issued,
        }


def _format_name(rdns: list[tuple[str, str]]) -> str:
    return ", ".join(f"{k}={v}" for k, v in rdns)


# -- DER -----------------------------------------------------------------------------------


def _read_tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """Return (tag, start of value, end of value) of the element at ``pos``."""
    if pos + 2 > len(data):
        raise ValueError("truncated DER element")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise ValueError("multi-byte DER tags are not used in certificates")
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise ValueError("bad DER length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise ValueError("DER element runs past the end of the data")
    return tag, pos, end


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    out = []
    pos = start
    while pos < end:
        tag, vstart, vend = _read_tlv(data, pos)
        if vend > end:
            raise ValueError("DER element runs past its parent")
        out.append((tag, vstart, vend))
        pos = vend
    return out


def _oid(raw: bytes) -> str:
    if not raw:
        raise ValueError("empty OID")
    first = raw[0]
    parts = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def _string(tag: int, raw: bytes) -> str:
    if tag == 0x1E:  # BMPString
        return raw.decode("utf-16-be", errors="replace")
    if tag == 0x1C:  # UniversalString
        return raw.decode("utf-32-be", errors="replace")
    return raw.decode("utf-8", errors="replace")


def _name(data: bytes, start: int, end: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for set_tag, s_start, s_end in _children(data, start, end):
        if set_tag != 0x31:
            raise ValueError("Name is not a SEQUENCE OF SET")
        for _seq_tag, a_start, a_end in _children(data, s_start, s_end):
            parts = _children(data, a_start, a_end)
            if len(parts) != 2 or parts[0][0] != 0x06:
                raise ValueError("bad AttributeTypeAndValue")
            oid = _oid(data[parts[0][1] : parts[0][2]])
            vtag, v_start, v_end = parts[1]
            out.append((_OID_NAMES.get(oid, oid), _string(vtag, data[v_start:v_end])))
    return out


def _time(tag: int, raw: bytes) -> datetime:
    text = raw.decode("ascii", errors="replace")
    try:
        if tag == 0x17:  # UTCTime, YYMMDDHHMMSSZ; RFC 5280: YY >= 50 means 19YY
            parsed = datetime.strptime(text, "%y%m%d%H%M%SZ")
            if parsed.year >= 2050:
                parsed = parsed.replace(year=parsed.year - 100)
        elif tag == 0x18:  # GeneralizedTime
            parsed = datetime.strptime(text, "%Y%m%d%H%M%SZ")
        else:
            raise ValueError("validity time has an unknown type")
    except ValueError as exc:
        raise ValueError(f"bad certificate time {text!r}") from exc
    return parsed.replace(tzinfo=UTC)


def _subject_alt_names(info: CertificateInfo, data: bytes, start: int, end: int) -> None:
    tag, g_start, g_end = _read_tlv(data, start)
    if tag != 0x30:
        raise ValueError("subjectAltName is not a SEQUENCE")
    for gtag, v_start, v_end in _children(data, g_start, g_end):
        raw = data[v_start:v_end]
        if gtag == 0x82:  # dNSName
            info.dns_names.append(raw.decode("ascii", errors="replace"))
        elif gtag == 0x87 and len(raw) in (4, 16):  # iPAddress
            info.ip_addresses.append(str(ipaddress.ip_address(raw)))


def parse_der_certificate(data: bytes) -> CertificateInfo:
    """Read subject, issuer, validity and subjectAltName from a DER certificate.

    Raises :class:`ValueError` for anything that is not a well-formed certificate.
    """
    tag, c_start, c_end = _read_tlv(data, 0)
    if tag != 0x30:
        raise ValueError("not a certificate (no outer SEQUENCE)")
    tbs_tag, t_start, t_end = _read_tlv(data, c_start)
    if tbs_tag != 0x30:
        raise ValueError("not a certificate (no TBSCertificate)")
    fields = _children(data, t_start, t_end)
    if fields and fields[0][0] == 0xA0:  # [0] version
        fields = fields[1:]
    if len(fields) < 6:
        raise ValueError("TBSCertificate is too short")
    _serial, _sigalg, issuer, validity, subject = fields[:5]
    info = CertificateInfo()
    info.issuer = _name(data, issuer[1], issuer[2])
    info.subject = _name(data, subject[1], subject[2])
    times = _children(data, validity[1], validity[2])
    if len(times) != 2:
        raise ValueError("validity must hold two times")
    info.not_before = _time(times[0][0], data[times[0][1] : times[0][2]])
    info.not_after = _time(times[1][0], data[times[1][1] : times[1][2]])
    for ftag, f_start, f_end in fields[6:]:
        if ftag != 0xA3:  # [3] extensions
            continue
        seq_tag, e_start, e_end = _read_tlv(data, f_start)
        if seq_tag != 0x30 or e_end > f_end:
            raise ValueError("extensions are not a SEQUENCE")
        for _t, x_start, x_end in _children(data, e_start, e_end):
            parts = _children(data, x_start, x_end)
            if not parts or parts[0][0] != 0x06:
                raise ValueError("bad extension")
            if _oid(data[parts[0][1] : parts[0][2]]) != _OID_SUBJECT_ALT_NAME:
                continue
            vtag, v_start, v_end = parts[-1]
            if vtag != 0x04:
                raise ValueError("extension value is not an OCTET STRING")
            _subject_alt_names(info, data, v_start, v_end)
    return info


# -- names -----------------------------------------------------------------------------------


def _dns_name_matches(pattern: str, host: str) -> bool:
    """RFC 6125 matching: a wildcard only as the whole left-most label, one label deep."""
    pattern = pattern.lower().rstrip(".")
    host = host.lower().rstrip(".")
    if pattern == host:
        return True
    if not pattern.startswith("*."):
        return False
    suffix = pattern[2:]
    if "*" in suffix or suffix.count(".") < 1:
        return False
    head, dot, rest = host.partition(".")
    return bool(head) and bool(dot) and rest == suffix


def certificate_matches_host(info: CertificateInfo, host: str) -> bool:
    """Whether the certificate names ``host`` (subjectAltName only, as TLS clients do)."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return any(_dns_name_matches(name, host) for name in info.dns_names)
    return any(ipaddress.ip_address(ip) == address for ip in info.ip_addresses)

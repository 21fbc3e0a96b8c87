"""The resolver layer: zone files, tables, recording and replay, faults, live via NSD."""

from __future__ import annotations

import json

import pytest

from mailcheck.checks.dns import (
    Fault,
    FaultResolver,
    InvalidName,
    LiveResolver,
    NoData,
    NotRecorded,
    NXDomain,
    RecordingResolver,
    ServFail,
    TableResolver,
    Timeout,
    ZoneResolver,
    parse_nameserver,
    replay_resolver,
)

from .conftest import SHARED, need

ZONE = """$ORIGIN example.test.
$TTL 300
@        IN SOA ns1 hostmaster 1 3600 600 86400 300
@        IN NS   ns1
ns1      IN A    127.0.0.1
@        IN MX   10 mail
mail     IN A    192.0.2.25
mail     IN AAAA 2001:db8::25
@        IN TXT  "v=spf1 ip4:192.0.2.0/24 -all"
split    IN TXT  "first " "second"
alias    IN CNAME mail
loop     IN CNAME loop
a.b.deep IN A    192.0.2.9
"""


@pytest.fixture
def zone():
    return ZoneResolver.from_text(ZONE)


def test_zone_answers(zone):
    assert zone.query("example.test", "MX").records == ((10, "mail.example.test"),)
    assert zone.query("MAIL.example.test.", "AAAA").records == ("2001:db8::25",)
    assert zone.query("split.example.test", "TXT").txt_strings() == ["first second"]
    assert zone.query("alias.example.test", "A").records == ("192.0.2.25",)
    assert zone.query("example.test", "TXT").ttl == 300


@pytest.mark.parametrize(
    "name,rdtype,error",
    [
        ("nothere.example.test", "A", NXDomain),
        ("example.org", "A", NXDomain),  # outside every zone: no network, NXDOMAIN
        ("mail.example.test", "TXT", NoData),
        ("deep.example.test", "A", NoData),  # empty non-terminal
        ("loop.example.test", "A", ServFail),
        ("a" * 64 + ".example.test", "A", InvalidName),
        ("a..example.test", "A", InvalidName),
    ],
)
def test_zone_errors(zone, name, rdtype, error):
    with pytest.raises(error) as info:
        zone.query(name, rdtype)
    assert info.value.words in str(info.value)


def test_zone_from_files(tmp_path):
    path = tmp_path / "example.test.zone"
    path.write_text(ZONE.replace("$ORIGIN example.test.\n", ""))
    zr = ZoneResolver.from_files([path])
    assert zr.query("mail.example.test", "A").records == ("192.0.2.25",)
    bad = tmp_path / "bad.zone"
    bad.write_text("this is not a zone\n")
    with pytest.raises(ValueError, match="not a usable zone file"):
        ZoneResolver.from_files([bad])


def test_recording_replays_exactly(zone):
    rec = RecordingResolver(zone)
    rec.query("example.test", "TXT")
    rec.query("alias.example.test", "A")
    with pytest.raises(NXDomain):
        rec.query("gone.example.test", "TXT")
    data = json.loads(json.dumps(rec.to_json()))
    assert [(e["name"], e["type"], e["result"]) for e in data] == [
        ("example.test", "TXT", "answer"),
        ("alias.example.test", "A", "answer"),
        ("gone.example.test", "TXT", "nxdomain"),
    ]
    replay = replay_resolver(data)
    assert replay.query("example.test", "TXT").txt_strings() == ["v=spf1 ip4:192.0.2.0/24 -all"]
    assert replay.query("alias.example.test", "A").records == ("192.0.2.25",)
    with pytest.raises(NXDomain):
        replay.query("gone.example.test", "TXT")
    with pytest.raises(NotRecorded):
        replay.query("mail.example.test", "A")


def test_replay_from_diagnosis_json(tmp_path, zone):
    rec = RecordingResolver(zone)
    rec.query("mail.example.test", "A")
    path = tmp_path / "diag.json"
    path.write_text(json.dumps({"schema": 1, "checks": {"dns": rec.to_json()}}))
    assert replay_resolver(path).query("mail.example.test", "A").records == ("192.0.2.25",)


def test_faults():
    table = TableResolver()
    table.add("a.test", "TXT", ("x",))
    table.add("a.test", "A", "192.0.2.1")
    fr = FaultResolver(table, [Fault("a.test", "timeout", spare=frozenset({"A"})),
                               Fault("b.test", "servfail")])
    with pytest.raises(Timeout):
        fr.query("A.TEST.", "TXT")
    assert fr.query("a.test", "A").records == ("192.0.2.1",)
    with pytest.raises(ServFail):
        fr.query("b.test", "MX")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("127.0.0.1", ("127.0.0.1", 53)),
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("::1", ("::1", 53)),
        ("[::1]:5353", ("::1", 5353)),
    ],
)
def test_parse_nameserver(text, expected):
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize("text", ["", ":53", "host:port", "127.0.0.1:99999", "bad:port:x",
                                  "ns.example.com"])
def test_parse_nameserver_rejects(text):
    with pytest.raises(ValueError):
        parse_nameserver(text)


@pytest.mark.dns
def test_live_against_nsd(nsd_servers):
    server = nsd_servers({"example.test.": ZONE})
    cache: dict = {}
    live = LiveResolver([server.address], timeout=0.5, retries=0, cache=cache)
    assert live.query("example.test", "MX").records == ((10, "mail.example.test"),)
    assert live.query("split.example.test", "TXT").txt_strings() == ["first second"]
    assert live.query("alias.example.test", "A").records == ("192.0.2.25",)
    with pytest.raises(NXDomain):
        live.query("nothere.example.test", "A")
    with pytest.raises(NoData):
        live.query("mail.example.test", "TXT")
    with pytest.raises(ServFail):
        live.query("loop.example.test", "A")
    assert ("example.test", "MX") in cache  # one cache per run


def test_live_timeout_is_typed():
    # a UDP port on loopback where nothing answers: the query times out, typed, no traceback
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
        sink.bind(("127.0.0.1", 0))
        port = sink.getsockname()[1]
        live = LiveResolver([f"127.0.0.1:{port}"], timeout=0.1, retries=0)
        with pytest.raises(Timeout):
            live.query("example.test", "A")


def test_yaml_reader_matches_pyyaml():
    """The YAML-subset reader gives what a full YAML parser gives on the shared suites."""
    try:
        import yaml
    except ImportError:
        yaml = None
    need(yaml is not None, "PyYAML is not installed (pip install '.[test]')")
    from .conformance_yaml import load_all

    files = [SHARED / "conformance" / "spf" / "rfc7208-tests.yml",
             SHARED / "conformance" / "arc" / "arc-draft-validation-tests.yml"]
    need(all(f.exists() for f in files), "shared conformance data is absent")
    for f in files:
        text = f.read_text(encoding="utf-8")
        assert load_all(text) == list(yaml.safe_load_all(text)), f.name


@pytest.mark.parametrize("content", ["[1, 2]", "nope", '{"checks": {"dns": [{"x": 1}]}}'])
def test_replay_rejects_what_is_not_a_recording(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="bad.json: not"):
        replay_resolver(path)


WILDCARD_ZONE = (
    "$ORIGIN w.test.\n$TTL 60\n@ IN SOA ns hostmaster 1 1 1 1 1\n@ IN NS ns\n"
    "ns IN A 127.0.0.1\n*.dyn IN TXT \"v=spf1 -all\"\nhost.dyn IN A 192.0.2.1\n"
    "sub.other IN A 192.0.2.2\n")


def test_zone_wildcards():
    zr = ZoneResolver.from_text(WILDCARD_ZONE)
    assert zr.query("anything.dyn.w.test", "TXT").txt_strings() == ["v=spf1 -all"]
    assert zr.query("a.b.dyn.w.test", "TXT").txt_strings() == ["v=spf1 -all"]
    with pytest.raises(NoData):
        zr.query("x.dyn.w.test", "MX")  # the wildcard owns the name, not the type
    with pytest.raises(NoData):
        zr.query("host.dyn.w.test", "TXT")  # an existing name is not covered by the wildcard
    with pytest.raises(NXDomain):
        zr.query("x.other.w.test", "TXT")  # closest encloser other.w.test has no wildcard


@pytest.mark.dns
def test_zone_resolver_agrees_with_nsd(nsd_servers):
    """The offline resolver gives the answers (or the errors) a real server gives."""
    server = nsd_servers({"example.test.": ZONE, "w.test.": WILDCARD_ZONE})
    live = LiveResolver([server.address], timeout=0.5, retries=0)
    offline = ZoneResolver.from_text(ZONE)
    wild = ZoneResolver.from_text(WILDCARD_ZONE)
    questions = [
        (offline, "example.test", "MX"), (offline, "alias.example.test", "A"),
        (offline, "split.example.test", "TXT"), (offline, "nothere.example.test", "A"),
        (offline, "mail.example.test", "TXT"), (offline, "deep.example.test", "A"),
        (wild, "anything.dyn.w.test", "TXT"), (wild, "a.b.dyn.w.test", "TXT"),
        (wild, "x.dyn.w.test", "MX"), (wild, "host.dyn.w.test", "TXT"),
        (wild, "x.other.w.test", "TXT"),
    ]

    def outcome(resolver, name, rdtype):
        try:
            return sorted(map(str, resolver.query(name, rdtype).records))
        except (NXDomain, NoData, ServFail) as err:
            return err.kind

    for resolver, name, rdtype in questions:
        assert outcome(resolver, name, rdtype) == outcome(live, name, rdtype), (name, rdtype)


def test_missing_system_resolver_config_is_a_plain_error(monkeypatch):
    import dns.resolver as dr

    def broken(*args, **kwargs):
        raise dr.NoResolverConfiguration("no nameservers")

    monkeypatch.setattr(dr, "Resolver", broken)
    with pytest.raises(ValueError, match="give --nameserver"):
        LiveResolver()

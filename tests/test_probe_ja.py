"""`mailcheck probe --lang ja`: every message the probe writes is Japanese; JSON stays English.

The probe runs against the same real loopback servers as tests/test_probe.py. Besides the
Japanese phrases each scenario must show, every message the probe recorded is checked: its
Japanese rendering is in the output and its English one is not (server text, which is
never translated, is an argument and so appears in both).
"""

from __future__ import annotations

import ast
import json
import string
from pathlib import Path

import pytest

from mailcheck.checks.probe import ProbeResult, diagnose_probe, probe
from mailcheck.messages import TEMPLATES, Message, localize, msg, placeholders
from mailcheck.probe_cli import render_transcript
from mailcheck.render import render
from tests.exchange_like_server import TENANT_DISABLED, free_port
from tests.test_probe import STALL_TIMEOUT, Provider, cert, other_cert, run, serve  # noqa: F401

pytestmark = pytest.mark.smtp

ROOT = Path(__file__).resolve().parent.parent


def messages_in(result: ProbeResult) -> list[Message]:
    found: list[Message] = []
    for s in result.steps:
        found.extend(t for t in s.transcript if isinstance(t, Message))
        if isinstance(s.message, Message):
            found.append(s.message)
    found.extend(c.message for c in result.conditions if isinstance(c.message, Message))
    return found


def english_fragments() -> set[str]:
    """Literal English text of the templates that the Japanese template does not share."""
    out = set()
    for t in TEMPLATES.values():
        for literal, *_ in string.Formatter().parse(t["en"]):
            for part in literal.split(";"):
                part = part.strip(" :()'")
                if len(part) >= 12 and part not in t["ja"]:
                    out.add(part)
    return out


def japanese_outputs(result: ProbeResult) -> tuple[str, str, str]:
    diag = diagnose_probe(result, lang="ja")
    transcript = render_transcript(result, "ja")
    return transcript, transcript + render(diag, "text"), render(diag, "html")


def check_japanese(result: ProbeResult, *phrases: str) -> str:
    transcript, text, html = japanese_outputs(result)
    for phrase in phrases:
        assert phrase in text, (phrase, text)
    found = messages_in(result)
    assert found, "the probe recorded no messages"
    for m in found:
        ja = localize(m, "ja")
        if ja != str(m):
            assert ja.strip() in text
            assert str(m).strip() not in text, str(m)
    for fragment in english_fragments():
        assert fragment not in transcript, fragment
    # the HTML report shows the probe's steps and the cited lines in Japanese too
    for c in result.conditions:
        ja = localize(c.message, "ja")
        if ja != str(c.message) and "'" not in ja and "<" not in ja and "&" not in ja:
            assert ja in html
    # JSON keeps the English text whatever the language of the report
    data = json.loads(render(diagnose_probe(result, lang="ja"), "json"))
    assert [c["message"] for c in data["checks"]["probe"]["conditions"]] == [
        str(c.message) for c in result.conditions
    ]
    return text


def test_auth_not_offered(serve, cert):  # noqa: F811
    result = run(serve("no-auth", cert), cert)
    assert result.outcome == "auth-not-offered"
    check_japanese(
        result,
        "サーバーは TLS 開始後に AUTH を提示していません: このサーバーまたはこのクライアントで "
        "SMTP AUTH が無効です",
        "127.0.0.1 ポート",
    )


def test_auth_rejected_keeps_the_reply_word_for_word(serve, cert):  # noqa: F811
    result = run(serve("tenant", cert), cert)
    assert result.outcome == "auth-rejected"
    text = check_japanese(result, "提示された AUTH 方式: LOGIN PLAIN XOAUTH2")
    assert f"サーバーが AUTH PLAIN を拒否しました: {TENANT_DISABLED}" in text.replace("\n", "")


def test_stall_after_tls_is_sent_second_ehlo(serve, cert):  # noqa: F811
    server = serve("stall-ehlo", cert, stall=STALL_TIMEOUT * 5)
    result = run(server, cert, timeout=STALL_TIMEOUT)
    assert result.outcome == "stall-after-second-ehlo"
    check_japanese(
        result,
        f"({STALL_TIMEOUT:g} 秒以内に応答なし)",
        f"TLS 開始後、2 回目の EHLO に {STALL_TIMEOUT:g} 秒以内の応答がありません",
        "SENT_SECOND_EHLO",
    )


def test_certificate_name_mismatch(serve, other_cert):  # noqa: F811
    result = run(serve("tenant", other_cert), other_cert)
    assert result.outcome == "tls-certificate-name-mismatch"
    check_japanese(
        result,
        "証明書の名前が一致しません: 証明書に 127.0.0.1 が含まれていません",
        "名前: mail.other.example -> 127.0.0.1 と一致しません",
        "認証情報を送りません: 接続の証明書を検証できませんでした",
        "127.0.0.1 ポート",
    )


def test_connection_refused():
    port = free_port()
    result = probe("127.0.0.1", port, timeout=1.0, credentials=Provider())
    assert result.outcome == "connection-refused"
    check_japanese(
        result,
        f"127.0.0.1 がポート {port} への接続を拒否しました",
        "接続拒否",
    )


def test_english_output_is_unchanged(serve, cert):  # noqa: F811
    result = run(serve("no-auth", cert), cert)
    text = render_transcript(result, "en")
    assert (
        "probe: auth-not-offered: the server does not offer AUTH after TLS: SMTP AUTH is "
        "switched off for this server or this client"
    ) in text
    assert "AUTH" in text and "提示" not in text


def test_server_text_is_an_argument_and_stays_terminal_safe():
    m = msg("probe.auth_rejected", mechanism="PLAIN", reply="535 \x1b[31mno\x1b[0m")
    assert "\x1b" in localize(m, "ja")  # localize leaves arguments alone ...
    from mailcheck.render.text import safe

    assert "\x1b" not in safe(localize(m, "ja"))  # ... and the renderer makes them safe


# -- the table itself ------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_template_has_english_and_japanese_with_the_same_placeholders(key):
    t = TEMPLATES[key]
    assert set(t) == {"en", "ja"}
    assert t["en"].strip() and t["ja"].strip()
    assert placeholders(t["en"]) == placeholders(t["ja"]), key


def _msg_keys_in_source() -> tuple[set[str], list[str]]:
    """Every key a ``msg(...)`` call names, and the calls whose key is not a literal."""
    keys: set[str] = set()
    dynamic: list[str] = []

    def literal_keys(node: ast.AST) -> list[str] | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            a, b = literal_keys(node.body), literal_keys(node.orelse)
            return None if a is None or b is None else a + b
        return None

    for path in sorted((ROOT / "mailcheck").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "msg"
                and node.args
            ):
                found = literal_keys(node.args[0])
                if found is None:
                    dynamic.append(f"{path.name}:{node.lineno}")
                else:
                    keys.update(found)
    return keys, dynamic


def test_every_msg_key_in_the_source_is_in_the_table_and_none_is_unused():
    keys, dynamic = _msg_keys_in_source()
    assert not dynamic, f"msg() with a computed key (cannot be checked): {dynamic}"
    assert keys, "no msg() calls found"
    assert keys - set(TEMPLATES) == set()
    assert set(TEMPLATES) - keys == set(), "templates no code uses"


def test_message_is_its_english_text_and_survives_copy():
    import copy
    import pickle

    m = msg("probe.stall", after=msg("probe.second_ehlo"), timeout=10.0)
    assert m == (
        "no reply to the second EHLO within 10 s after TLS; Gmail reports the same silence "
        "as 'Missed upload deadline (state SENT_SECOND_EHLO), code: 421'"
    )
    assert localize(m, "ja").startswith("TLS 開始後、2 回目の EHLO に 10 秒以内")
    for other in (copy.deepcopy(m), pickle.loads(pickle.dumps(m))):
        assert other == m and localize(other, "ja") == localize(m, "ja")
    assert json.dumps(m) == json.dumps(str(m))
    assert localize("plain text", "ja") == "plain text"
    assert localize(m, "en") == str(m) and type(localize(m, "en")) is str
    indented = m.with_prefix("  ")
    assert indented == "  " + m and localize(indented, "ja") == "  " + localize(m, "ja")


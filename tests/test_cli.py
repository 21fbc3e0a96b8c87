"""The command line as a user meets it: files or stdin, formats, exit codes, one-line errors."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys

from click.testing import CliRunner

from mailcheck.cli import main

from .conftest import FIXTURES, ROOT

NDR = FIXTURES / "seed" / "exo-5.7.520-ndr.eml"


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


def test_diagnose_file_text():
    r = run("diagnose", str(NDR))
    assert r.exit_code == 0, r.output
    assert "exo-external-forwarding-blocked" in r.output
    assert "Set-HostedOutboundSpamFilterPolicy" in r.output
    assert "\x1b[" not in r.output  # no colour when not a terminal


def test_diagnose_stdin_dash_and_no_argument_are_the_same():
    data = NDR.read_bytes()
    a = run("diagnose", "-", "--format", "json", input=data)
    b = run("diagnose", "--format", "json", input=data)
    assert a.exit_code == b.exit_code == 0
    assert json.loads(a.output) == json.loads(b.output)


def test_json_schema_1():
    d = json.loads(run("diagnose", str(NDR), "--format", "json").output)
    assert d["schema"] == 1 and d["kind"] == "bounce" and d["error"] is None
    assert d["source"].endswith("exo-5.7.520-ndr.eml")
    rec = d["recipients"][0]
    assert set(rec) >= {"recipient", "action", "status", "reply_code", "diagnostic", "remote_mta",
                        "reason", "hard_bounce"}
    f = d["findings"][0]
    assert set(f) >= {"rule", "title", "reason", "confidence", "evidence", "fix", "references"}
    assert all(isinstance(x, str) for x in f["evidence"] + f["fix"] + f["references"])


def test_lang_ja():
    r = run("diagnose", str(NDR), "--lang", "ja")
    assert "外部アドレスへの自動転送" in r.output and "対処" in r.output


def test_output_file(tmp_path):
    out = tmp_path / "r.json"
    r = run("diagnose", str(NDR), "--format", "json", "-o", str(out))
    assert r.exit_code == 0 and r.output == ""
    assert json.loads(out.read_text())["findings"][0]["rule"] == "exo-external-forwarding-blocked"


def test_missing_file_is_one_line_exit_2():
    r = run("diagnose", "/nonexistent/bounce.eml")
    assert r.exit_code == 2
    assert r.output.strip().count("\n") == 0 and "no such file" in r.output
    assert "Traceback" not in r.output


def test_empty_and_binary_input_exit_2():
    for data in (b"", b"   \n\n", bytes(range(256)) * 40, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"):
        r = run("diagnose", input=data)
        assert r.exit_code == 2, data[:10]
        assert "Traceback" not in r.output and r.output.startswith("mailcheck: error:")


def test_unrecognised_text_is_a_graceful_answer():
    r = run("diagnose", input="Hello, lunch at noon?\n")
    assert r.exit_code == 0
    assert "Nothing recognised" in r.output


def test_usage_error_exit_2():
    assert run("diagnose", "--format", "yaml").exit_code == 2
    assert run("nosuchcommand").exit_code == 2


def test_rules_list_and_test():
    r = run("rules", "list")
    assert r.exit_code == 0 and "exo-external-forwarding-blocked" in r.output
    r = run("rules", "list", "--format", "json", "--lang", "ja")
    rows = json.loads(r.output)
    assert any(row["id"] == "gmail-sendas-smtp-timeout" and "Gmail" in row["title"] for row in rows)
    r = run("rules", "test")
    assert r.exit_code == 0 and " 0 failed" in r.output


def test_rules_test_an_organisation_pack(tmp_path):
    pack = tmp_path / "acme.toml"
    pack.write_text('[pack]\nname = "acme"\n[[rule]]\nid = "acme-gateway-quarantine"\n'
                    'title = "Held by the ACME gateway"\ncause = "c"\nreason = "filtered"\n'
                    'examples = ["554 5.7.1 ACME-GW held message for review"]\n'
                    'counterexamples = ["554 5.7.1 something else"]\n'
                    '[[rule.match]]\ntext = ["ACME-GW held"]\n')
    r = run("rules", "test", str(tmp_path))
    assert r.exit_code == 0, r.output
    assert "2 passed, 0 failed" in r.output
    d = json.loads(run("diagnose", "--rules", str(pack), "--format", "json",
                       input="554 5.7.1 ACME-GW held message for review").output)
    assert d["findings"][0]["rule"] == "acme-gateway-quarantine"
    pack.write_text(pack.read_text().replace('examples = ["554 5.7.1 ACME', 'examples = ["nothing'))
    r = run("rules", "test", str(tmp_path))
    assert r.exit_code == 1 and "FAIL acme-gateway-quarantine" in r.output


def test_bad_rule_pack_is_a_one_line_error(tmp_path):
    (tmp_path / "bad.toml").write_text("[[rule]\nid=")
    r = run("diagnose", "--rules", str(tmp_path), input="550 5.1.1 user unknown")
    assert r.exit_code == 2 and "bad.toml" in r.output and "Traceback" not in r.output


def test_installed_console_script_runs_as_a_subprocess():
    exe = shutil.which("mailcheck")
    cmd = [exe] if exe else [sys.executable, "-m", "mailcheck"]
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    p = subprocess.run(cmd + ["diagnose", str(NDR), "--format", "json"], capture_output=True,
                       cwd=ROOT, env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["findings"][0]["rule"] == "exo-external-forwarding-blocked"
    p = subprocess.run(cmd + ["diagnose", "/nonexistent"], capture_output=True, timeout=60)
    assert p.returncode == 2 and b"Traceback" not in p.stderr


def test_commands_of_other_modules_are_found_by_their_names():
    # verify, spf and probe are imported when named, not at start-up
    import click

    from mailcheck.auth_commands import spf_cmd, verify_cmd
    from mailcheck.cli import _Commands
    from mailcheck.probe_cli import probe_cmd

    ctx = click.Context(main)
    for name, cmd in (("verify", verify_cmd), ("spf", spf_cmd), ("probe", probe_cmd)):
        assert name in _Commands.ELSEWHERE and cmd.name == name
        assert main.get_command(ctx, name) is cmd
    assert main.list_commands(ctx) == sorted(main.commands)
    assert {"diagnose", "batch", "rules", "verify", "spf", "probe"} <= set(main.commands)


def _modules_a_jsonl_run_imports(wanted: str) -> list[str]:
    """Which modules named by the expression ``wanted`` (over ``m``, a module name) a
    one-process ``batch --format jsonl`` over a plain bounce fixture has imported."""
    code = ("import sys; sys.argv = ['mailcheck', 'batch', '--format', 'jsonl', '--jobs', '1',"
            " sys.argv[1]]\n"
            "import mailcheck.cli\n"
            "try:\n    mailcheck.cli.main()\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in sys.modules if {wanted}), file=sys.stderr)")
    one = sorted((FIXTURES / "bounces").rglob("*.eml"))[0]
    out = subprocess.run([sys.executable, "-c", code, str(one)], capture_output=True, text=True,
                         cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), check=True)
    assert out.stdout.startswith('{"schema": 1')
    return ast.literal_eval(out.stderr.strip().splitlines()[-1])


def test_batch_starts_without_the_dns_and_probe_modules():
    assert _modules_a_jsonl_run_imports(
        "m.split('.')[-1] in ('auth_commands', 'probe_cli', 'probe_result', 'text', 'policy')"
    ) == []


def test_batch_starts_without_the_modules_only_other_inputs_need():
    # i18n is for text and HTML reports, outlook_msg (and the email parser) for .msg files,
    # html for HTML parts, signal for worker processes: none is imported by a one-process
    # jsonl run over a plain-text bounce
    assert _modules_a_jsonl_run_imports(
        "m in ('mailcheck.i18n', 'mailcheck.outlook_msg', 'html', 'email.parser', 'signal')"
    ) == []


def test_the_copies_kept_for_start_up_equal_their_originals():
    from mailcheck import archive, i18n, outlook_msg, rules

    assert archive.OLE_MAGIC == outlook_msg.OLE_MAGIC
    assert rules.LANGS == i18n.LANGS

"""Messages mailcheck itself writes (probe steps and conditions, the SPF trace), in each language.

A :class:`Message` *is* its English text (it subclasses ``str``), so code, tests and JSON
that treat it as a string see exactly the English they always saw. It also remembers its
``key`` and ``args``, so a renderer can ask :func:`localize` for another language::

    m = msg("probe.ehlo_timeout", timeout=10.0)   # "no reply to EHLO within 10 s"
    localize(m, "ja")                              # "10 秒以内に EHLO への応答がありません"

Text that comes from outside (a server's reply, a certificate's names, an OS error) is
passed as an argument and never translated; the renderers still make it terminal-safe or
HTML-escape it after localizing. Arguments may themselves be messages ("the second
EHLO"); they are localized with the message.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from typing import Any

TEMPLATES: dict[str, dict[str, str]] = {
    # -- mailcheck probe: transcript notes and step messages -------------------------------
    "probe.connecting": {
        "en": "connecting to {host} port {port}",
        "ja": "{host} ポート {port} に接続",
    },
    "probe.connecting_unverified": {
        "en": "connecting to {host} port {port} again, without verifying the certificate",
        "ja": "{host} ポート {port} に再接続(証明書は検証しない)",
    },
    "probe.no_answer": {
        "en": "no answer within {timeout:g} s",
        "ja": "{timeout:g} 秒以内に応答なし",
    },
    "probe.refused": {"en": "connection refused", "ja": "接続拒否"},
    "probe.not_resolved": {
        "en": "host name not resolved: {error}",
        "ja": "ホスト名を解決できません: {error}",
    },
    "probe.connect_failed": {
        "en": "connection failed: {error}",
        "ja": "接続に失敗しました: {error}",
    },
    "probe.no_reply_within": {
        "en": "(no reply within {timeout:g} s)",
        "ja": "({timeout:g} 秒以内に応答なし)",
    },
    "probe.closed_note": {
        "en": "(connection closed by the server)",
        "ja": "(サーバーが接続を閉じました)",
    },
    "probe.starttls_missing": {
        "en": "STARTTLS is not in the EHLO reply",
        "ja": "EHLO 応答に STARTTLS がありません",
    },
    "probe.cert_not_accepted": {
        "en": "certificate not accepted: {reason}",
        "ja": "証明書が受け入れられません: {reason}",
    },
    "probe.tls_timeout": {
        "en": "no TLS handshake within the timeout",
        "ja": "タイムアウトまでに TLS ハンドシェイクが完了しませんでした",
    },
    "probe.tls_failed": {
        "en": "TLS handshake failed: {reason}",
        "ja": "TLS ハンドシェイクに失敗しました: {reason}",
    },
    "probe.tls_established": {"en": "TLS {version} {cipher}", "ja": "TLS {version} {cipher}"},
    "probe.tls_established_unverified": {
        "en": "TLS {version} {cipher} (certificate not verified)",
        "ja": "TLS {version} {cipher}(証明書は未検証)",
    },
    "probe.cert_unreadable": {
        "en": "certificate could not be read: {error}",
        "ja": "証明書を読み取れませんでした: {error}",
    },
    "probe.cert_none": {
        "en": "the server sent no certificate",
        "ja": "サーバーが証明書を送りませんでした",
    },
    "probe.empty": {"en": "(empty)", "ja": "(空)"},
    "probe.none": {"en": "(none)", "ja": "(なし)"},
    "probe.nothing": {"en": "nothing", "ja": "なし"},
    "probe.cert_subject": {"en": "subject: {subject}", "ja": "サブジェクト: {subject}"},
    "probe.cert_issuer": {"en": "issuer: {issuer}", "ja": "発行者: {issuer}"},
    "probe.cert_names_match": {
        "en": "names: {names} -> matches {host}",
        "ja": "名前: {names} -> {host} と一致",
    },
    "probe.cert_names_mismatch": {
        "en": "names: {names} -> does NOT match {host}",
        "ja": "名前: {names} -> {host} と一致しません",
    },
    "probe.cert_valid_until": {
        "en": "valid until {until} ({days} days left)",
        "ja": "有効期限 {until}(残り {days} 日)",
    },
    "probe.cert_expires_soon": {
        "en": "the certificate expires in {days} days",
        "ja": "証明書はあと {days} 日で期限が切れます",
    },
    "probe.auth_offered": {
        "en": "AUTH mechanisms offered: {mechanisms}",
        "ja": "提示された AUTH 方式: {mechanisms}",
    },
    "probe.no_user": {
        "en": "no user given; AUTH not attempted",
        "ja": "ユーザーの指定がないため AUTH は行いません",
    },
    "probe.withheld_unencrypted": {
        "en": "credentials withheld: the connection is not encrypted",
        "ja": "認証情報を送りません: 接続が暗号化されていません",
    },
    "probe.withheld_unverified": {
        "en": "credentials withheld: the connection uses a certificate that could not be verified",
        "ja": "認証情報を送りません: 接続の証明書を検証できませんでした",
    },
    "probe.xoauth2_decoded": {
        "en": "   (decoded: {json})",
        "ja": "   (デコード結果: {json})",
    },
    "probe.evidence": {"en": "probe: {name}: {message}", "ja": "probe: {name}: {message}"},
    # -- why the connection ended (inside other messages) ----------------------------------
    "probe.closed_before_send": {
        "en": "the connection was closed before the command could be sent",
        "ja": "コマンドを送る前に接続が閉じられました",
    },
    "probe.closed_already": {
        "en": "the connection is already closed",
        "ja": "接続はすでに閉じています",
    },
    "probe.closed_by_server": {
        "en": "the server closed the connection",
        "ja": "サーバーが接続を閉じました",
    },
    "probe.unreadable_reply": {
        "en": "unreadable reply ({code})",
        "ja": "読み取れない応答 ({code})",
    },
    "probe.second_ehlo": {"en": "the second EHLO", "ja": "2 回目の EHLO"},
    # -- mailcheck probe: conditions -------------------------------------------------------
    "probe.connection_timeout": {
        "en": "{host} port {port} did not accept a connection within {timeout:g} s "
        "(a firewall dropping the port, or the wrong host)",
        "ja": "{host} ポート {port} が {timeout:g} 秒以内に接続を受け付けませんでした"
        "(ファイアウォールがポートへの通信を破棄している、またはホスト名の誤り)",
    },
    "probe.connection_refused": {
        "en": "{host} refused connections on port {port}: nothing listens there",
        "ja": "{host} がポート {port} への接続を拒否しました: "
        "このポートで待ち受けているサービスがありません",
    },
    "probe.host_not_found": {
        "en": "the name {host} did not resolve",
        "ja": "名前 {host} を DNS で解決できませんでした",
    },
    "probe.connection_failed": {
        "en": "could not connect to {host}: {detail}",
        "ja": "{host} に接続できませんでした: {detail}",
    },
    "probe.banner_timeout": {
        "en": "the server accepted the connection but sent no greeting within {timeout:g} s",
        "ja": "サーバーは接続を受け付けましたが、{timeout:g} 秒以内に"
        "挨拶(バナー)を送りませんでした",
    },
    "probe.disconnected_before_greeting": {
        "en": "before the greeting: {reason}",
        "ja": "挨拶の前に切断: {reason}",
    },
    "probe.banner_rejected": {
        "en": "the server greeted with {reply!r}",
        "ja": "サーバーの挨拶が {reply!r} でした",
    },
    "probe.ehlo_timeout": {
        "en": "no reply to EHLO within {timeout:g} s",
        "ja": "{timeout:g} 秒以内に EHLO への応答がありません",
    },
    "probe.disconnected_after_ehlo": {
        "en": "after EHLO: {reason}",
        "ja": "EHLO の後に切断: {reason}",
    },
    "probe.ehlo_rejected": {
        "en": "the server answered EHLO with {reply!r}",
        "ja": "サーバーは EHLO に {reply!r} と応答しました",
    },
    "probe.starttls_not_offered": {
        "en": "the server does not offer STARTTLS on this port, so Gmail (and the probe) "
        "will not send credentials",
        "ja": "サーバーはこのポートで STARTTLS を提示していないため、Gmail(と probe)は"
        "認証情報を送りません",
    },
    "probe.starttls_timeout": {
        "en": "no reply to STARTTLS in {timeout:g} s",
        "ja": "{timeout:g} 秒以内に STARTTLS への応答がありません",
    },
    "probe.disconnected_after_starttls": {
        "en": "after STARTTLS: {reason}",
        "ja": "STARTTLS の後に切断: {reason}",
    },
    "probe.starttls_refused": {
        "en": "the server refused STARTTLS with {reply!r}",
        "ja": "サーバーは STARTTLS を {reply!r} で拒否しました",
    },
    "probe.cert_name_mismatch": {
        "en": "certificate name mismatch: the certificate is for {names}, not {host}",
        "ja": "証明書の名前が一致しません: 証明書は {names} 用で、{host} 用ではありません",
    },
    "probe.cert_expired_at": {
        "en": "the certificate expired {when}",
        "ja": "証明書の有効期限が {when} に切れています",
    },
    "probe.cert_name_mismatch_verify": {
        "en": "certificate name mismatch: the certificate does not name {host} ({reason})",
        "ja": "証明書の名前が一致しません: 証明書に {host} が含まれていません({reason})",
    },
    "probe.cert_expired": {
        "en": "the certificate expired ({reason})",
        "ja": "証明書の有効期限が切れています({reason})",
    },
    "probe.cert_not_yet_valid": {
        "en": "the certificate is not valid yet ({reason})",
        "ja": "証明書の有効期間がまだ始まっていません({reason})",
    },
    "probe.cert_untrusted": {
        "en": "the certificate is not trusted ({reason}); a private CA can be added with --cafile",
        "ja": "証明書が信頼されていません({reason})。プライベート CA は --cafile で追加できます",
    },
    "probe.auth_not_offered_after_tls": {
        "en": "the server does not offer AUTH after TLS: SMTP AUTH is switched off for this "
        "server or this client",
        "ja": "サーバーは TLS 開始後に AUTH を提示していません: このサーバーまたはこの"
        "クライアントで SMTP AUTH が無効です",
    },
    "probe.auth_not_offered_plain": {
        "en": "the server does not offer AUTH on this connection: SMTP AUTH is switched off "
        "for this server or this client",
        "ja": "サーバーはこの接続で AUTH を提示していません: このサーバーまたはこの"
        "クライアントで SMTP AUTH が無効です",
    },
    "probe.stall": {
        "en": "no reply to {after} within {timeout:g} s after TLS; Gmail reports the same "
        "silence as 'Missed upload deadline (state SENT_SECOND_EHLO), code: 421'",
        "ja": "TLS 開始後、{after} に {timeout:g} 秒以内の応答がありません。Gmail は同じ無応答を"
        "「Missed upload deadline (state SENT_SECOND_EHLO), code: 421」と表示します",
    },
    "probe.auth_not_attempted": {
        "en": "no user was given, so the probe stopped before AUTH; the server offers "
        "AUTH {offered}",
        "ja": "ユーザーの指定がないため、probe は AUTH の前で止めました。サーバーが提示している"
        " AUTH 方式: {offered}",
    },
    "probe.credentials_withheld_unencrypted": {
        "en": "the probe did not send credentials because the connection is not encrypted "
        "(--insecure sends them anyway)",
        "ja": "接続が暗号化されていないため、probe は認証情報を送りませんでした"
        "(--insecure を付けると送ります)",
    },
    "probe.credentials_withheld_unverified": {
        "en": "the probe did not send credentials because the connection uses a certificate "
        "that could not be verified (--insecure sends them anyway)",
        "ja": "接続の証明書を検証できなかったため、probe は認証情報を送りませんでした"
        "(--insecure を付けると送ります)",
    },
    "probe.disconnected_during_auth": {
        "en": "during AUTH: {reason}",
        "ja": "AUTH の途中で切断: {reason}",
    },
    "probe.auth_accepted": {
        "en": "AUTH {mechanism} accepted",
        "ja": "AUTH {mechanism} が受け付けられました",
    },
    "probe.auth_rejected": {
        "en": "the server rejected AUTH {mechanism}: {reply}",
        "ja": "サーバーが AUTH {mechanism} を拒否しました: {reply}",
    },
    "probe.no_reply_mail_from": {
        "en": "no reply to MAIL FROM",
        "ja": "MAIL FROM への応答がありません",
    },
    "probe.mail_from_rejected": {
        "en": "MAIL FROM was refused: {reply}",
        "ja": "MAIL FROM が拒否されました: {reply}",
    },
    "probe.no_reply_rcpt_to": {
        "en": "no reply to RCPT TO",
        "ja": "RCPT TO への応答がありません",
    },
    "probe.rcpt_to_rejected": {
        "en": "RCPT TO was refused: {reply}",
        "ja": "RCPT TO が拒否されました: {reply}",
    },
    # -- the SPF trace (mailcheck spf, mailcheck verify) -----------------------------------
    "spf.invalid_name": {
        "en": "{rdtype} {name}: not a valid DNS name ({detail}), treated as no answer",
        "ja": "{rdtype} {name}: DNS 名として無効({detail})。応答なしとして扱います",
    },
    "spf.void_lookup": {
        "en": "{rdtype} {name}: {kind} (void lookup {n})",
        "ja": "{rdtype} {name}: {kind}(空の参照 {n} 回目)",
    },
    "spf.lookup_empty": {"en": "{rdtype} {name}: {kind}", "ja": "{rdtype} {name}: {kind}"},
    "spf.ptr_failed": {
        "en": "PTR {name}: {kind}, so no validated name",
        "ja": "PTR {name}: {kind}。検証済みの名前はありません",
    },
    "spf.ptr_name_skipped": {
        "en": "{rdtype} {name}: {kind}; this PTR name is skipped (5.5)",
        "ja": "{rdtype} {name}: {kind}。この PTR 名は使いません(5.5)",
    },
    "spf.validated_names": {
        "en": "validated names for {ip}: {names}",
        "ja": "{ip} の検証済みの名前: {names}",
    },
    "spf.none": {"en": "none", "ja": "なし"},
    "spf.unusable_domain": {
        "en": "{domain!r} is not a usable domain name: none (RFC 7208 4.3)",
        "ja": "{domain!r} は使えるドメイン名ではありません: none(RFC 7208 4.3)",
    },
    "spf.record": {"en": "{domain}: {record!r}", "ja": "{domain}: {record!r}"},
    "spf.matched": {
        "en": "'{term}' matched: {result}",
        "ja": "'{term}' に一致: {result}",
    },
    "spf.redirect": {
        "en": "no mechanism matched; redirect to {target}",
        "ja": "どのメカニズムにも一致しないため {target} へ redirect",
    },
    "spf.neutral": {
        "en": "no mechanism matched: neutral",
        "ja": "どのメカニズムにも一致しません: neutral",
    },
    "spf.no_txt": {
        "en": "{domain}: no TXT records, so no SPF record",
        "ja": "{domain}: TXT レコードがないため SPF レコードもありません",
    },
    "spf.no_spf_txt": {
        "en": "{domain}: TXT records, but none starts with 'v=spf1'",
        "ja": "{domain}: TXT レコードはありますが、'v=spf1' で始まるものがありません",
    },
    "spf.ip_match": {"en": "'{term}': match for {ip}", "ja": "'{term}': {ip} は一致"},
    "spf.ip_no_match": {"en": "'{term}': no match for {ip}", "ja": "'{term}': {ip} は不一致"},
    "spf.where": {
        "en": "'{term}' (DNS term {n}/{limit})",
        "ja": "'{term}'(DNS 参照 {n}/{limit})",
    },
    "spf.include": {"en": "{where}: include {target}", "ja": "{where}: {target} を include"},
    "spf.include_result": {
        "en": "{where}: the included policy says {result}",
        "ja": "{where}: include 先のポリシーの結果は {result}",
    },
    "spf.exists": {"en": "{where}: A {target} exists", "ja": "{where}: A {target} が存在します"},
    "spf.not_exists": {
        "en": "{where}: A {target} does not exist",
        "ja": "{where}: A {target} は存在しません",
    },
    "spf.mx_no_host": {
        "en": "{where}: no MX host of {target} has {ip}",
        "ja": "{where}: {target} の MX ホストに {ip} を持つものはありません",
    },
    "spf.ptr_question": {
        "en": "{where}: validated names of {ip} under {target}?",
        "ja": "{where}: {ip} の検証済みの名前は {target} 配下か?",
    },
    "spf.ptr_match": {"en": "{where}: match for {target}", "ja": "{where}: {target} に一致"},
    "spf.ptr_no_match": {
        "en": "{where}: no match for {target}",
        "ja": "{where}: {target} に不一致",
    },
    "spf.net_match": {
        "en": "{where}: {rdtype} {host} -> {network} holds {ip}: match",
        "ja": "{where}: {rdtype} {host} -> {network} に {ip} が含まれます: 一致",
    },
    "spf.net_no_match": {
        "en": "{where}: {rdtype} {host} does not hold {ip}",
        "ja": "{where}: {rdtype} {host} に {ip} は含まれません",
    },
    "spf.exp_many": {
        "en": "exp={exp}: {n} TXT records, default explanation used",
        "ja": "exp={exp}: TXT レコードが {n} 件あるため既定の説明を使います",
    },
    "spf.exp_text": {
        "en": "exp={exp}: explanation {text!r}",
        "ja": "exp={exp}: 説明 {text!r}",
    },
    "spf.exp_error": {
        "en": "exp={exp}: {error}; default explanation used",
        "ja": "exp={exp}: {error}。既定の説明を使います",
    },
    "spf.permerror": {"en": "permerror: {error}", "ja": "permerror: {error}"},
    # -- why a record is a permerror (the trace's last line and `spf`'s "Problem") ----------
    "spf.err.percent": {
        "en": "'%' must start a macro (%{{...}}, %%, %_ or %-) in {text!r}",
        "ja": "{text!r} の '%' はマクロ(%{{...}}、%%、%_、%-)の始まりでなければなりません",
    },
    "spf.err.unterminated_macro": {
        "en": "unterminated macro in {text!r}",
        "ja": "{text!r} のマクロが閉じていません",
    },
    "spf.err.invalid_macro": {
        "en": "invalid macro %{{{body}}} in {text!r}",
        "ja": "{text!r} のマクロ %{{{body}}} は無効です",
    },
    "spf.err.zero_labels": {
        "en": "macro %{{{body}}} keeps zero labels",
        "ja": "マクロ %{{{body}}} は残すラベル数が 0 です",
    },
    "spf.err.character": {
        "en": "character {char!r} is not allowed in {text!r}",
        "ja": "{text!r} に使えない文字 {char!r} があります",
    },
    "spf.err.empty_domain_spec": {"en": "empty domain-spec", "ja": "domain-spec が空です"},
    "spf.err.no_domain": {
        "en": "domain-spec {spec!r} has no domain",
        "ja": "domain-spec {spec!r} にドメインがありません",
    },
    "spf.err.toplabel": {
        "en": "domain-spec {spec!r} does not end in '.toplabel'",
        "ja": "domain-spec {spec!r} が '.トップレベルラベル' で終わっていません",
    },
    "spf.err.leading_zero": {
        "en": "prefix length with a leading zero in {text!r}",
        "ja": "{text!r} のプレフィックス長が 0 で始まっています",
    },
    "spf.err.prefix_too_long": {
        "en": "prefix length /{value} is over {top} in {text!r}",
        "ja": "{text!r} のプレフィックス長 /{value} が上限 {top} を超えています",
    },
    "spf.err.all_argument": {
        "en": "'all' takes no argument: {text!r}",
        "ja": "'all' は引数を取りません: {text!r}",
    },
    "spf.err.needs_domain": {
        "en": "'{name}' needs ':domain': {text!r}",
        "ja": "'{name}' には ':ドメイン' が必要です: {text!r}",
    },
    "spf.err.needs_address": {
        "en": "'{name}' needs ':address': {text!r}",
        "ja": "'{name}' には ':アドレス' が必要です: {text!r}",
    },
    "spf.err.bad_address": {
        "en": "{addr!r} is not an IPv{version} address: {text!r}",
        "ja": "{addr!r} は IPv{version} アドレスではありません: {text!r}",
    },
    "spf.err.bad_prefix": {
        "en": "bad prefix length in {text!r}",
        "ja": "{text!r} のプレフィックス長が不正です",
    },
    "spf.err.unexpected": {
        "en": "unexpected {spec!r} after '{name}': {text!r}",
        "ja": "'{name}' の後に想定外の {spec!r} があります: {text!r}",
    },
    "spf.err.non_ascii": {
        "en": "the record holds non-ASCII characters (RFC 7208 3.1)",
        "ja": "レコードに ASCII 以外の文字が含まれています(RFC 7208 3.1)",
    },
    "spf.err.unknown_term": {"en": "unknown term {term!r}", "ja": "不明な項目 {term!r}"},
    "spf.err.modifier_qualifier": {
        "en": "a modifier takes no qualifier: {term!r}",
        "ja": "修飾子(modifier)には限定子を付けられません: {term!r}",
    },
    "spf.err.modifier_twice": {
        "en": "'{name}=' appears more than once",
        "ja": "'{name}=' が 2 回以上あります",
    },
    "spf.err.unknown_mechanism": {
        "en": "unknown mechanism {term!r}",
        "ja": "不明なメカニズム {term!r}",
    },
    "spf.err.too_many_lookups": {
        "en": "'{term}' is DNS-querying term number {n}: more than {limit} (RFC 7208 4.6.4)",
        "ja": "'{term}' は DNS を参照する {n} 番目の項目で、上限 {limit} を超えています"
        "(RFC 7208 4.6.4)",
    },
    "spf.err.too_many_void": {
        "en": "more than {limit} void lookups (the last: {rdtype} {name}) (RFC 7208 4.6.4)",
        "ja": "空の参照が上限 {limit} を超えました(最後: {rdtype} {name})(RFC 7208 4.6.4)",
    },
    "spf.err.macro_letter": {
        "en": "unknown macro letter {letter!r}",
        "ja": "不明なマクロ文字 {letter!r}",
    },
    "spf.err.redirect_none": {
        "en": "redirect={redirect}: {target} has no SPF record",
        "ja": "redirect={redirect}: {target} に SPF レコードがありません",
    },
    "spf.err.many_records": {
        "en": "{domain} publishes {n} SPF records (RFC 7208 4.5)",
        "ja": "{domain} が SPF レコードを {n} 件公開しています(1 件のみ有効。RFC 7208 4.5)",
    },
    "spf.err.include_none": {
        "en": "'{term}': {target} has no SPF record",
        "ja": "'{term}': {target} に SPF レコードがありません",
    },
    "spf.err.too_many_mx": {
        "en": "'{term}': {target} has {n} MX records, more than {limit} (RFC 7208 4.6.4)",
        "ja": "'{term}': {target} の MX レコードが {n} 件あり、上限 {limit} を超えています"
        "(RFC 7208 4.6.4)",
    },
    "spf.err.not_an_ip": {
        "en": "{ip!r} is not an IP address",
        "ja": "{ip!r} は IP アドレスではありません",
    },
    "spf.temperror": {"en": "temperror: {error}", "ja": "temperror: {error}"},
}


class Message(str):
    """English text that remembers how to say itself in another language.

    ``prefix`` (indentation, say) is kept in front of every language's rendering.
    """

    key: str
    args: dict[str, Any]
    prefix: str

    def __new__(cls, key: str, args: Mapping[str, Any] | None = None, prefix: str = "") -> Message:
        args = dict(args or {})
        self = super().__new__(cls, prefix + _format(key, "en", args))
        self.key, self.args, self.prefix = key, args, prefix
        return self

    def __getnewargs__(self) -> tuple[Any, ...]:  # copy, deepcopy and pickle
        return (self.key, self.args, self.prefix)

    def with_prefix(self, prefix: str) -> Message:
        return Message(self.key, self.args, prefix + self.prefix)

    def map_text(self, fn: Callable[[str], str]) -> Message:
        """The same message with ``fn`` applied to the text of each argument (scrubbing,
        redaction); numbers stay numbers so their format specs still apply."""
        return Message(self.key, {k: _map(v, fn) for k, v in self.args.items()}, self.prefix)


def _map(value: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(value, Message):
        return value.map_text(fn)
    if value is None or isinstance(value, bool | int | float):
        return value
    return fn(str(value))  # a str, or an object (an IP address) that renders as one


def _format(key: str, lang: str, args: Mapping[str, Any]) -> str:
    template = TEMPLATES[key].get(lang) or TEMPLATES[key]["en"]
    if lang != "en":
        args = {k: localize(v, lang) for k, v in args.items()}
    else:
        args = {k: str(v) if isinstance(v, Message) else v for k, v in args.items()}
    return template.format(**args)


def msg(key: str, **args: Any) -> Message:
    """The message ``key`` with ``args``; as a string, its English text."""
    return Message(key, args)


def localize(text: Any, lang: str) -> Any:
    """``text`` in ``lang`` when it is a :class:`Message` with a template for it, else as is."""
    if not isinstance(text, Message) or lang == "en" or lang not in TEMPLATES[text.key]:
        return str(text) if isinstance(text, Message) else text
    return text.prefix + _format(text.key, lang, text.args)


def localize_tree(value: Any, lang: str) -> Any:
    """A copy of a JSON-like value (dicts, lists) with every message in ``lang``."""
    if isinstance(value, Mapping):
        return {k: localize_tree(v, lang) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [localize_tree(v, lang) for v in value]
    return localize(value, lang)


def placeholders(template: str) -> set[tuple[str, str | None, str]]:
    """The fields of a template as (name, conversion, format spec)."""
    return {
        (name, conv, spec or "")
        for _, name, spec, conv in string.Formatter().parse(template)
        if name is not None
    }

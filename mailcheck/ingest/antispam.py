"""Provider anti-spam headers decoded into plain words (Microsoft 365, Google, Yahoo).

The meanings are Microsoft's published descriptions of the anti-spam message headers,
written here in our own words; a value we do not know is shown as it is, never guessed.
Every sentence exists in English and Japanese (``words`` and ``words_ja``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

Words = tuple[str, str]  # (English, Japanese)

SFV: dict[str, Words] = {
    "BLK": ("blocked: the sender is on the recipient's Blocked Senders list",
            "ブロック: 差出人が受信者の受信拒否リストにあります"),
    "NSPM": ("not spam: spam filtering found nothing",
             "スパムではない: フィルターは問題を検出しませんでした"),
    "SFE": ("allowed: the sender is on the recipient's Safe Senders list",
            "許可: 差出人が受信者の信頼できる差出人リストにあります"),
    "SKA": ("allowed: the sender is on an allowed-sender list of the anti-spam policy",
            "許可: 差出人が迷惑メール対策ポリシーの許可リストにあります"),
    "SKB": ("blocked: the sender is on a blocked-sender list of the anti-spam policy",
            "ブロック: 差出人が迷惑メール対策ポリシーの禁止リストにあります"),
    "SKI": ("skipped: the message stayed inside the organisation",
            "スキップ: 組織内のメッセージです"),
    "SKN": ("skipped: marked as not spam before filtering (for example by a mail flow rule)",
            "スキップ: フィルター前に非スパムと判定されました(メール フロー ルールなど)"),
    "SKQ": ("released from quarantine", "検疫から解放されました"),
    "SKS": ("spam: marked as spam before filtering (for example by a mail flow rule)",
            "スパム: フィルター前にスパムと判定されました(メール フロー ルールなど)"),
    "SPM": ("spam: spam filtering judged it spam", "スパム: フィルターがスパムと判定しました"),
}
CAT: dict[str, Words] = {
    "AMP": ("anti-malware", "マルウェア対策"),
    "BULK": ("bulk mail", "バルク メール"),
    "DIMP": ("domain impersonation", "ドメインのなりすまし"),
    "FTBP": ("blocked file type (anti-malware file filter)",
             "ブロック対象のファイルの種類(マルウェア対策のファイル フィルター)"),
    "GIMP": ("mailbox-intelligence impersonation",
             "メールボックス インテリジェンスによるなりすまし"),
    "HPHSH": ("high-confidence phishing", "高確度フィッシング"),
    "HPHISH": ("high-confidence phishing", "高確度フィッシング"),
    "HSPM": ("high-confidence spam", "高確度スパム"),
    "INTOS": ("intra-organisation phishing", "組織内フィッシング"),
    "MALW": ("malware", "マルウェア"),
    "OSPM": ("outbound spam", "送信スパム"),
    "PHSH": ("phishing", "フィッシング"),
    "SAP": ("Safe Attachments", "安全な添付ファイル"),
    "SPM": ("spam", "スパム"),
    "SPOOF": ("spoofing: the sender failed composite authentication (SPF/DKIM/DMARC)",
              "スプーフィング: 複合認証(SPF/DKIM/DMARC)に失敗しました"),
    "UIMP": ("user impersonation", "ユーザーのなりすまし"),
    "NONE": ("no category", "カテゴリなし"),
}
IPV: dict[str, Words] = {
    "CAL": ("the connecting IP is on the connection filter's IP Allow List",
            "接続元 IP は接続フィルターの IP 許可一覧にあります"),
    "NLI": ("the connecting IP is on no IP reputation list",
            "接続元 IP はどの IP 評価リストにも載っていません"),
}
DIR: dict[str, Words] = {"INB": ("inbound", "受信"), "OUT": ("outbound", "送信"),
                         "INT": ("internal", "組織内")}
SFTY: dict[str, Words] = {
    "9.19": ("domain impersonation safety tip", "ドメインなりすましの安全のヒント"),
    "9.20": ("user impersonation safety tip", "ユーザーなりすましの安全のヒント"),
}
AUTH_AS: dict[str, Words] = {
    "anonymous": ("an anonymous sender from the internet (not authenticated)",
                  "インターネットからの匿名の送信者(認証なし)"),
    "internal": ("a sender inside the organisation (authenticated)", "組織内の送信者(認証済み)"),
    "partner": ("a partner organisation (authenticated connector)",
                "パートナー組織(認証済みコネクタ)"),
}
MAILBOX_DEST: dict[str, Words] = {
    "I": ("Inbox", "受信トレイ"),
    "J": ("Junk Email folder", "迷惑メール フォルダー"),
    "D": ("Deleted Items", "削除済みアイテム"),
}
_UNKNOWN: Words = ("a code not documented here", "ここに記載のないコード")


def compauth_words(reason: str, lang: str = "en") -> str:
    """Microsoft's composite authentication reason codes, by their first digit."""
    table: dict[str, Words] = {
        "000": ("explicit failure: the From domain's DMARC policy (quarantine or reject) failed",
                "明示的な失敗: From ドメインの DMARC ポリシー(quarantine または reject)に不合格"),
        "001": ("implicit failure: the From domain publishes no enforcing DMARC policy",
                "暗黙的な失敗: From ドメインに強制力のある DMARC ポリシーがありません"),
        "1": ("pass", "合格"),
        "7": ("pass (via the tenant's trusted ARC sealers or allow lists)",
              "合格(テナントの信頼済み ARC シーラーまたは許可リストによる)"),
        "2": ("soft pass", "ソフト合格"), "3": ("not checked", "未確認"),
        "4": ("bypassed (trusted sender or rule)", "バイパス(信頼済み送信者またはルール)"),
        "5": ("bypassed (allowed by a transport rule or the tenant)",
              "バイパス(トランスポート ルールまたはテナントの許可)"),
        "6": ("implicit failure: the sending domain does not authenticate the message",
              "暗黙的な失敗: 送信ドメインがメッセージを認証していません"),
        "9": ("overridden by the tenant's settings", "テナントの設定で上書き"),
    }
    words = table.get(reason) or table.get(reason[:1]) or _UNKNOWN
    return words[1] if lang == "ja" else words[0]


def scl_words(scl: str) -> Words:
    try:
        n = int(scl)
    except ValueError:
        return (f"SCL {scl}: unknown", f"SCL {scl}: 不明")
    if n == -1:
        return ("SCL -1: filtering skipped (trusted sender or rule)",
                "SCL -1: フィルターをスキップ(信頼済み送信者またはルール)")
    if n in (0, 1):
        return (f"SCL {n}: not spam", f"SCL {n}: スパムではない")
    if n in (5, 6):
        return (f"SCL {n}: spam (goes to Junk or quarantine by policy)",
                f"SCL {n}: スパム(ポリシーにより迷惑メールまたは検疫へ)")
    if n >= 7:
        return (f"SCL {n}: high-confidence spam", f"SCL {n}: 高確度スパム")
    return (f"SCL {n}: not a value Microsoft documents", f"SCL {n}: Microsoft が文書化していない値")


def bcl_words(bcl: str) -> Words:
    try:
        n = int(bcl)
    except ValueError:
        return (f"BCL {bcl}: unknown", f"BCL {bcl}: 不明")
    if n == 0:
        return ("BCL 0: not from a bulk sender", "BCL 0: バルク送信者からではない")
    if n <= 3:
        return (f"BCL {n}: a bulk sender with few complaints", f"BCL {n}: 苦情の少ないバルク送信者")
    if n <= 7:
        return (f"BCL {n}: a bulk sender with a mixed number of complaints",
                f"BCL {n}: 苦情が中程度のバルク送信者")
    return (f"BCL {n}: a bulk sender with many complaints", f"BCL {n}: 苦情の多いバルク送信者")


def _pairs(value: str) -> dict[str, str]:
    """'A:1;B:2;SFS:(x);...' -> {'A': '1', ...} (values may hold ':' themselves)."""
    out: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, val = part.strip().partition(":")
        if sep and key:
            out.setdefault(key.strip().upper(), val.strip())
    return out


@dataclass(slots=True)
class AntispamVerdicts:
    """A provider's anti-spam verdict headers, as codes and in plain words."""

    provider: str | None = None  # microsoft | google | yahoo
    fields: dict[str, str] = field(default_factory=dict)  # raw codes, e.g. {"SFV": "SPM"}
    words: list[str] = field(default_factory=list)  # each code in plain words
    words_ja: list[str] = field(default_factory=list)  # the same in Japanese
    facts: dict[str, Any] = field(default_factory=dict)  # for rules: {"scl": 5, ...}

    def say(self, words: Words) -> None:
        self.words.append(words[0])
        self.words_ja.append(words[1])

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "fields": dict(self.fields),
            "words": list(self.words),
            "words_ja": list(self.words_ja),
            "facts": dict(self.facts),
        }


def _decode_forefront(value: str, out: AntispamVerdicts) -> None:
    f = _pairs(value)
    out.fields.update({k: v for k, v in f.items() if k != "SFS"})
    if "CIP" in f:
        out.say((f"connecting IP seen by Microsoft: {f['CIP']}",
                 f"Microsoft が見た接続元 IP: {f['CIP']}"))
        out.facts["connecting_ip"] = f["CIP"]
    if "CTRY" in f:
        out.say((f"country of the connecting IP: {f['CTRY']}", f"接続元 IP の国: {f['CTRY']}"))
    if "H" in f:
        out.say((f"HELO/EHLO name of the connecting server: {f['H']}",
                 f"接続元サーバーの HELO/EHLO 名: {f['H']}"))
    if "PTR" in f:
        out.say((f"reverse DNS (PTR) of the connecting IP: {f['PTR'] or '(none)'}",
                 f"接続元 IP の逆引き(PTR): {f['PTR'] or '(なし)'}"))
    for key, table in (("SFV", SFV), ("CAT", CAT), ("IPV", IPV), ("DIR", DIR), ("SFTY", SFTY)):
        if key in f and f[key]:
            code = f[key].upper() if key != "SFTY" else f[key]
            en, ja = table.get(code, _UNKNOWN)
            out.say((f"{key}:{f[key]}: {en}", f"{key}:{f[key]}: {ja}"))
            out.facts[key.lower()] = code
    if "SCL" in f:
        out.say(scl_words(f["SCL"]))
        try:
            out.facts["scl"] = int(f["SCL"])
        except ValueError:
            pass
    if "LANG" in f:
        out.say((f"language of the message: {f['LANG']}", f"メッセージの言語: {f['LANG']}"))


def decode_antispam(headers: Iterable[tuple[str, str]]) -> AntispamVerdicts:
    """Decode the provider headers present (the topmost copy of each is the receiver's)."""
    out = AntispamVerdicts()
    seen: set[str] = set()
    for name, value in headers:
        lname = name.lower()
        if lname in seen:
            continue
        seen.add(lname)
        flat = " ".join(value.split())
        if lname == "x-forefront-antispam-report":
            out.provider = "microsoft"
            _decode_forefront(flat, out)
        elif lname == "x-microsoft-antispam":
            out.provider = "microsoft"
            bcl = _pairs(flat).get("BCL")
            if bcl is not None:
                out.fields["BCL"] = bcl
                out.say(bcl_words(bcl))
                if bcl.isdigit():
                    out.facts["bcl"] = int(bcl)
        elif lname == "x-microsoft-antispam-mailbox-delivery":
            out.provider = "microsoft"
            pairs = {k.lower(): v for k, v in _pairs(flat).items()}
            dest = pairs.get("dest")
            if dest:
                en, ja = MAILBOX_DEST.get(dest.upper(), (f"folder {dest}", f"フォルダー {dest}"))
                out.say((f"delivered to the {en}", f"{ja}に配信されました"))
                out.facts["mailbox_dest"] = dest.upper()
            if pairs.get("rf"):
                out.say((f"routed to folder {pairs['rf']} by the mailbox's rules",
                         f"メールボックスのルールでフォルダー {pairs['rf']} に振り分けられました"))
        elif lname in ("x-ms-exchange-organization-authas", "x-ms-exchange-crosstenant-authas"):
            out.provider = "microsoft"
            key = "crosstenant_authas" if "crosstenant" in lname else "authas"
            out.fields[name] = flat
            en, ja = AUTH_AS.get(flat.lower(), (flat, flat))
            out.say((f"{name}: {en}", f"{name}: {ja}"))
            out.facts[key] = flat.lower()
        elif lname in ("x-ms-exchange-organization-authsource",
                       "x-ms-exchange-crosstenant-authsource"):
            out.fields[name] = flat
            out.say((f"{name}: authenticated by server {flat}", f"{name}: 認証したサーバー {flat}"))
        elif lname == "x-ms-exchange-crosstenant-fromentityheader":
            out.fields[name] = flat
            out.say((f"the message entered Microsoft 365 from: {flat}",
                     f"Microsoft 365 への入口: {flat}"))
            out.facts["from_entity"] = flat.lower()
        elif lname == "x-ms-exchange-crosstenant-id":
            out.fields[name] = flat
            out.say((f"tenant that handled the message: {flat}", f"処理したテナント: {flat}"))
        elif lname in ("x-google-smtp-source", "x-gm-message-state"):
            out.provider = out.provider or "google"
            out.facts["google_sent"] = True
        elif lname in ("x-ymail-osg", "x-yahoo-newman-property", "x-sonic-mf"):
            out.provider = out.provider or "yahoo"
            out.facts["yahoo_sent"] = True
    if out.facts.get("google_sent"):
        out.say(("sent through Google's servers (X-Google-Smtp-Source / X-Gm-Message-State)",
                 "Google のサーバーを経由して送信(X-Google-Smtp-Source / X-Gm-Message-State)"))
    if out.facts.get("yahoo_sent"):
        out.say(("sent through Yahoo's servers", "Yahoo のサーバーを経由して送信"))
    return out

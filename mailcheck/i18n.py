"""Labels of the user interface in each language (rule texts live in the rule packs)."""

from __future__ import annotations

LANGS = ("en", "ja")

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "recipients": "Recipients",
        "recipient": "Recipient",
        "unknown_recipient": "(recipient not named in the input)",
        "action": "Action",
        "status": "Status",
        "reply_code": "Reply",
        "reason": "Reason",
        "hard": "hard bounce",
        "soft": "soft bounce",
        "remote_mta": "Remote MTA",
        "diagnostic": "Server said",
        "findings": "Findings",
        "finding": "Finding",
        "confidence": "confidence",
        "generic": "generic",
        "cause": "Cause",
        "evidence": "Evidence",
        "line": "line",
        "fix": "Fix",
        "tradeoff": "Security trade-off",
        "confirm": "Confirm the fix",
        "references": "References",
        "systems": "Systems seen",
        "kind": "Input",
        "nothing": "Nothing recognised: no bounce, SMTP reply, dialog or sign-in error was found "
                   "in this input.",
        "no_cause": "No cause identified.",
        "error": "Error",
        "notes": "Notes",
        "affects": "Affects",
        "who_acts": "Who must act",
        "actor.sender-admin": "the sender's administrator",
        "actor.recipient-admin": "the recipient's administrator",
        "actor.end-user": "the user who sent the message",
        "actor.sender": "the sender",
        "kind.bounce": "bounce / non-delivery report",
        "kind.headers": "message headers",
        "kind.text": "pasted text",
        "kind.unknown": "unrecognised input",
        "severity.error": "error",
        "severity.warning": "warning",
        "severity.info": "information",
    },
    "ja": {
        "recipients": "受信者",
        "recipient": "受信者",
        "unknown_recipient": "(入力に受信者の記載なし)",
        "action": "処理",
        "status": "ステータス",
        "reply_code": "応答コード",
        "reason": "理由",
        "hard": "ハードバウンス",
        "soft": "ソフトバウンス",
        "remote_mta": "相手先サーバー",
        "diagnostic": "サーバーの応答",
        "findings": "診断結果",
        "finding": "診断",
        "confidence": "確信度",
        "generic": "一般的な意味",
        "cause": "原因",
        "evidence": "根拠",
        "line": "行",
        "fix": "対処",
        "tradeoff": "セキュリティ上のトレードオフ",
        "confirm": "対処後の確認",
        "references": "参考資料",
        "systems": "関係するシステム",
        "kind": "入力",
        "nothing": "認識できるものがありません: この入力にはバウンス、SMTP 応答、ダイアログ、"
                   "サインイン エラーが見つかりませんでした。",
        "no_cause": "原因を特定できませんでした。",
        "error": "エラー",
        "notes": "補足",
        "affects": "対象",
        "who_acts": "対応する人",
        "actor.sender-admin": "送信側の管理者",
        "actor.recipient-admin": "受信側の管理者",
        "actor.end-user": "送信したユーザー本人",
        "actor.sender": "送信者",
        "kind.bounce": "バウンス / 配信不能レポート",
        "kind.headers": "メッセージ ヘッダー",
        "kind.text": "貼り付けられたテキスト",
        "kind.unknown": "認識できない入力",
        "severity.error": "エラー",
        "severity.warning": "警告",
        "severity.info": "情報",
    },
}


def label(key: str, lang: str = "en") -> str:
    table = LABELS.get(lang, LABELS["en"])
    return table.get(key) or LABELS["en"].get(key, key)


def labels(lang: str = "en") -> dict[str, str]:
    """All labels for ``lang``, falling back to English for any missing key."""
    merged = dict(LABELS["en"])
    merged.update(LABELS.get(lang, {}))
    return merged


#: Short glosses of the generic reasons (docs/reasons.md), shown beside the reason code.
REASONS: dict[str, tuple[str, str]] = {
    "userunknown": ("the mailbox does not exist", "宛先のメールボックスが存在しない"),
    "hostunknown": ("the domain does not exist or has no mail host",
                    "宛先ドメインが存在しないかメールサーバーがない"),
    "hasmoved": ("the mailbox has moved", "メールボックスが移動済み"),
    "notaccept": ("the destination accepts no mail", "宛先はメールを受け付けない"),
    "mailboxfull": ("the mailbox is full", "メールボックスが容量超過"),
    "suspend": ("the account is disabled or suspended", "アカウントが無効・停止中"),
    "exceedlimit": ("over a limit the recipient set", "受信者側の上限を超過"),
    "mesgtoobig": ("the message is too large", "メッセージが大きすぎる"),
    "filtered": ("refused by a filter", "フィルターによる拒否"),
    "policyviolation": ("refused by a policy", "ポリシーによる拒否"),
    "securityerror": ("a security check failed", "セキュリティ検査で拒否"),
    "authfailure": ("SPF, DKIM or DMARC failed", "SPF・DKIM・DMARC の認証失敗"),
    "blocked": ("the sending IP or host is blocked", "送信元 IP・ホストがブロックされている"),
    "badreputation": ("the sender's reputation is too poor", "送信元の評判が低い"),
    "requireptr": ("the sending IP lacks reverse DNS", "送信元 IP に逆引き DNS がない"),
    "spamdetected": ("judged to be spam", "迷惑メールと判定"),
    "virusdetected": ("malware was found", "マルウェアを検出"),
    "speeding": ("sending too fast", "送信速度の制限"),
    "toomanyconn": ("too many connections", "同時接続が多すぎる"),
    "norelaying": ("relaying denied", "中継が拒否された"),
    "rejected": ("the sender address was refused", "送信者アドレスが拒否された"),
    "contenterror": ("the message format was refused", "メッセージ形式が拒否された"),
    "notcompliantrfc": ("the message breaks the mail standards",
                        "メッセージが規格に準拠していない"),
    "syntaxerror": ("an SMTP command was not understood", "SMTP コマンドが理解されなかった"),
    "systemerror": ("an error on the receiving server", "受信側サーバーのエラー"),
    "systemfull": ("the receiving server is full", "受信側サーバーの容量不足"),
    "mailererror": ("a local delivery program failed", "配送プログラムの失敗"),
    "networkerror": ("a DNS or network failure", "DNS・ネットワークの障害"),
    "expired": ("the sender gave up retrying", "送信側が再試行を断念"),
    "onhold": ("a failure without enough detail", "詳細不足で原因を判断できない失敗"),
    "undefined": ("a failure with no usable detail", "詳細のない失敗"),
    "delivered": ("delivered", "配信済み"),
    "feedback": ("a complaint report", "苦情レポート"),
    "vacation": ("an auto-reply", "自動応答"),
}


def reason_label(reason: str, lang: str = "en") -> str:
    gloss = REASONS.get(reason)
    if not gloss:
        return reason
    return f"{reason} ({gloss[1] if lang == 'ja' else gloss[0]})"

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

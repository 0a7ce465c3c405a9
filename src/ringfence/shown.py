"""Text that came from the inputs (log fields, file names, resource names) as a report shows it.

Control characters and the invisible bidirectional marks are written as escapes: a log line cannot start a
new report line, move the cursor, retitle the terminal or reorder what the reader sees. Machine formats
(json, SARIF, OCSF) keep the text as it is; their encoders escape it.

A credential is never shown, whatever field it arrives in (a resource named after an access key, a tag, a
CloudTrail request parameter): every report replaces each credential-shaped value by a short one-way
fingerprint of it when it is written (:func:`redacted`, :func:`redacted_tree`)."""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the bidirectional marks, embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def as_escape(m: re.Match[str]) -> str:
    """The matched character written as `\\xNN` or `\\uNNNN` (for `re.sub`)."""
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object) -> str:
    """`text` with every character that could change how a terminal shows the report escaped, and every
    credential in it replaced by a fingerprint (:func:`redacted`)."""
    return _UNSAFE.sub(as_escape, redacted(str(text)))


# Credentials that identify themselves by their shape (what each provider documents as its key format).
CREDENTIAL_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])")),
    (
        "private key",
        re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----"),
    ),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("Stripe live key", re.compile(r"\b[sr]k_live_[0-9a-zA-Z]{20,}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])")),
)
# An AWS secret access key: 40 characters of base64 (without padding).
AWS_SECRET_SHAPE = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
# A whole PEM private key, header to footer, also when its line breaks are written as escapes (in JSON or
# XML); a key cut short ends where the base64 does.
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:.*?-----END (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----|(?:[A-Za-z0-9+/=:,\- \t\r\n]|\\[rn]|&#1[03];)*)",
    re.DOTALL,
)
_SECRET_WORD = re.compile(r"secret|AKIA|ASIA", re.IGNORECASE)
_NEAR = 120  # characters around a secret-key-shaped value in which a key id or the word "secret" counts


def fingerprint(secret: str) -> str:
    """A short, irreversible fingerprint: enough to match two findings, useless to an attacker."""
    import hashlib

    return "sha256:" + hashlib.sha256(secret.encode("utf-8")).hexdigest()[:10]


def _mask(secret: str) -> str:
    # Neutral in every output format: no quote, backslash, markup or angle bracket.
    return f"[redacted {fingerprint(secret)}]"


def _aws_secret_like(value: str, context: bool) -> bool:
    """Mixed-case base64 of 40 characters: a secret access key when something near it says so (a key
    id, the word secret) or when it holds the `/` or `+` that hex digests and names never do."""
    classes = (
        any(c.isupper() for c in value)
        and any(c.islower() for c in value)
        and any(c.isdigit() for c in value)
    )
    return classes and (context or "/" in value or "+" in value)


def redacted(text: str, *, secret_context: bool = False) -> str:
    """``text`` with every credential-shaped value replaced by a fingerprint of it. ``secret_context``
    says the text is the value of a field named as a secret (a 40-character key counts without a key
    id next to it)."""
    if len(text) < 16:
        return text
    text = _PRIVATE_KEY.sub(lambda m: _mask(re.sub(r"\s|\\[rn]|&#1[03];", "", m.group())), text)
    for _, pattern in CREDENTIAL_SHAPES[2:]:
        text = pattern.sub(lambda m: _mask(m.group()), text)

    def secret_key(m: re.Match[str]) -> str:
        near = text[max(0, m.start() - _NEAR) : m.end() + _NEAR]
        if _aws_secret_like(m.group(), secret_context or bool(_SECRET_WORD.search(near))):
            return _mask(m.group())
        return m.group()

    text = AWS_SECRET_SHAPE.sub(secret_key, text)
    return CREDENTIAL_SHAPES[0][1].sub(lambda m: _mask(m.group()), text)


def redacted_tree(value: object, *, secret_context: bool = False) -> object:
    """A JSON-like value (dicts, lists, strings) with every string, keys included, :func:`redacted`; a
    value under a key named as a secret is read as one. Each distinct string is looked at once (a report
    repeats its keys, titles and remediations in every finding)."""
    done: dict[tuple[str, bool], str] = {}
    secret_keys: dict[str, bool] = {}

    def text(s: str, context: bool) -> str:
        got = done.get((s, context))
        if got is None:
            got = done[(s, context)] = redacted(s, secret_context=context)
        return got

    def walk(value: object, context: bool) -> object:
        if isinstance(value, str):
            return text(value, context)
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                key = str(k)
                secret = secret_keys.get(key)
                if secret is None:
                    secret = secret_keys[key] = bool(_SECRET_WORD.search(key))
                out[text(key, False)] = walk(v, secret)
            return out
        if isinstance(value, list | tuple):
            return [walk(v, context) for v in value]
        return value

    return walk(value, secret_context)

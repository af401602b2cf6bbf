"""Remove secrets from everything the tool keeps: declared secrets, and any value a page passes under a credential's
name (a query or fragment parameter, a form or JSON field, a header, a cookie, a URL's user part).

Two moments, one `Redactor`:
- at capture, so the checks never hold a token;
- at write time, over every artefact (reports, journals, traces), with what the whole run learnt: a token first
  sent in a body field and only later recognised in `?access_token=` is masked where it appeared first too.
One `Redactor` serves a whole run (every scenario, every worker): what one scenario learns, all artefacts forget.
"""

from __future__ import annotations

import base64
import functools
import itertools
import re
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

from checker.values import map_strings

MASK = "[REDACTED]"
USERINFO_MASK = "REDACTED"  # brackets are not allowed in a URL's user part: URL parsers would take them for IPv6
LEARNT_MIN = 8  # a value learnt from a credential's name is masked everywhere only when it cannot be a common word
# The capture redacts every string of every request and call, and a flow repeats most of them (URLs, the client ID,
# field values, the user agent): short texts are remembered with their redacted form until a secret is learnt.
MEMO_TEXT_MAX, MEMO_ENTRIES = 512, 50_000

# A name is a credential's when one of its words is one of these (`access_token`, `X-Api-Key`, `sessionId`,
# `clickSig`), or it ends like one (`csrftoken`). Words, not substrings: `keyword`, `design` and `author` are not.
CREDENTIAL_WORDS = frozenset(
    {
        "token",
        "tokens",
        "secret",
        "password",
        "passwd",
        "pwd",
        "apikey",
        "auth",
        "authorization",
        "session",
        "sessionid",
        "sig",
        "signature",
        "cookie",
        "credential",
        "credentials",
        "jwt",
        "bearer",
    }
)
CREDENTIAL_ENDINGS = ("token", "secret", "password", "passwd", "apikey", "api_key", "sessionid")
# `key` alone is too common a word (coveo.analytics' own `contentIDKey`): a key is a credential's alone or after these
KEY_KINDS = frozenset(
    {
        "api",
        "access",
        "secret",
        "private",
        "client",
        "auth",
        "signing",
        "session",
        "license",
        "subscription",
        "encryption",
        "master",
        "app",
    }
)
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}"
_QUOTE = r"(?:\\*\"|%22|&#34;|&quot;)"  # a JSON string's quote as written, escaped, percent- or HTML-encoded

# name=value in a query, a fragment, a form body or a cookie string
PAIR = re.compile(rf"(?<![A-Za-z0-9_.\-%])(?P<name>{_NAME})=(?P<value>[^&#;\s\"'<>,\\]+)")
# "name": "value" in JSON, also inside an escaped, percent-encoded (a beacon's `clickEvent=`) or HTML-escaped JSON
JSON_PAIR = re.compile(
    rf"(?P<q>{_QUOTE})(?P<name>{_NAME})(?P=q)(?:\s|\+|%20)*(?::|%3A)(?:\s|\+|%20)*{_QUOTE}"
    r"(?P<value>(?:(?!%22|&#34;|&quot;)[^\"\\<>])+)"
)
# "name": "X-Api-Key", "value": "…" — how traces and HAR files write headers, cookies and query parameters
NAME_VALUE = re.compile(rf"(?P<pre>\"name\"\s*:\s*\"(?P<name>{_NAME})\"\s*,\s*\"value\"\s*:\s*\")(?P<value>[^\"\\]*)")
USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<info>[^/?#\s@\"'<>\[\]]+)@")
# an Authorization value in text. A bearer token has a digit, a capital or a sign in it, or is long; the other
# schemes' credentials have a digit, `=` or a capital inside (prose such as "Basic authentication" has not)
SCHEME_CREDENTIAL = re.compile(
    r"(?P<pre>\bBearer\s+)(?P<value>(?=[\w.~+/=-]*[0-9A-Z._~+/=-]|[\w.~+/=-]{6})[\w.~+/=-]{2,})"
    r"|(?P<pre2>\b(?:Basic|Digest|Token)\s+)(?P<value2>(?=[\w.~+/=-]*(?:[0-9=]|(?<=.)[A-Z]))[\w.~+/=-]{6,})"
)
TOKEN_IN_TEXT = re.compile(
    r"(?P<pre>(?:access_token|accessToken|api_?key|apiKey)[\"']?\s*[:=]\s*[\"']?)"
    r"(?P<value>[^\"'&\s,}\\]+)"
)


# what a match of JSON_PAIR, SCHEME_CREDENTIAL and TOKEN_IN_TEXT must contain (`Redactor.text` skips them without)
_JSON_QUOTES = ('"', "%22", "&#34;", "&quot;")
_SCHEMES = ("Bearer", "Basic", "Digest", "Token")
_TOKEN_NAMES = ("access_token", "accessToken", "apikey", "api_key", "apiKey")
# what a text holds somewhere, in any case, when any name in it is a credential's (`is_credential_name`: each of its
# words and endings contains one of these): a payload without any is spared the name=value and JSON pair patterns.
# Looked for with `in` in the lowered text: a case-blind regex alternation is ten times slower.
CREDENTIAL_HINTS = (
    "token",
    "secret",
    "passw",
    "pwd",
    "key",
    "auth",
    "session",
    "sig",
    "cookie",
    "credential",
    "jwt",
    "bearer",
)
# a character or word every match of USERINFO, PAIR, JSON_PAIR, NAME_VALUE, SCHEME_CREDENTIAL or TOKEN_IN_TEXT holds
_CANDIDATE = re.compile(r"[=\":%&@]|Bearer|Basic|Digest|Token")


def _has_any(text: str, parts: tuple[str, ...]) -> bool:
    for part in parts:
        if part in text:
            return True
    return False


@functools.lru_cache(maxsize=65_536)  # a pure function of the name, asked for every key of every payload
def is_credential_name(name: str) -> bool:
    lowered = name.lower()
    if lowered.startswith("access-control-"):  # CORS: `…-allow-credentials: true`, `…-allow-headers: authorization`
        return False
    if lowered in CREDENTIAL_WORDS or lowered.endswith(CREDENTIAL_ENDINGS):
        return True
    words = [word.lower() for word in _WORD.findall(name)]
    if any(word in CREDENTIAL_WORDS for word in words):
        return True
    return words == ["key"] or any(word == "key" and before in KEY_KINDS for before, word in itertools.pairwise(words))


class Redactor:
    """Masks the values the user declared secret and every value passed under a credential's name, and learns the
    latter (when long enough) so the same value is masked wherever else it shows up."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self.secrets: list[str] = []
        self.forms: list[str] = []  # each secret as written, and as a URL encodes or decodes it
        self._known: re.Pattern[str] | None = None  # the forms, longest first, as one pattern
        self._memo: dict[str, str] = {}  # short text → its redacted form, with the secrets known so far
        for secret in secrets or []:
            self.add_secret(secret)

    def add_secret(self, value: str, min_length: int = 4) -> None:
        if not value or len(value) < min_length or value in self.secrets or MASK in value:
            return
        forms = {value, quote(value, safe=""), quote(value), quote_plus(value), unquote(value), unquote_plus(value)}
        known = sorted({f for f in forms if len(f) >= min_length} | set(self.forms), key=len, reverse=True)
        # assigned whole, never changed in place: the workers' threads read them while another scenario learns
        self._known = re.compile("|".join(map(re.escape, known)))
        self.forms, self.secrets = known, [*self.secrets, value]
        self._memo = {}  # what was remembered did not mask this one

    def text(self, value: str | None) -> str | None:
        if not value:
            return value
        if len(value) > MEMO_TEXT_MAX:
            return self._redacted(value)
        memo = self._memo
        known = memo.get(value)
        if known is None:
            known = self._redacted(value)
            # kept only if nothing was learnt meanwhile (the threads of other workers, or this very text): else a
            # later call must mask the new secret wherever else in the text it is
            if memo is self._memo:
                if len(memo) >= MEMO_ENTRIES:
                    memo.clear()
                memo[value] = known
        return known

    def _redacted(self, value: str) -> str:
        if self._known is not None:
            value = self._known.sub(MASK, value)
        if _CANDIDATE.search(value) is None:  # nothing any pattern below needs: most strings (words, IDs, numbers)
            return value
        # each pattern runs only when the text holds what any of its matches must contain (the capture redacts
        # every string of every request and call: most are plain words and skip them all)
        if "@" in value and "://" in value:
            value = USERINFO.sub(self._userinfo, value)
        named = _has_any(value.lower(), CREDENTIAL_HINTS)
        if named and "=" in value:
            value = PAIR.sub(self._named, value)
        if named and _has_any(value, _JSON_QUOTES) and (":" in value or "%3A" in value):
            value = JSON_PAIR.sub(self._named, value)
        if named and '"name"' in value:
            value = NAME_VALUE.sub(self._named, value)
        if _has_any(value, _SCHEMES):
            value = SCHEME_CREDENTIAL.sub(self._always, value)
        if _has_any(value, _TOKEN_NAMES) and (":" in value or "=" in value):
            value = TOKEN_IN_TEXT.sub(self._always, value)
        return value

    def url(self, url: str) -> str:
        return self.text(url) or ""

    def value(self, value: Any) -> Any:
        """A JSON-like value with every string masked of secrets, and whatever sits under a credential's name
        (`{"accessToken": …}`, `{"name": "Cookie", "value": …}`, a `cookies` list) masked whole."""
        if isinstance(value, dict):
            return self._dict(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return self.text(value) if isinstance(value, str) else value

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        return {k: (self._learn(v) if is_credential_name(k) else self.text(v) or "") for k, v in headers.items()}

    # --- how each shape is masked ------------------------------------------------------------------------------
    def _dict(self, value: dict, cookie: bool = False) -> dict:
        name = value.get("name")
        if isinstance(name, str) and "value" in value and (is_credential_name(name) or cookie):  # a header, a cookie
            return {
                **{k: self.value(v) for k, v in value.items() if k != "value"},
                "value": self._masked(value["value"]),
            }
        out = {}
        for key, item in value.items():
            secret = (
                isinstance(key, str) and is_credential_name(key) and not (key == "cookies" and isinstance(item, list))
            )
            if key == "cookies" and isinstance(item, list):  # a trace's or HAR's cookies: names kept, values masked
                item = [self._dict(c, cookie=True) if isinstance(c, dict) else self._masked(c) for c in item]
                out[key] = item
                continue
            out[self.text(key) if isinstance(key, str) else key] = self._masked(item) if secret else self.value(item)
        return out

    def _masked(self, value: Any) -> Any:
        return map_strings(value, self._learn)

    def _learn(self, value: str) -> str:
        for credential in _credentials_of(value):
            self.add_secret(credential, LEARNT_MIN)
        return MASK

    def _named(self, match: re.Match[str]) -> str:
        if not is_credential_name(match.group("name")) or match.group("value") == MASK:
            return match.group(0)
        start = match.start("value") - match.start(0)
        return match.group(0)[:start] + self._learn(match.group("value"))

    def _always(self, match: re.Match[str]) -> str:
        pre, value = (
            (match.group("pre"), match.group("value"))
            if match.group("pre")
            else (match.group("pre2"), match.group("value2"))
        )
        return pre + self._learn(value)

    def _userinfo(self, match: re.Match[str]) -> str:
        if match.group("info") != USERINFO_MASK:
            self.add_secret(match.group("info").partition(":")[2], LEARNT_MIN)
        return match.group("scheme") + USERINFO_MASK + "@"


def _basic_password(encoded: str) -> list[str]:
    """`user:password` inside a Basic credential: the password can show up in clear elsewhere (a login form)."""
    try:
        return [base64.b64decode(encoded, validate=True).decode("utf-8").partition(":")[2]]
    except ValueError:
        return []


def _credentials_of(value: str) -> list[str]:
    """The secret parts of a header's or cookie's value: `Bearer abc` → abc; `a=b; c=d` → b, d."""
    value = value.strip()
    scheme, _, rest = value.partition(" ")
    if rest and scheme.lower() in ("bearer", "basic", "digest", "token"):
        return [rest.strip(), *_basic_password(rest.strip())] if scheme.lower() == "basic" else [rest.strip()]
    cookies = [part.partition("=")[2].strip() for part in value.split(";") if "=" in part]
    return cookies or [value]

"""Remove secrets before anything is stored: access tokens in URLs, auth headers, cookies, named secrets.

Redaction happens at capture time, so no later stage (JSON, HTML, JUnit, logs) ever holds a secret.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

from checker.values import map_strings

MASK = "[REDACTED]"
LEARNT_MIN = 8  # a value learnt from a token parameter is masked everywhere only when it cannot be a common word
SECRET_PARAM = re.compile(r"(token|secret|password|passwd|api[-_]?key|apikey|auth|session|signature|sig)$", re.I)
SECRET_HEADERS = {"authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key", "x-auth-token"}
BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.I)
SECRET_QUERY_VALUE = re.compile(r"([?&][^=&#]*(?:token|secret|password|passwd|api[-_]?key|apikey|auth|session|signature|sig)=)"
                                r"([^&#]*)", re.I)
TOKEN_IN_TEXT = re.compile(r"((?:access_token|accessToken|api_?key|apiKey)[\"']?\s*[:=]\s*[\"']?)([^\"'&\s,}]+)")


class Redactor:
    """Masks known secret shapes plus the exact values the user declared secret (e.g. env variables)."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self.secrets: list[str] = []
        self.forms: list[str] = []  # each secret as written, and as it looks once a URL percent-encodes it
        for secret in secrets or []:
            self.add_secret(secret)

    def add_secret(self, value: str, min_length: int = 4) -> None:
        if value and len(value) >= min_length and value not in self.secrets:
            self.secrets.append(value)
            forms = {value, quote(value, safe=""), quote(value), quote_plus(value)}
            self.forms = sorted(set(self.forms) | forms, key=len, reverse=True)

    def text(self, value: str | None) -> str | None:
        if value is None:
            return None
        for form in self.forms:
            value = value.replace(form, MASK)
        value = BEARER.sub(lambda m: m.group(1) + MASK, value)
        return TOKEN_IN_TEXT.sub(lambda m: m.group(1) + MASK, value)

    def url(self, url: str) -> str:
        url = self.text(url) or ""  # declared secrets first, in whatever encoding the URL holds them
        try:
            return self._url_parts(url)
        except ValueError:  # a URL the page built by hand (bad port, half an IPv6 address): mask by pattern only
            return SECRET_QUERY_VALUE.sub(lambda m: m.group(1) + MASK, url)

    def _url_parts(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.query:
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            for key, value in pairs:
                if SECRET_PARAM.search(key):
                    self.add_secret(value, LEARNT_MIN)  # learnt: the same token elsewhere (a trace, a log) is masked too
            pairs = [(k, MASK if SECRET_PARAM.search(k) else v) for k, v in pairs]
            parts = parts._replace(query=urlencode(pairs, safe="[]"))
        if "@" in parts.netloc:  # user:password@host — keep host and port as written (IPv6 brackets included)
            parts = parts._replace(netloc=f"{MASK}@{parts.netloc.rsplit('@', 1)[1]}")
        return self.text(urlunsplit(parts)) or ""

    def value(self, value: Any) -> Any:
        """Every string inside a JSON-like value, keys included, with the known secrets masked."""
        return map_strings(value, self.text, keys=True)

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        for key, value in headers.items():
            if key.lower() in ("authorization", "proxy-authorization", "x-api-key", "x-auth-token"):
                self.add_secret(value.split(" ", 1)[-1], LEARNT_MIN)  # learnt, like tokens in URLs
        return {k: (MASK if k.lower() in SECRET_HEADERS else self.text(v) or "") for k, v in headers.items()}

import itertools

from checker.decode.redact import MASK, Redactor
from checker.redact import CREDENTIAL_ENDINGS, CREDENTIAL_HINTS, CREDENTIAL_WORDS, KEY_KINDS, is_credential_name


def test_url_tokens_and_credentials_masked():
    r = Redactor()
    url = r.url("https://u:p@h.example/rest?access_token=xx-123&visitorId=v&apiKey=k&q=1")
    assert "xx-123" not in url and "u:p" not in url and "k&" not in url
    assert "visitorId=v" in url and "q=1" in url


def test_headers_and_text():
    r = Redactor(["s3cret-value"])
    headers = r.headers({"Authorization": "Bearer abc", "Content-Type": "application/json", "X-Note": "s3cret-value"})
    assert headers == {"Authorization": MASK, "Content-Type": "application/json", "X-Note": MASK}
    assert (
        r.text('{"accessToken":"tok-1","a":"Bearer zz.yy"}')
        == '{"accessToken":"' + MASK + '","a":"Bearer ' + MASK + '"}'
    )


def test_credential_names_are_words_not_substrings():
    from checker.decode.redact import is_credential_name

    for name in (
        "access_token",
        "accessToken",
        "X-Api-Key",
        "X-Coveo-Token",
        "sessionId",
        "apikey",
        "csrftoken",
        "password",
        "Cookie",
        "Set-Cookie",
        "sig",
        "client_secret",
        "key",
        "accessKey",
        "private_key",
    ):
        assert is_credential_name(name), name
    for name in (
        "keyword",
        "design",
        "author",
        "visitorId",
        "clientId",
        "fieldName",
        "signal",
        "contentIDKey",
        "contentIdKey",
        "primaryKey",
        "uniqueFieldName",
        "access-control-allow-credentials",
        "searchHub",
    ):
        assert not is_credential_name(name), name


def test_every_place_a_page_puts_a_credential():
    r = Redactor()
    assert r.url("https://u:pw12345678@h.example/p#token=frag-123456") == f"https://REDACTED@h.example/p#token={MASK}"
    assert (
        r.text("clickEvent=%7B%22accessToken%22%3A%22tok-12345678%22%7D")
        == f"clickEvent=%7B%22accessToken%22%3A%22{MASK}%22%7D"
    )
    assert r.text('{\\"password\\":\\"pw-12345678\\"}') == '{\\"password\\":\\"' + MASK + '\\"}'
    assert (
        r.text('[{"name":"X-Coveo-Token","value":"ct-12345678"}]')
        == '[{"name":"X-Coveo-Token","value":"' + MASK + '"}]'
    )
    assert r.headers({"Cookie": "session=ck-12345678; theme=dark", "Accept": "*/*"}) == {
        "Cookie": MASK,
        "Accept": "*/*",
    }
    assert r.value({"cookies": [{"name": "theme", "value": "dark"}]}) == {"cookies": [{"name": "theme", "value": MASK}]}
    # each of them learnt: the same value anywhere else is masked too
    assert r.text("pw12345678 frag-123456 tok-12345678 pw-12345678 ct-12345678 ck-12345678") == " ".join([MASK] * 6)


def test_prose_is_not_taken_for_a_credential():
    r = Redactor()
    text = 'Basic authentication; a Bearer token; key="x"; keyword=abc; the token: see the docs'
    assert r.text(text) == text and r.secrets == []


def test_a_token_learnt_late_is_masked_where_it_came_first(tmp_path):
    """Capture cannot know a value is a token until the page sends it under a credential's name; the write-time
    pass masks its earlier appearances, in the results and in the journals."""
    from checker.models import RunResult, ScenarioResult
    from checker.report.scrub import scrub_run

    (tmp_path / "raw").mkdir()
    journal = tmp_path / "raw" / "s.jsonl"
    journal.write_text('{"kind":"request","data":{"body":"{\\"note\\":\\"late-1234567\\"}"}}\n')
    run = RunResult(
        tool_version="t",
        started_at="now",
        analytics_mode="block",
        scenarios=[ScenarioResult(name="s", file="f", error="sent late-1234567 in a note")],
    )
    redactor = Redactor()
    redactor.url("https://h/pixel?access_token=late-1234567")  # seen later in the run
    masked = scrub_run(run, redactor, tmp_path)
    assert masked.scenarios[0].error == f"sent {MASK} in a note"
    assert "late-1234567" not in journal.read_text() and MASK in journal.read_text()


def test_a_url_split_never_raises():
    from checker.values import split_url

    assert split_url("https://[REDACTED]@h.example/p?q=1").path == "/p"
    assert split_url("http://[::1/x").scheme == "http"


def test_a_credential_name_always_holds_a_hint():
    """The name=value and JSON pair patterns are skipped for a text without any of CREDENTIAL_HINTS: that is only
    safe if every name `is_credential_name` accepts holds one, whatever its case and separators."""
    words = [*CREDENTIAL_WORDS, *KEY_KINDS, *CREDENTIAL_ENDINGS, "key", "id", "user", "x1"]
    names = set()
    for first, second in itertools.product(words, repeat=2):
        for sep in ("", "_", "-", "."):
            for case in (str.lower, str.upper, str.capitalize):
                names.update({case(first), case(first) + sep + case(second), first + sep + case(second)})
    credentials = [name for name in names if is_credential_name(name)]
    assert len(credentials) > 1000
    assert [name for name in credentials if not any(hint in name.lower() for hint in CREDENTIAL_HINTS)] == []


def test_the_same_text_is_masked_again_once_a_secret_is_learnt():
    redactor = Redactor()
    text = "ref=abcdefgh12345678 and more"
    assert redactor.text(text) == text  # remembered as it is
    redactor.text("access_token=abcdefgh12345678")  # learnt under a credential's name
    assert redactor.text(text) == f"ref={MASK} and more"

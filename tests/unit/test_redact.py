from checker.decode.redact import MASK, Redactor


def test_url_tokens_and_credentials_masked():
    r = Redactor()
    url = r.url("https://u:p@h.example/rest?access_token=xx-123&visitorId=v&apiKey=k&q=1")
    assert "xx-123" not in url and "u:p" not in url and "k&" not in url
    assert "visitorId=v" in url and "q=1" in url


def test_headers_and_text():
    r = Redactor(["s3cret-value"])
    headers = r.headers({"Authorization": "Bearer abc", "Content-Type": "application/json", "X-Note": "s3cret-value"})
    assert headers == {"Authorization": MASK, "Content-Type": "application/json", "X-Note": MASK}
    assert r.text('{"accessToken":"tok-1","a":"Bearer zz.yy"}') == '{"accessToken":"' + MASK + '","a":"Bearer ' + MASK + '"}'

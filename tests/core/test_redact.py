import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrkestra.core.redact import MASK, Redactor, redact_value


@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("GET /webhook/sonarr/hd?token=abc123def HTTP/1.1", "abc123def"),
        (
            "http://plex:32400/library/sections/1/refresh?path=%2Ftv&X-Plex-Token=plexTOKEN9",
            "plexTOKEN9",
        ),
        ("https://sonarr/api/v3/series?apikey=0123456789abcdef", "0123456789abcdef"),
        ("tgram://123456789:AAHbottoken/-1001234", "AAHbottoken"),
        ("discord://webhookid/webhooktoken", "webhooktoken"),
        ("http://admin:hunter2@overseerr:5055/api", "hunter2"),
        ("headers: {'X-Api-Key': 'k3yk3yk3y'}", "k3yk3yk3y"),
        ("Authorization: Basic YWRtaW46cGFzcw==", "YWRtaW46cGFzcw=="),
    ],
)
def test_secret_shaped_parts_are_masked_without_knowing_them(text: str, hidden: str) -> None:
    out = Redactor.of([])(text)
    assert hidden not in out and MASK in out


def test_plain_urls_and_paths_survive() -> None:
    text = "copied /tv/Show (2020)/S01E01.mkv to http://plex:32400/library/sections/2/refresh?path=%2Ftv"
    assert Redactor.of([])(text) == text


def test_known_values_are_masked_longest_first_and_short_ones_ignored() -> None:
    r = Redactor.of(["abc", "secret-long-value", "secret-long"])
    assert r("x secret-long-value y abc") == f"x {MASK} y abc"


def test_redact_value_walks_json() -> None:
    r = Redactor.of(["s3cr3tvalue"])
    assert redact_value({"a": ["s3cr3tvalue", 1, {"b": "url?token=zz"}]}, r) == {
        "a": [MASK, 1, {"b": f"url?token={MASK}"}]
    }


@given(
    prefix=st.text(max_size=40),
    suffix=st.text(max_size=40),
    secret=st.text(min_size=8, max_size=40),
)
def test_a_known_secret_never_survives(prefix: str, suffix: str, secret: str) -> None:
    assert secret not in Redactor.of([secret])(prefix + secret + suffix) or secret in MASK


def test_a_hint_that_names_the_token_parameter_is_not_masked() -> None:
    hint = "set webhook.secret (sent in a header or as ?token=) or webhook.username/password"
    assert Redactor.of([])(hint) == hint
    assert Redactor.of([])("http://x/y?token=abc)") == "http://x/y?token=***"

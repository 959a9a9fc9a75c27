"""Redaction, one form at a time: secrets in the forms they are written in (labelled or not,
in commands, URLs and sentences, or only random), and what is no secret and must stay
(hashes, uuids, paths, ids, words about a password)."""

from __future__ import annotations

import json
import random
import string
import subprocess
import sys
from pathlib import Path

import pytest

from memory_graph.store.content import excerpt
from memory_graph.store.redact import redact

ROOT = Path(__file__).resolve().parents[1]


def _shown(secret: str, text: str) -> str | None:
    """The first piece of `secret` (8 characters, or all of a shorter one) that `text` shows."""
    size = min(8, len(secret))
    pieces = (secret[i : i + size] for i in range(len(secret) - size + 1))
    return next((piece for piece in pieces if piece in text), None)


def _assert_masked(text: str, secret: str) -> None:
    shown = redact(text)
    assert _shown(secret, shown) is None, shown
    assert redact(shown) == shown  # masked once: "[redacted …]" is not a value to mask again


AWS_SECRETS = [
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
    "GPzEyoL8EsaJd/wyXxQPplH8ACyjkz4jmBQlm7kn",
    "9drTJvcXLB89EXaMpLeKeY/bPxRfiCYzMoRe1Ke2",
]


@pytest.mark.parametrize("secret", AWS_SECRETS)
@pytest.mark.parametrize(
    "context",
    [
        "use {} for the backup bucket",
        "AKIAQ7LKX4ZR2TYWB5NM,{},eu-west-1",
        '["ines-backup", "{}"]',
        "| default | {} | env |",
        "aws s3 ls s3://ines-photos --profile {}",
    ],
)
def test_an_aws_secret_key_without_its_label_is_masked(context: str, secret: str) -> None:
    _assert_masked(context.format(secret), secret)


def _draws(alphabet: str, length: int, count: int, seed: int) -> list[str]:
    """`count` strings drawn at random from `alphabet`, each holding lower and upper case and
    a digit (a draw without them is no longer what the detector looks for)."""
    rng = random.Random(seed)
    drawn: list[str] = []
    while len(drawn) < count:
        token = "".join(rng.choice(alphabet) for _ in range(length))
        if token not in (token.lower(), token.upper()) and any(c.isdigit() for c in token):
            drawn.append(token)
    return drawn


def test_every_aws_shaped_secret_of_a_thousand_is_masked() -> None:
    base64 = string.ascii_letters + string.digits + "+/"
    missed = [s for s in _draws(base64, 40, 1000, seed=40) if _shown(s, redact(f"key {s}"))]
    assert missed == []


@pytest.mark.parametrize(
    "alphabet",
    [
        string.ascii_letters + string.digits,
        string.ascii_letters + string.digits + "-_",
        "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
    ],
    ids=["base62", "base64url", "base58"],
)
@pytest.mark.parametrize(("length", "share"), [(24, 0.99), (32, 0.995), (64, 1.0)])
def test_random_tokens_of_any_alphabet_are_masked(alphabet: str, length: int, share: float) -> None:
    """Keys of forms nobody listed: random enough is enough. A short draw can look like words
    by chance, so a share of them is asked, all of the long ones."""
    drawn = _draws(alphabet, length, 1000, seed=length)
    masked = [s for s in drawn if _shown(s, redact(f"here: {s} (keep it)")) is None]
    assert len(masked) >= share * len(drawn)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (
            'curl -d \'{"content": "done"}\' https://discord.com/api/webhooks/1187263549/'
            "Qk3vN8LmT2pR7xWcY4hJz9BfD6sG1aE5uVo0XiWnMq2Lp8Rt4Kd7Hy3Jc6",
            "Qk3vN8LmT2pR7xWcY4hJz9BfD6sG1aE5uVo0XiWnMq2Lp8Rt4Kd7Hy3Jc6",
        ),
        (
            "//registry.npmjs.org/:_authToken=npm_x7Kp2LmQ9vRt4WnZ8yBc3HdF6jGs1AeU5oXi",
            "npm_x7Kp2LmQ9vRt4WnZ8yBc3HdF6jGs1AeU5oXi",
        ),
        ("HF: hf_QvRt4WnZ8yBc3HdF6jGs1AeU5oXiLm7Kp2", "hf_QvRt4WnZ8yBc3HdF6jGs1AeU5oXiLm7Kp2"),
        (
            "git remote add gl https://glpat-Zq8vB2xR7mKp4LwT9nYc@gitlab.com/x",
            "Zq8vB2xR7mKp4LwT9nYc",
        ),
        (
            "bot 5812764390:AAEhBOweik6ad6PsVMRxjeQKGYJY2W5wPGk",
            "AAEhBOweik6ad6PsVMRxjeQKGYJY2W5wPGk",
        ),
        (
            "https://files.example/report.pdf?Expires=1735689600&Sig=T3BlbkFJx9QmW2vR8kLp5NcY7d",
            "T3BlbkFJx9QmW2vR8kLp5NcY7d",
        ),
        ('const SIGNING = "cE9mX2vLq7Rz4TbN8wKd3HsJ6pYf1GaU";', "cE9mX2vLq7Rz4TbN8wKd3HsJ6pYf1GaU"),
    ],
)
def test_keys_of_forms_nobody_listed_are_masked(text: str, secret: str) -> None:
    _assert_masked(text, secret)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("git clone https://:ghs9Rk2vLm4Tq@git.example.com/ines/site.git", "ghs9Rk2vLm4Tq"),
        ("redis-cli -u redis://:c4che-pass@cache.internal:6379/0 ping", "c4che-pass"),
        ("DATABASE_URL=postgres://:pg-pw-2024@db.internal:5432/app", "pg-pw-2024"),
        ("amqp://:guest-2@queue.internal//", "guest-2"),
    ],
)
def test_a_password_in_a_url_with_an_empty_user_name_is_masked(text: str, secret: str) -> None:
    _assert_masked(text, secret)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("mysql -u root -pW1nter-is-c0ming app_db < schema.sql", "W1nter-is-c0ming"),
        ("mysql -pW1nter-is-c0ming -h db.internal", "W1nter-is-c0ming"),
        ("mysqldump -u app -p'two words here' app_db > dump.sql", "two words here"),
        ('mysqladmin -uroot -p"s p a c e d" status', "s p a c e d"),
        ("mariadb -u app -pMaria99 -e 'select 1'", "Maria99"),
        ("mysql --user=app --password=hunter22 app_db", "hunter22"),
        ("mysql --password hunter22 app_db", "hunter22"),
        ("PGPASSWORD=pw1 psql -h db.internal", "pw1"),
        ("PGPASSWORD='with a space' pg_dump app", "with a space"),
        ('export PGPASSWORD="quoted-pw"', "quoted-pw"),
        ("sshpass -p 'tr1cky pass' ssh deploy@build", "tr1cky pass"),
        ("sshpass -pN0space ssh deploy@build", "N0space"),
        ("curl -u ines:s3cr3t-pw https://intranet.example/api", "s3cr3t-pw"),
        ("curl --user=ines:s3cr3t-pw https://intranet.example/api", "s3cr3t-pw"),
        ("gpg --batch --passphrase Gpg-Pass-1 -d backup.gpg", "Gpg-Pass-1"),
    ],
)
def test_a_password_given_to_a_command_is_masked(text: str, secret: str) -> None:
    _assert_masked(text, secret)


@pytest.mark.parametrize(
    "text",
    [
        "mkdir -pv /tmp/build && cp -pr src dst",
        "ssh -p 2222 deploy@build.internal",
        "mysql -u root -p app_db",  # -p alone: mysql asks for it
        "mysql -P3306 -h db.internal",
        "docker run -p 8080:80 nginx",
        "curl -u ines https://intranet.example/api",  # curl asks for it
        "cd app; git add -p",
    ],
)
def test_options_that_are_no_password_stay(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("btw my wifi password is purple monkey dishwasher", "purple monkey dishwasher"),
        ("The wifi password is now Sunfl0wer!.", "Sunfl0wer!"),
        ("The password for the office wifi is tangerine-42, ask Ana.", "tangerine-42"),
        ("my password was hunter2 until today", "hunter2"),
        ("my PIN's 4821", "4821"),
        ("the PIN is 90417, don't tell", "90417"),
        ("card pin: 5531", "5531"),
        ("passcode: 771203", "771203"),
        ("the passcode is 2468 and the alarm is on", "2468"),
        ("The code to the door is 4471#.", "4471#"),
        ("our garage code: 8080", "8080"),
        ("door code 1357 works again", "1357"),
        ("my backup passphrase is 'correct horse battery staple'", "correct horse battery staple"),
        ("My password’s Tr0ub4dor&3", "Tr0ub4dor&3"),
    ],
)
def test_a_credential_said_in_a_sentence_is_masked(text: str, secret: str) -> None:
    _assert_masked(text, secret)


@pytest.mark.parametrize(
    "text",
    [
        "the password is wrong",
        "The password is wrong.",
        "the secret is to use small commits",
        "the token is consumed after first use",
        "The token is one-time and short-lived.",
        "The password is stored in 1Password.",
        "the password is too short for the policy",
        "the token is expired since yesterday",
        "use a password manager",
        "the password's strength is low",
        "exit code: 1",
        "the status code is 404",
        "The code for this function is in utils.py",
        "pin the version to 3.2.1",
        "spin: 3",
        "max_tokens: 4096, input_tokens: 1200",
        "see --token-file /run/secrets/token",
    ],
)
def test_words_about_a_credential_stay(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("the api key is weather", "weather"),
        ("API key: forecast-2024", "forecast-2024"),
        ("token: abc", "abc"),
        ("secret=pizza", "pizza"),
        ("passwd hunter2", "hunter2"),
        ("access key BKTREADER", "BKTREADER"),
        ("client_secret=short", "short"),
        ("x-api-key: k1", "k1"),
        ('{"api_key": "tiny"}', "tiny"),
        ('{\\"password\\": \\"esc4ped\\"}', "esc4ped"),
        ("credentials: ines/hunter2", "ines/hunter2"),
        ("the private key is ZmFrZS1rZXk=", "ZmFrZS1rZXk="),
        ("https://api.example/v1?access_token=a1b2&user=ines", "a1b2"),
    ],
)
def test_any_value_a_credential_word_labels_is_masked(text: str, secret: str) -> None:
    _assert_masked(text, secret)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("charge it with sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc"),
        ("restricted rk_live_51H8abcDEFghiJKL0123mnop", "51H8abcDEFghiJKL0123mnop"),
        ("tests use sk_test_26PHem9AhJZvU623DfE1x4sd", "26PHem9AhJZvU623DfE1x4sd"),
        ("webhook signing secret whsec_abcdefghijklmnopqrst", "abcdefghijklmnopqrst"),
        (
            "curl -X POST https://hooks.slack.com/services/T024BE7LD/B01ABCDEF12/"
            'Xq3vN8LmT2pR7xWcY4hJkZ9a -d \'{"text":"hi"}\'',
            "T024BE7LD/B01ABCDEF12/Xq3vN8LmT2pR7xWcY4hJkZ9a",
        ),
        (
            "posted to hooks.slack.com/workflows/T024BE7LD/A05/4120/aBcDeFgHiJ",
            "T024BE7LD/A05/4120/aBcDeFgHiJ",
        ),
    ],
)
def test_stripe_keys_and_slack_webhooks_are_masked(text: str, secret: str) -> None:
    _assert_masked(text, secret)


def test_secrets_are_redacted() -> None:
    text = (
        "key sk-ant-api03-AbCdEf0123456789xyz, AKIAIOSFODNN7EXAMPLE, "
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789, https://ines:hunter2@git.example/x.git, "
        "Authorization: Bearer abcdefghijklmnop1234, password=supersecret1"
    )
    shown = redact(text)
    for secret in (
        "sk-ant-api03",
        "AKIAIOSFODNN7",
        "ghp_abc",
        "hunter2",
        "abcdefghijklmnop1234",
        "supersecret1",
    ):
        assert secret not in shown
    assert "https://ines:[redacted password]@git.example" in shown


@pytest.mark.parametrize(
    "text",
    [
        "commit 3f9c2a1b7e4d8f0a6c5b2e1d9f8a7b6c5d4e3f2a",
        "HEAD is now at 0629d16 Fix the importer",
        "sha256:66890f2db5fd4fa0a3a5b2090e791f9d8f052b8d12638ad6b36ee19d89ff960f",
        "session 258c7280-ae70-4798-800f-63464d01a85d resumed",
        "ETag: 9CCEDCC15C6239C2F0A1B2C3D4E5F6A7",
        "cf-ray: 9ccedcc15c6239c2-FRA",
        "/home/Ines/Projects2024/App3/src/main.py",
        "/tmp/claude-1000/-home-USER-projects-site-worktrees-site-gqc/tasks/b0be39e.output",
        "C:/Users/Ines/AppData/Local/Temp/Build2024Q3/Output",
        "toolu_01CwrRdsa87z3ibFJhmTMWQ2 msg_01Aci2WjhVxhEoZK5GJvwVrD req_011CY2vxpMc7gJFsKkZSQzWy",
        "call_qRst1EGl8O6OFVbqE6B1jlqh returned",
        "handleOAuth2CallbackRequest getHTTP2ServerPushPromise useEffectHook2WithDeps",
        "x86_64-unknown-linux-gnu libxml2-2.9.14-Darwin-x86_64",
        "Elixir.SpotterWeb.TranscriptLive2Component",
    ],
)
def test_hashes_uuids_paths_ids_and_identifiers_stay(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("notes: my wifi password is purple monkey dishwasher. Bye", "purple monkey dishwasher"),
        ("then mysql -u app -pS3cretive app_db, twice", "S3cretive"),
        ("ran gpg --passphrase hunterish -d x.gpg", "hunterish"),
        ("the gate code is 880123 since May", "880123"),
        ("posted to https://hooks.slack.com/services/T0/B0/abcdefghij", "T0/B0/abcdefghij"),
    ],
)
def test_no_window_shows_a_secret_without_what_made_it_one(text: str, secret: str) -> None:
    """An excerpt takes whole what `secret_spans` gives: the value with its label, command,
    option or door, for the value alone is no secret to the rules."""
    for start in range(len(text)):
        for end in range(start + 1, len(text) + 1):
            shown = excerpt(text, start, end)
            assert _shown(secret, shown) is None, (start, end, shown)


# A megabyte of what makes a pattern backtrack (labels with nothing to label, openings without
# their end, one long token), each rule's worst case.
ADVERSARIAL = [
    ("a", 1_000_000),
    ("password ", 111_111),
    ("password is ", 83_333),
    ('password="', 100_000),
    ("token 1 ", 125_000),
    ("the code to the door is ", 41_666),
    ("https://:", 111_111),
    ("mysql -p", 125_000),
    ("curl -u a", 111_111),
    ("-----BEGIN PRIVATE KEY-----", 37_037),
    ("eyJ", 333_333),
    ("bearer ", 142_857),
    ("ab_", 333_333),
    ("Ab1/", 250_000),
]


def test_a_megabyte_of_adversarial_text_takes_linear_time() -> None:
    """Each string in a child process: one that backtracked catastrophically would never
    finish, and the wait for it is bounded (a bound, not a timing assertion)."""
    rng = random.Random(1)
    consonants = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(500_000))
    mixed = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(500_000))
    texts = [unit * count for unit, count in ADVERSARIAL] + [consonants + mixed]
    script = (
        "import json, sys\n"
        "from memory_graph.store.redact import redact, secret_spans\n"
        "for text in json.load(sys.stdin):\n"
        "    redact(text)\n"
        "    secret_spans(text)\n"
        "print('done')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=True,
    )
    assert done.stdout.strip() == "done"

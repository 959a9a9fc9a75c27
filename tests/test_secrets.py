"""Secrets in what a person typed and their tools printed, in the forms they really take, never
reach a proposal, a memory, an excerpt, a recall, an export or a model."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from app.agent.loop import Agent
from app.config import Config
from app.dream_model import DreamModel
from dreamer.dream import dream
from dreamer.extractors.llm import TOOL_NAME
from memory_graph.memory import adoption
from memory_graph.memory.graph_view import EXPORT_FORMATS, MemoryGraph
from memory_graph.memory.recall import recall
from memory_graph.store.content import excerpt
from memory_graph.store.redact import redact
from memory_graph.store.session_log import SessionLog
from tests.support.fake_api import FakeMessagesAPI, error, text, tool_use
from tests.support.inbox import inbox_json
from tests.support.processes import clean_environment, reverie
from tests.support.recorder import Recorder
from tests.support.sessions import chat_session, command_session

ANTHROPIC = "sk-ant-api03-" + "Zq8vB2xR7mKp4LwT9nYc3HdF6jGs1QeA5uVo0XiW" * 2 + "-Kq7pAA"
OPENAI = "sk-proj-" + "T3BlbkFJx9QmW2vR8kLp5NcY7dHs4GtB1eZa6UoJfXi0" + "Qr3mVn"
AWS_ID = "AKIAQ7LKX4ZR2TYWB5NM"
AWS_SECRET = "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"
GITHUB = "ghp_" + "R7mKp4LwT9nYc3HdF6jGs1QeA5uVo0XiWZq8"
GITHUB_FINE = "github_pat_11ABCDEFG0" + "xR7mKp4LwT9nYc3HdF6jGs1QeA5uVo0XiW_Zq8vB2x"
SLACK = "xoxb-2417763912-5820176458531-Qk3vN8LmT2pR7xWcY4hJ"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiJpbmVzIiwiaWF0IjoxNzMwMDAwMDAwfQ."
    "Kx9mQ2vR8kLp5NcY7dHs4GtB1eZa6UoJfXi0Qr3mVn4"
)
DB_PASSWORD = "Tr0ub4dor-and-3"
URL_PASSWORD = "c0rrect-h0rse"
BASIC = "aW5lczpjMHJyZWN0LWgwcnNl"
PASSPHRASE = "correct horse battery staple"
KEY_BODY = [
    "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
    "QyNTUxOQAAACBk9mXqL3rT8vN2wYc5hJ4pR7xWcY4hJQk3vN8LmT2pRwAAAJj8Qx1r/EMd",
    "awAAAAtzc2gtZWQyNTUxOQAAACBk9mXqL3rT8vN2wYc5hJ4pR7xWcY4hJQk3vN8LmT2pRw",
]
PRIVATE_KEY = "\n".join(
    ["-----BEGIN OPENSSH PRIVATE KEY-----", *KEY_BODY, "-----END OPENSSH PRIVATE KEY-----"]
)
# Forms that once got past: a secret key with no label, a URL whose user is empty, passwords
# given to commands and said in sentences, Stripe keys, a Slack webhook, labels on plain
# values, and a key of no known form, random only.
AWS_SECRET_BARE = "prPXQSzP21OB0DAfCcHO1oQDE7UrzV+sHXRQ7vqQ"
URL_TOKEN = "n0-user-t0ken"
MYSQL_PASSWORD = "W1nter-is-c0ming"
MYSQL_QUOTED = "maple syrup 1987"
PG_PASSWORD = "pg-k3y"
WIFI = "purple monkey dishwasher"
PIN = "73914"
DOOR_CODE = "4471#"
STRIPE_LIVE = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
STRIPE_RESTRICTED = "rk_live_51H8abcDEFghiJKL0123mnop"
STRIPE_TEST = "sk_test_26PHem9AhJZvU623DfE1x4sd"
SLACK_WEBHOOK = "T024BE7LD/B01ABCDEF12/ElULtm4UAWTWqIpO0VFwAHUN"
WEATHER_KEY = "weather-station"
BUCKET_KEY = "bkt-reader-7"
UNLISTED = "9ntITvHeUX3nSWUD7T13PjIn3AdXwOAD"
SECRETS = [
    ANTHROPIC,
    OPENAI,
    AWS_ID,
    AWS_SECRET,
    GITHUB,
    GITHUB_FINE,
    SLACK,
    JWT,
    DB_PASSWORD,
    URL_PASSWORD,
    BASIC,
    PASSPHRASE,
    *KEY_BODY,
    AWS_SECRET_BARE,
    URL_TOKEN,
    MYSQL_PASSWORD,
    MYSQL_QUOTED,
    PG_PASSWORD,
    WIFI,
    PIN,
    DOOR_CODE,
    STRIPE_LIVE,
    STRIPE_RESTRICTED,
    STRIPE_TEST,
    SLACK_WEBHOOK,
    WEATHER_KEY,
    BUCKET_KEY,
    UNLISTED,
]

ENV_FILE = (
    f"ANTHROPIC_API_KEY={ANTHROPIC}\nOPENAI_API_KEY={OPENAI}\nAWS_ACCESS_KEY_ID={AWS_ID}\n"
    f"AWS_SECRET_ACCESS_KEY={AWS_SECRET}\nGITHUB_TOKEN={GITHUB}\nSLACK_BOT_TOKEN={SLACK}\n"
    f"DB_PASSWORD={DB_PASSWORD}\n"
)
CONFIG_JSON = json.dumps(
    {"aws_secret_access_key": AWS_SECRET, "password": DB_PASSWORD, "token": GITHUB_FINE}
)
SAID = (
    f"My wifi password is {WIFI}. My PIN is {PIN}. My api key is {WEATHER_KEY}. The code to "
    f"the front door is {DOOR_CODE}, access key {BUCKET_KEY}."
)
PASTED = (
    f"Always use {STRIPE_TEST} for tests; {STRIPE_LIVE} (live), {STRIPE_RESTRICTED} (reports); "
    f"backups: {AWS_ID} {AWS_SECRET_BARE}; release signing: {UNLISTED}"
)


def _leaks(shown: str) -> list[str]:
    """The secrets (or any 10 characters of one, all of a shorter one) that `shown` gives
    away."""
    return [
        secret
        for secret in SECRETS
        if any(
            secret[i : i + min(10, len(secret))] in shown
            for i in range(len(secret) - min(10, len(secret)) + 1)
        )
    ]


def test_each_secret_in_the_forms_it_takes_is_redacted() -> None:
    forms = [
        ENV_FILE,
        CONFIG_JSON,
        f"export AWS_SECRET_ACCESS_KEY='{AWS_SECRET}'",
        f"[default]\naws_access_key_id = {AWS_ID}\naws_secret_access_key = {AWS_SECRET}",
        f'curl -H "Authorization: Bearer {JWT}" https://api.example.com',
        f'curl -H "x-api-key: {ANTHROPIC}" https://api.anthropic.com/v1/messages',
        f"curl -H 'Authorization: Basic {BASIC}' https://intranet.example",
        f"git clone https://ines:{GITHUB}@github.com/ines/site.git",
        f"psql postgres://app:{URL_PASSWORD}@db.internal:5432/app",
        f"PGPASSWORD={DB_PASSWORD} psql -h db.internal",
        f"my token is {GITHUB_FINE}, keep it safe",
        f'database:\n  password: "{PASSPHRASE}"\n  host: db.internal',
        f"secret = '{PASSPHRASE}'",
        PRIVATE_KEY,
        PRIVATE_KEY[:150] + "\n[output cut at 150 characters]",
        f"git push https://:{URL_TOKEN}@git.example.com/ines/site.git main",
        f"mysql -u app -p{MYSQL_PASSWORD} app_db < schema.sql",
        f"mysqldump -u app -p'{MYSQL_QUOTED}' app_db > dump.sql",
        f"mysql --user=app --password={MYSQL_PASSWORD} app_db",
        f"PGPASSWORD={PG_PASSWORD} psql -h db.internal",
        f"curl -X POST -d 'payload={{}}' https://hooks.slack.com/services/{SLACK_WEBHOOK}",
        SAID,
        PASTED,
    ]
    for form in forms:
        assert _leaks(redact(form)) == [], form


def test_no_excerpt_window_shows_part_of_a_secret() -> None:
    """Evidence points at a span of a message; a span cut through a secret must not show the
    part of it that no longer looks like one."""
    message = (
        f"$ cat ~/.ssh/id_ed25519\n{PRIVATE_KEY}\n$ cat .env\n{ENV_FILE}"
        f"$ mysql -u app -p{MYSQL_PASSWORD} app_db\n{SAID}\n{PASTED}\n"
        f"$ curl https://hooks.slack.com/services/{SLACK_WEBHOOK}\ndone"
    )
    for length in (20, 60, 140, 400):
        for start in range(0, len(message), 5):
            shown = excerpt(message, start, start + length)
            assert _leaks(shown) == [], (start, length, shown)


async def _history(log: SessionLog) -> None:
    """Recurring failures and fixes whose commands and outputs carry secrets, a preference
    stated beside a secret, and a plain session: all of it material for proposals."""
    for day in range(3):
        await command_session(
            log,
            "publish the site",
            [
                (
                    f"git push https://ines:{GITHUB}@github.com/ines/site.git main",
                    f"fatal: Authentication failed for 'https://ines:{GITHUB}@github.com/ines/"
                    "site.git/'",
                    128,
                ),
                ("git remote set-url origin git@github.com:ines/site.git", "", 0),
                ("git push origin main", f"To github.com:ines/site.git\n   {day}a..{day}b main", 0),
            ],
        )
        await command_session(
            log,
            "deploy the api",
            [
                (
                    f"env | grep -i key && ./deploy.sh --token {SLACK}",
                    f"{ENV_FILE}Error: deploy failed: no region configured",
                    1,
                ),
                ("aws configure set region eu-west-1", "", 0),
                ("./deploy.sh", "deployed", 0),
            ],
        )
        await command_session(
            log,
            "log in to the build box",
            [
                (
                    "ssh -i ~/.ssh/id_ed25519 deploy@build.internal",
                    f"{PRIVATE_KEY}\ndeploy@build.internal: Permission denied (publickey).",
                    255,
                ),
                ("ssh-add ~/.ssh/id_ed25519", "Identity added", 0),
                ("ssh deploy@build.internal uptime", "up 3 days", 0),
            ],
        )
        await chat_session(
            log,
            f"I prefer short answers. The database is at postgres://app:{URL_PASSWORD}@db.internal",
            f"Use this config for the client: {CONFIG_JSON}",
            f'and send "Authorization: Bearer {JWT}" with every request',
        )
        await command_session(
            log,
            "load the schema",
            [
                (
                    f"mysql -u app -p{MYSQL_PASSWORD} app_db < schema.sql",
                    "ERROR 2002 (HY000): Can't connect to local MySQL server through socket",
                    1,
                ),
                ("sudo systemctl start mysql", "", 0),
                (
                    f"mysqldump -u app -p'{MYSQL_QUOTED}' app_db > dump.sql && "
                    f"PGPASSWORD={PG_PASSWORD} psql -h db.internal -f dump.sql",
                    "COPY 42",
                    0,
                ),
            ],
        )
        await command_session(
            log,
            "announce the release",
            [
                (
                    f"git push https://:{URL_TOKEN}@git.example.com/ines/site.git --tags",
                    f"fatal: Authentication failed for 'https://:{URL_TOKEN}@git.example.com/"
                    "ines/site.git/'",
                    128,
                ),
                ("git remote set-url origin git@git.example.com:ines/site.git", "", 0),
                (
                    f"curl -X POST -d 'payload={{}}' https://hooks.slack.com/services/{SLACK_WEBHOOK}",
                    "ok",
                    0,
                ),
            ],
        )
        await chat_session(log, f"I prefer dark mode. {SAID}", f"Keep these safe: {PASTED}")


async def test_nothing_derived_from_the_history_shows_a_secret(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI, tmp_path: Path
) -> None:
    await _history(log)
    fake_api.add(tool_use(TOOL_NAME, {"patterns": []}))
    model = DreamModel(config)
    await dream(log, model=model)
    await model.close()
    proposals = await inbox_json(log)
    assert len(proposals) >= 6, [p["statement"] for p in proposals]
    assert any("git push" in p["statement"] for p in proposals)
    assert any("deploy" in e["excerpt"] for p in proposals for e in p["evidence"])
    shown = {"the model's dream prompt": json.dumps(fake_api.requests), "proposals": ""}
    shown["proposals"] = json.dumps(proposals)

    for proposal in proposals:
        await adoption.adopt(log, proposal["id"])
    memory = await MemoryGraph.load(log)
    for suffix in EXPORT_FORMATS:
        shown[f"export {suffix}"] = memory.export(tmp_path / f"memory{suffix}")
    queries = ["git push", "deploy the api", "ssh build box", "database", "authorization"]
    queries += ["load the schema mysql", "announce the release", "wifi door code", "shop keys"]
    for query in queries:
        shown[f"recall {query}"] = json.dumps((await recall(log, query)).to_json())

    questions = ("how do I deploy the api again?", "what is my wifi password?", "load the schema")
    for question in questions:
        fake_api.add(text("Sure."))
        session = await log.create_session()
        await Agent(log, config).run_turn(session.id, question, Recorder())
        shown[f"the chat's system prompt ({question})"] = fake_api.requests[-1]["system"]
    assert "deploy" in shown["the chat's system prompt (how do I deploy the api again?)"]
    assert "wifi" in shown["the chat's system prompt (what is my wifi password?)"]
    assert "mysql" in shown["the chat's system prompt (load the schema)"]

    leaks = {where: _leaks(text) for where, text in shown.items() if _leaks(text)}
    assert leaks == {}


async def test_the_api_key_is_never_written_to_disk_or_printed(
    home: Path, workspace: Path, fake_api: FakeMessagesAPI
) -> None:
    """Chat (with a tool call and a failed request), an `--llm` dream and an export, as real
    processes with a real-looking key: no file of the home, nor anything printed, holds it."""
    key = "sk-ant-api03-" + "N0tAR3alK3yButL00ksL1keOne" * 4 + "-xYzAA"
    env = clean_environment(ANTHROPIC_BASE_URL=fake_api.base_url, ANTHROPIC_API_KEY=key)
    fake_api.add(
        error(500, "api_error"),
        tool_use("run_command", {"command": "env; echo done"}),
        text("All done."),
        tool_use(TOOL_NAME, {"patterns": []}),
    )
    printed = b""
    for argv in (
        ("chat", "--yes", "list the environment"),
        ("dream", "--llm"),
        ("export", str(home / "sessions.jsonl")),
    ):
        process = await asyncio.create_subprocess_exec(
            *reverie(home, *argv),
            cwd=workspace,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        assert process.returncode == 0, err.decode()
        printed += out + err
    assert len(fake_api.requests) == 4
    # The key went where it belongs: to the endpoint, with every request.
    assert all(any(key in value for value in sent.values()) for sent in fake_api.headers)
    written = {path: path.read_bytes() for path in home.rglob("*") if path.is_file()}
    assert any(path.name.endswith("-wal") or path.suffix == ".db" for path in written)
    assert [path for path, data in written.items() if key[:24].encode() in data] == []
    assert key[:24].encode() not in printed

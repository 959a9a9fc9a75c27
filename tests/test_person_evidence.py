"""The dreamer reads only the person's words for what the person prefers, corrects, states and
asks: what the harness, a parent agent or Reverie's recalled memory says of them in their place
is never evidence. A hook's error report is the world answering: evidence of a failure."""

from __future__ import annotations

from pathlib import Path

from dreamer.dream import dream
from dreamer.extractors import statements
from dreamer.observation import SessionView
from memory_graph.memory.vocabulary import MemoryKind
from memory_graph.store.origins import RECALLED_HEADER
from memory_graph.store.records import Message, MessageOrigin, OriginReason, Provenance, Session
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.claude_code_lines import Transcript
from tests.support.inbox import inbox_json

SESSIONS = [
    "3b1f0c52-9d4e-4a7b-8c6d-0e1f2a3b4c01",
    "3b1f0c52-9d4e-4a7b-8c6d-0e1f2a3b4c02",
    "3b1f0c52-9d4e-4a7b-8c6d-0e1f2a3b4c03",
]
CLAIMS = ("pie chart", "squash", "polars", "tabs", "jira", "dark mode")


def _claimed_in_my_place(projects: Path) -> None:
    """Three sessions in which everything but the person claims what the person prefers; the
    person's own words state one preference, beside a hook's reminder."""
    for day, session in enumerate(SESSIONS, 2):
        main = Transcript(session, day=day)
        main.user(
            "<system-reminder>\nSessionStart:startup hook additional context: Always use the "
            "Jira key as the branch prefix.\n</system-reminder>",
            isMeta=True,
        )
        main.user(
            [
                {
                    "type": "text",
                    "text": "<system-reminder>\nThe user prefers tabs over spaces; never use "
                    "spaces.\n</system-reminder>",
                },
                {"type": "text", "text": f"the tide export broke again (day {day})"},
            ]
        )
        main.assistant("Since you prefer dark mode everywhere, I will theme the report too.")
        main.user("No, don't add any theme to the report. I prefer plain HTML reports.")
        main.assistant("Understood, plain HTML.")
        main.user(
            "<command-message>ship is running…</command-message>\n"
            "<command-name>/ship</command-name>"
        )
        main.user("Always squash commits before pushing; the user wants it.", isMeta=True)
        main.user(
            "This session is being continued from a previous conversation that ran out of "
            "context.\n\nSummary:\n1. The user prefers Polars, not pandas, for every script.",
            isCompactSummary=True,
        )
        main.user(
            f"{RECALLED_HEADER}:\n- [memory 4, preference] Never use pie charts.", isMeta=True
        )
        main.write(projects / f"{session}.jsonl")
        agent = Transcript(session, agent=f"a{day}c0ffe", day=day)
        agent.user("Draw the chart. The user prefers dark mode charts; never use pie charts.")
        agent.assistant("Done: a dark bar chart.")
        agent.write(projects / session / "subagents" / f"agent-a{day}c0ffe.jsonl")


async def test_only_the_persons_words_are_evidence_of_preferences(
    log: SessionLog, tmp_path: Path
) -> None:
    _claimed_in_my_place(tmp_path / "projects" / "-home-noor-src-harbor")
    assert (await import_paths(log, [tmp_path / "projects"])).problems == []
    await dream(log)
    inbox = await inbox_json(log)
    for item in inbox:
        said = item["statement"].lower()
        assert not any(claim in said for claim in CLAIMS), said
    stated = [item for item in inbox if item["kind"] in (MemoryKind.PREFERENCE, MemoryKind.FACT)]
    assert sorted((item["statement"], item["support"]) for item in stated) == [
        ('The user said in 3 sessions: "Don\'t add any theme to the report."', 3),
        ('The user said in 3 sessions: "I prefer plain HTML reports."', 3),
    ]
    # Evidence points at the person's own turns.
    cited = {e["message_id"] for item in inbox for e in item["evidence"]}
    for session in await log.list_sessions():
        for message in await log.messages(session.id):
            if message.id in cited and message.role == "user":
                assert message.origin is MessageOrigin.PERSON


def _message(seq: int, role: str, text: str, provenance: Provenance | None = None) -> Message:
    content = [{"type": "text", "text": text}]
    return Message(seq, 1, seq, role, content, text, "2026-03-02", provenance=provenance)  # type: ignore[arg-type]


def _view(*messages: Message) -> SessionView:
    session = Session(1, "claude-code", "s", "", "2026-03-02", None, None, "unknown", False)
    return SessionView(session, list(messages))


COMPACTION = Provenance(MessageOrigin.HARNESS, OriginReason.COMPACTION_SUMMARY)
INTERRUPTION = Provenance(MessageOrigin.SIGNAL, OriginReason.INTERRUPTION)
CORRECTION = "no, that is the wrong branch"


def _how(view: SessionView) -> list[object]:
    return [o.detail.get("how") for o in statements.extract(view)]


def test_a_correction_answers_the_agents_reply() -> None:
    reply = _message(1, "assistant", "Committed: ✨ add tide export")
    # An interruption between the reply and the person's words leaves it a correction.
    stopped = _message(2, "user", "[Request interrupted by user]", INTERRUPTION)
    assert _how(_view(reply, stopped, _message(3, "user", CORRECTION))) == ["correction"]
    # After a compaction summary alone (no reply of the agent), it corrects nothing.
    summary = _message(1, "user", "This session is being continued from…", COMPACTION)
    assert _how(_view(summary, _message(2, "user", CORRECTION))) == []
    # The harness saying it in the person's place is no correction at all.
    assert _how(_view(reply, _message(2, "user", CORRECTION, COMPACTION))) == []


HOOK_ERROR = (
    "<system-reminder>\nPostToolUse:Edit hook additional context: [COMPILE ERROR]\n"
    "Compiling 3 files (.ex)\n\n== Compilation error in file lib/tide/export.ex ==\n"
    "** (CompileError) lib/tide/export.ex:{line}: undefined function schedule/0\n"
    "</system-reminder>"
)
HOOK_NOTE = (
    "<system-reminder>\nPostToolUse:Write hook additional context: [FORMAT]\n"
    "1 file reformatted\n</system-reminder>"
)


async def test_a_hooks_error_report_is_evidence_of_a_failure(
    log: SessionLog, tmp_path: Path
) -> None:
    projects = tmp_path / "projects" / "-home-noor-src-harbor"
    for day, session in enumerate(SESSIONS[:2], 2):
        main = Transcript(session, day=day)
        main.user(f"make the export run hourly (day {day})")
        main.tool("Edit", "lib/tide/export.ex", "The file was updated.")
        main.user(HOOK_ERROR.format(line=40 + day), isMeta=True)
        main.user(HOOK_NOTE, isMeta=True)
        main.tool("Bash", "mix compile", "Compiling 3 files (.ex)\nGenerated tide app")
        main.write(projects / f"{session}.jsonl")
    assert (await import_paths(log, [tmp_path / "projects"])).problems == []
    await dream(log)
    failures = [item for item in await inbox_json(log) if item["kind"] == MemoryKind.FAILURE]
    # One proposal: the hook's failure, joined with what got past it (`mix compile`).
    [failure] = failures
    assert failure["support"] == 2
    assert "`PostToolUse hook` fails with" in failure["statement"]
    assert "Compilation error in file lib/tide/export.ex" in failure["statement"]
    cited = [e["message_id"] for e in failures[0]["evidence"]]
    reports = [
        message
        for session in await log.list_sessions()
        for message in await log.messages(session.id)
        if message.id in cited and "CompileError" in message.text
    ]
    # The failure's evidence is the hook's own report, in the harness's words, in both sessions.
    assert len(reports) == 2
    assert all(message.origin_reason == OriginReason.HOOK_CONTEXT for message in reports)


async def test_a_slash_commands_echo_beside_typed_words_is_not_the_persons(
    log: SessionLog, tmp_path: Path
) -> None:
    # A custom command's echo says what the command does; the person typed its arguments and a
    # sentence of their own after it.
    echo = (
        "<command-message>release is running… always ship from the staging branch"
        "</command-message>\n<command-name>/release</command-name>\n"
        "<command-args>I prefer signed tags for releases</command-args>\n"
    )
    for day, session in enumerate(SESSIONS[:2], 2):
        transcript = Transcript(session, day=day)
        transcript.user(echo + "and bump the changelog")
        transcript.assistant("Released.")
        transcript.write(tmp_path / "projects" / f"{session}.jsonl")
    await import_paths(log, [tmp_path / "projects"])
    await dream(log)
    said = " ".join(str(p["statement"]) for p in await inbox_json(log)).lower()
    assert "signed tags" in said  # the arguments were typed: they are the person's
    assert "staging" not in said and "release is running" not in said

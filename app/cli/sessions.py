"""`reverie sessions` and `reverie show`: the session log, read."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from app.cli.output import print_json
from app.cli.parser import config_for
from app.origins import listed_title, origin_label
from app.terminal import visible, when
from memory_graph.store.content import tool_result_text
from memory_graph.store.records import RECALL_EVENT, Message, Session
from memory_graph.store.session_log import SessionLog

SOURCE_WIDTH = len("claude-code private")
"""The source column fits the longest source with its private mark, so titles line up."""
HEADER = f"{'id':>6}  {'last active':<16}  {'messages':>8}  {'source':<{SOURCE_WIDTH}}  title"


def _session_line(session: Session) -> str:
    last = when(session.started, session.ended)
    source = session.source + (" private" if session.private else "")
    title = " ".join(listed_title(session).split()) or "(untitled)"
    return visible(
        f"{session.id:>6}  {last:<16}  {session.message_count:>8}  "
        f"{source:<{SOURCE_WIDTH}}  {title}"
    )


async def list_sessions(args: argparse.Namespace) -> int:
    config = config_for(args)
    async with await SessionLog.open(config.home) as log:
        sessions = await log.list_sessions(limit=args.limit or -1)
    if args.json:
        print_json([session.to_json() for session in sessions])
    elif not sessions:
        print('no sessions yet: run `reverie` or `reverie chat "…"`', file=sys.stderr)
    else:
        print(HEADER)
        for session in sessions:
            print(_session_line(session))
    return 0


def _message_lines(message: Message) -> list[str]:
    lines: list[str] = []
    mark = " (interrupted)" if message.interrupted else ""
    # A turn the person did not type says who wrote it.
    speaker = origin_label(message) or message.role
    for block in message.content:
        kind = block.get("type")
        if kind == "text" and block.get("text"):
            lines.append(f"[{speaker}{mark}] {block['text']}")
        elif kind == "tool_use":
            lines.append(f"[{message.role}] → {block['name']} {json.dumps(block.get('input', {}))}")
        elif kind == "tool_result":
            status = "error" if block.get("is_error") else "ok"
            if block.get("exit_code") is not None:
                status += f", exit {block['exit_code']}"
            lines.append(f"[tool {status}] {tool_result_text(block.get('content'))}")
    return lines


async def show(args: argparse.Namespace) -> int:
    from app.agent.prompt import prompt_seen

    config = config_for(args)
    async with await SessionLog.open(config.home) as log:
        session = await log.get_session(args.id)
        messages = await log.messages(session.id)
        events = await log.events(session.id)
        # A system prompt as the model saw it: recall's part is logged by reference.
        seen = {m.id: await prompt_seen(log, m) for m in messages if m.role == "system"}
    if args.json:
        shown = [
            {**message.to_json(), "prompt": seen[message.id]}
            if message.id in seen
            else message.to_json()
            for message in messages
        ]
        print_json(
            {
                "session": session.to_json(),
                "messages": shown,
                "events": [event.to_json() for event in events],
            }
        )
        return 0
    print(visible(f"session {session.id}: {session.title or '(untitled)'}"))
    print(visible(f"source {session.source}, started {session.started}, outcome {session.outcome}"))
    if session.continues_id is not None:
        print(f"continues session {session.continues_id} (imported, read-only)")
    recalls = {e.message_id: e.data for e in events if e.kind == RECALL_EVENT and e.message_id}
    for message in messages:
        if message.role == "system":
            continue
        for line in _message_lines(message):
            print(visible(line))
        if message.id in recalls:
            print(_recalled_line(recalls[message.id]))
    return 0


_RECALLED = {
    "memories": ("memory", "memories"),
    "episodes": ("earlier message", "earlier messages"),
}


def _recalled_line(data: dict[str, Any]) -> str:
    """What a turn's recall event says it brought, under the turn."""
    parts = []
    for key, (one, many) in _RECALLED.items():
        ids = [str(item) for item in data.get(key, []) if isinstance(item, int)]
        if ids:
            parts.append(f"{one if len(ids) == 1 else many} {', '.join(ids)}")
    return "  ↳ recalled " + ("; ".join(parts) or "nothing")


async def mark_session(args: argparse.Namespace) -> int:
    """`reverie mark`: the person's word on a session's outcome or on a reply."""
    from memory_graph.store.marks import Mark, mark

    config = config_for(args)
    verdict = Mark(args.verdict)  # with --message, a reply's (checked by the parser)
    async with await SessionLog.open(config.home) as log:
        marked = await mark(log, args.id, verdict, args.message)
    what = f"session {args.id}" if verdict.of_session else f"reply {marked} of session {args.id}"
    print(f"marked {what} {verdict}")
    return 0

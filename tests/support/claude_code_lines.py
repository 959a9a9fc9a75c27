"""Claude Code transcripts written line by line as Claude Code writes them (the shapes in
../shared/benchmarks/claude-code): a uuid chain, one line per content block, the harness's flags
(`isMeta`, `isCompactSummary`, `isSidechain` with `agentId`) where it sets them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CWD = "/home/noor/src/harbor"


class Transcript:
    """Claude Code lines as it writes them: a uuid chain, one line per content block."""

    def __init__(
        self, session: str, agent: str | None = None, cwd: str = CWD, day: int = 2
    ) -> None:
        self.session = session
        self.agent = agent
        self.cwd = cwd
        self.day = day
        self.lines: list[dict[str, Any]] = []
        self.parent: str | None = None
        self.second = 0

    def add(self, kind: str, content: Any, **flags: Any) -> str:
        """A `user` or `assistant` line holding `content`, with the harness's `flags`."""
        self.second += 1
        uuid = f"{self.session[:8]}-{self.agent or 'main'}-{len(self.lines):04d}-8e2f-1a2b3c4d"
        line: dict[str, Any] = {
            "parentUuid": self.parent,
            "isSidechain": self.agent is not None,
            "userType": "external",
            "cwd": self.cwd,
            "sessionId": self.session,
            "version": "2.1.3",
            "gitBranch": "main",
        }
        if self.agent is not None:
            line["agentId"] = self.agent
        role = "assistant" if kind == "assistant" else "user"
        message: dict[str, Any] = {"role": role, "content": content}
        if kind == "assistant":
            message = {"model": "claude-opus-4-6", "id": "msg_01", "type": "message", **message}
        line |= {"type": kind, "message": message, "uuid": uuid}
        minute, second = divmod(self.second, 60)
        line |= {"timestamp": f"2026-03-{self.day:02d}T10:{minute:02d}:{second:02d}.000Z"}
        line |= flags
        self.lines.append(line)
        self.parent = uuid
        return uuid

    def user(self, content: Any, **flags: Any) -> str:
        """A `user` line: typed, or the harness's (by its flags and wording)."""
        return self.add("user", content, **flags)

    def assistant(self, text: str) -> str:
        """An assistant line with one text block."""
        return self.add("assistant", [{"type": "text", "text": text}])

    def write(self, path: Path) -> Path:
        """The lines as a JSONL file at `path`."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(line) + "\n" for line in self.lines))
        return path

    def tool(self, name: str, command: str, output: str, error: bool = False) -> None:
        """A tool call and its result (Bash reports failures as "Exit code N" first)."""
        call = f"toolu_{self.session[:6]}{len(self.lines):04d}"
        self.add(
            "assistant",
            [{"type": "tool_use", "id": call, "name": name, "input": {"command": command}}],
        )
        result = {"type": "tool_result", "tool_use_id": call, "content": output, "is_error": error}
        self.user([result], toolUseResult={"stdout": output, "stderr": "", "interrupted": False})

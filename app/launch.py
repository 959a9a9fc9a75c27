"""The `reverie` program: Claude Code's hook goes straight to its handler, every other command
through the command line's parser, which loads every command (`app.cli`).

Claude Code runs `reverie hook claude-code` at every start and waits for it: loading the whole
command line (the agent, the TUI's modules, the importers) would be most of its time."""

from __future__ import annotations

import sys

_GLOBAL_OPTIONS = ("--home", "--model")
"""Options that may come before the command, each with a value."""


def _command(argv: list[str]) -> list[str]:
    """The words from the command on, the global options before it skipped."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word in _GLOBAL_OPTIONS and index + 1 < len(argv):
            index += 2
        elif word.startswith(tuple(f"{option}=" for option in _GLOBAL_OPTIONS)):
            index += 1
        else:
            return argv[index:]
    return []


def _is_hook(argv: list[str]) -> bool:
    """`[global options] hook claude-code [--home DIR | --model ID]…`, and nothing else."""
    words = _command(argv)
    if words[:2] != ["hook", "claude-code"]:
        return False
    rest = words[2:]
    return not _command(rest) and all(word != "--help" for word in argv)


def main(argv: list[str] | None = None) -> int:
    """Run `reverie` with `argv` (default: the process's); returns the exit code."""
    args = sys.argv[1:] if argv is None else argv
    if _is_hook(args):
        from app.integrations.claude_code_hook import run_process

        return run_process(args)
    from app.cli import main as command_line

    return command_line(args)

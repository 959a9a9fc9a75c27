"""The conversation pane: user turns, streamed Markdown replies, folded tool calls and turns the
person did not type, notices.

Message text is always shown as plain text or Markdown, never parsed as Textual markup.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Collapsible, Static

from app.origins import block_label, readable
from app.terminal import one_line, plural, program_output, visible
from memory_graph.store.content import tool_result_text
from memory_graph.store.records import Message

if TYPE_CHECKING:
    from textual.widgets.markdown import MarkdownStream

    from app.tui.widgets.reply import Reply
    from memory_graph.memory.recall import Recalled, RecallHit


def tool_title(name: str, arguments: dict[str, Any]) -> str:
    """A short title for a folded tool call: the tool and its main argument."""
    main = arguments.get("command") or arguments.get("path") or arguments.get("pattern")
    detail = main if isinstance(main, str) else json.dumps(arguments, ensure_ascii=False)
    return f"⚙ {name}  {one_line(detail, 80)}"


class UserTurn(Static):
    """What the user said."""

    DEFAULT_CSS = """
    UserTurn {
        margin: 1 0 0 0;
        padding: 0 1;
        border-left: thick $accent;
        background: $boost;
    }
    """


class OtherTurn(Collapsible):
    """A turn in the person's place that they did not type (a compaction summary, a slash
    command's echo, a parent agent's prompt, an interruption), folded under who wrote it."""

    DEFAULT_CSS = """
    OtherTurn {
        margin: 1 0 0 0;
        color: $text-muted;
    }
    """

    def __init__(self, label: str, text: str) -> None:
        super().__init__(
            Static(Content(visible(text))),
            title=Content(f"{label}  {one_line(readable(text), 60)}"),  # type: ignore[arg-type]
            collapsed=True,
        )


class RecalledView(Collapsible):
    """What memory brought to a turn, folded under one line ("recalled 4 memories"): each
    memory with its id, kind and why it came (standing, matched, related), and the earlier
    messages quoted."""

    DEFAULT_CSS = """
    RecalledView {
        margin: 0 0 0 0;
        color: $text-muted;
    }
    """

    def __init__(self, hits: list[RecallHit]) -> None:
        memories = [hit for hit in hits if hit.node_id is not None]
        episodes = len(hits) - len(memories)
        title = f"recalled {plural(len(memories), 'memory', 'memories')}"
        if episodes:
            title += f" · {plural(episodes, 'earlier message')}"
        lines = [_recalled_line(hit) for hit in hits]
        super().__init__(
            Static(Content(visible("\n".join(lines))), classes="recalled-lines"),
            title=Content(title),  # type: ignore[arg-type]
            collapsed=True,
        )


def _recalled_line(hit: RecallHit) -> str:
    if hit.node_id is None:
        where = hit.evidence[0].message_id if hit.evidence else "?"
        return f"message {where} · earlier message — {one_line(hit.statement, 200)}"
    return f"memory {hit.node_id} · {hit.kind} · {hit.reason} — {one_line(hit.statement, 200)}"


class Notice(Static):
    """A one-line message from Reverie itself (no model, an error, an interruption)."""

    DEFAULT_CSS = """
    Notice {
        margin: 1 0 0 0;
        color: $text-muted;
    }
    Notice.error {
        color: $warning;
    }
    """


class Welcome(Static):
    """What a fresh home opens on: what to do first."""

    DEFAULT_CSS = """
    Welcome {
        margin: 1 0 0 0;
        padding: 0 1;
        border: round $accent 60%;
    }
    """


class ToolCallView(Collapsible):
    """A tool call, folded; expanding it shows its arguments and result."""

    DEFAULT_CSS = """
    ToolCallView {
        margin: 1 0 0 0;
    }
    ToolCallView.error {
        border-left: thick $error;
    }
    ToolCallView .tool-arguments {
        color: $text-muted;
    }
    """

    def __init__(self, call_id: str, name: str, arguments: dict[str, Any]) -> None:
        self.call_id = call_id
        self.base_title = tool_title(name, arguments)
        self.result = Static(Content("running…"), classes="tool-result")
        arguments_text = json.dumps(arguments, ensure_ascii=False, indent=2)
        super().__init__(
            Static(Content(visible(arguments_text)), classes="tool-arguments"),
            self.result,
            title=Content(self.base_title),  # type: ignore[arg-type]
            collapsed=True,
        )

    def set_result(self, output: str, is_error: bool, exit_code: int | None) -> None:
        """Show the tool's answer, marked as an error when it failed."""
        self.result.update(Content(program_output(output) or "(no output)"))
        self.set_class(is_error, "error")
        suffix = (
            f"  [exit {exit_code}]" if exit_code is not None else "  [error]" if is_error else ""
        )
        self.title = Content(self.base_title + suffix)  # type: ignore[assignment]


class Conversation(VerticalScroll, can_focus=False):
    """The scrolling transcript of the open session."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._reply: Reply | None = None
        self._stream: MarkdownStream | None = None
        self._reply_text = ""
        self._tools: dict[str, ToolCallView] = {}

    def on_mount(self) -> None:
        self.anchor()

    async def clear(self) -> None:
        """Empty the pane (a new or another session)."""
        await self.end_reply(interrupted=False)
        self._tools.clear()
        await self.remove_children()

    async def add_user(self, text: str) -> None:
        """Show a user turn (the first one takes the welcome's place)."""
        await self.query(Welcome).remove()
        await self.mount(UserTurn(Content(visible(text))))

    async def add_recalled(self, hits: list[RecallHit]) -> None:
        """Show, under the user's turn, what memory brought to it."""
        if hits:
            await self.mount(RecalledView(hits))

    async def add_notice(self, text: str, *, error: bool = False) -> None:
        """Show a message from Reverie."""
        await self.mount(Notice(Content(visible(text)), classes="error" if error else ""))

    async def add_welcome(self, text: str) -> None:
        """Greet a fresh home with what to do first."""
        await self.mount(Welcome(Content(text)))

    async def start_reply(self) -> None:
        """Open a Markdown reply to stream into; reused when a retry follows an empty attempt."""
        if self._reply is not None and not self._reply_text:
            return
        await self.end_reply(interrupted=False)
        from app.tui.widgets.reply import Reply

        self._reply = Reply()
        self._reply_text = ""
        await self.mount(self._reply)
        self._stream = Reply.get_stream(self._reply)

    async def write(self, text: str) -> None:
        """Append streamed reply text."""
        if self._stream is None:
            await self.start_reply()
        assert self._stream is not None
        self._reply_text += text
        await self._stream.write(visible(text))

    async def end_reply(self, *, interrupted: bool) -> None:
        """Finish the streaming reply; an empty one is removed, an interrupted one is marked."""
        stream, reply = self._stream, self._reply
        self._stream, self._reply = None, None
        if stream is not None:
            await stream.stop()
        if reply is not None and not self._reply_text:
            await reply.remove()
        elif reply is not None and interrupted:
            reply.add_class("interrupted")
            await self.add_notice("(reply interrupted; what arrived is kept in the log)")
        self._reply_text = ""

    async def add_tool(self, call_id: str, name: str, arguments: dict[str, Any]) -> None:
        """Show a folded tool call waiting for its result."""
        await self.end_reply(interrupted=False)
        view = ToolCallView(call_id, name, arguments)
        self._tools[call_id] = view
        await self.mount(view)

    def set_tool_result(
        self, call_id: str, output: str, is_error: bool, exit_code: int | None = None
    ) -> None:
        """Fill in a tool call's result."""
        view = self._tools.get(call_id)
        if view is not None:
            view.set_result(output, is_error, exit_code)

    async def show_messages(
        self, messages: list[Message], recalls: dict[int, Recalled] | None = None
    ) -> None:
        """Render a logged session, tool calls folded with their results, and under each
        user turn what memory brought to it (`recalls`, by the user message's id)."""
        await self.clear()
        for message in messages:
            if message.role == "system":
                continue
            for block in message.content:
                kind = block.get("type")
                if kind == "text" and block.get("text"):
                    label = block_label(message, block["text"])
                    if message.role == "assistant":
                        from app.tui.widgets.reply import Reply

                        reply = Reply(visible(block["text"]))
                        reply.set_class(message.interrupted, "interrupted")
                        await self.mount(reply)
                    elif label is not None:
                        await self.mount(OtherTurn(label, block["text"]))
                    else:
                        await self.add_user(readable(block["text"]))
                elif kind == "tool_use":
                    await self.add_tool(block["id"], block["name"], block.get("input") or {})
                elif kind == "tool_result":
                    self.set_tool_result(
                        block.get("tool_use_id", ""),
                        tool_result_text(block.get("content")),
                        bool(block.get("is_error")),
                        block.get("exit_code"),
                    )
            recalled = (recalls or {}).get(message.id)
            if recalled is not None:
                await self.add_recalled([*recalled.standing, *recalled.hits])
            if message.interrupted:
                await self.add_notice("(this reply was interrupted)")

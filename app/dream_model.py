"""The model the dreamer may ask (`reverie dream --llm`): one structured call per dream, on the
configured endpoint, with the same bounded retries as the chat."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.agent.model_client import NO_MODEL_MESSAGE, describe_failure, make_client, retry_delay
from app.config import Config
from app.errors import UserError
from dreamer.dream import DreamSummary, dream
from dreamer.extractors.llm import TOOL_NAME, PlainAnswer, UnusableAnswer
from memory_graph.store.session_log import SessionLog

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic


class DreamModelError(UserError):
    """The model could not be asked; the dream wrote nothing and can be run again."""


class DreamModel:
    """A `dreamer.extractors.llm.ModelCall` on the configured endpoint."""

    def __init__(self, config: Config, status: Callable[[str], None] | None = None) -> None:
        if not config.connected:
            raise UserError(f"dreaming with a model needs one. {NO_MODEL_MESSAGE}")
        self.config = config
        self.model = config.model
        self.status = status
        self._client: AsyncAnthropic | None = None

    async def __call__(self, request: dict[str, Any]) -> Any:
        """Send the request; the input of the tool call that answers it."""
        if self._client is None:
            self._client = make_client(self.config)
        attempts = self.config.max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                reply = await self._client.messages.create(model=self.model, **request)
            except Exception as error:
                failure = describe_failure(error)
                if failure is None:
                    raise
                if not failure.retryable or attempt == attempts:
                    tries = f" after {attempt} attempts" if attempt > 1 else ""
                    raise DreamModelError(
                        f"the model could not review the sessions: {failure.summary}{tries}; "
                        "nothing was written (run it again, or dream with --no-llm)"
                    ) from None
                delay = retry_delay(attempt, self.config.retry_base_delay, failure.retry_after)
                if self.status is not None:
                    self.status(f"{failure.label}: retry {attempt + 1}/{attempts} in {delay:.1f} s")
                await asyncio.sleep(delay)
                continue
            calls = [b for b in reply.content if b.type == "tool_use" and b.name == TOOL_NAME]
            if calls:
                return calls[0].input
            said = "".join(b.text for b in reply.content if b.type == "text")
            return PlainAnswer(said)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def close(self) -> None:
        """Close the client's connections."""
        if self._client is not None:
            await self._client.close()


async def dream_with(log: SessionLog, model: DreamModel, **options: Any) -> DreamSummary:
    """A dream that also asks the model; an answer it could not use fails the dream (recorded,
    nothing written) as an endpoint that could not be asked does."""
    try:
        return await dream(log, model=model, **options)
    except UnusableAnswer as unusable:
        raise DreamModelError(
            f"{unusable}; nothing was written (run it again, or dream with --no-llm)"
        ) from None


async def dream_as_configured(
    log: SessionLog, config: Config, **options: Any
) -> tuple[DreamSummary, str | None]:
    """A dream nobody asked for from the command line (idle, scheduled, the TUI's "Dream now"):
    with the model when `dream_llm` is on and one is connected. When the model cannot be asked
    the dream runs offline instead, so a broken endpoint never stops dreaming; the second value
    says why the model was left out."""
    options = {"inbox_page": config.inbox_page, **options}
    if not (config.dream_llm and config.connected):
        return await dream(log, **options), None
    model = DreamModel(config)
    try:
        return await dream_with(log, model, **options), None
    except DreamModelError as error:
        return await dream(log, **options), str(error)
    finally:
        await model.close()

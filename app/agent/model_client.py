"""The Messages API client, built lazily (importing `anthropic` costs about 2 s), and what its
errors mean for a retry."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.config import Config

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic

NO_MODEL_MESSAGE = (
    "No model is connected: set ANTHROPIC_API_KEY, or ANTHROPIC_BASE_URL for any "
    "Anthropic-compatible endpoint (a local one too), then try again."
)
LOCAL_ENDPOINT_KEY = "no-key-needed"
"""Sent when only a base URL is set: the SDK insists on a credential, local servers ignore it."""

_RETRYABLE_STATUS = {408, 409, 429, 500, 502, 503, 504, 529}
_RETRYABLE_TYPES = {"overloaded_error", "rate_limit_error", "api_error", "timeout_error"}
MAX_BACKOFF_S = 30.0


def make_client(config: Config) -> AsyncAnthropic:
    """An AsyncAnthropic client for the configured endpoint. Retries are ours (see `retry_delay`)
    so that each one is logged and shown, hence `max_retries=0`."""
    from anthropic import AsyncAnthropic

    return AsyncAnthropic(
        api_key=config.api_key or LOCAL_ENDPOINT_KEY,
        base_url=config.base_url,
        max_retries=0,
        timeout=config.request_timeout,
    )


class EndpointError(Exception):
    """The endpoint answered, but not like the Messages API (a web page, a truncated stream)."""


class StreamCutShort(Exception):
    """The stream ended, cleanly or not, before the message it carried did: a dropped
    connection in all but name, worth another try."""


@dataclass(frozen=True)
class ApiFailure:
    """One failed request, described for the log, the status line and the retry decision."""

    summary: str
    """The whole story, for the log and the final notice."""
    label: str
    """A few words for the status line: `HTTP 529 overloaded_error`, `connection lost`."""
    status: int | None
    error_type: str | None
    retryable: bool
    retry_after: float | None

    def to_json(self) -> dict[str, Any]:
        """The data of an `api_error` event."""
        return {
            "summary": self.summary,
            "status": self.status,
            "error_type": self.error_type,
            "retryable": self.retryable,
        }


def _retry_after(headers: Any) -> float | None:
    if headers is None:
        return None
    try:
        if headers.get("retry-after-ms"):
            return float(headers["retry-after-ms"]) / 1000
        if headers.get("retry-after"):
            return float(headers["retry-after"])
    except (TypeError, ValueError):
        return None
    return None


def describe_failure(error: BaseException) -> ApiFailure | None:
    """What an exception from a request means, or None when it is not an API or network error
    (a bug, which should propagate)."""
    import anthropic
    import httpx2

    if isinstance(error, EndpointError):
        summary = f"the endpoint did not answer like the Messages API: {error}"
        return ApiFailure(summary, "bad endpoint", None, "endpoint_error", False, None)
    if isinstance(error, StreamCutShort):
        summary = f"connection lost: {error}"
        return ApiFailure(summary, "connection lost", None, "connection_error", True, None)
    if isinstance(error, anthropic.APIStatusError):
        body = error.body if isinstance(error.body, dict) else {}
        detail = body.get("error", body) if isinstance(body, dict) else {}
        error_type = detail.get("type") if isinstance(detail, dict) else None
        message = detail.get("message") if isinstance(detail, dict) else None
        # An `event: error` inside a 200 stream carries its meaning in the body, not the status.
        status = error.status_code if error.status_code >= 400 else None
        retryable = (status in _RETRYABLE_STATUS) or (error_type in _RETRYABLE_TYPES)
        label = f"HTTP {status}" if status else "stream error"
        short = f"{label} {error_type or 'error'}"
        summary = f"{label}: {error_type or 'error'}" + (f" ({message})" if message else "")
        headers = error.response.headers if error.response is not None else None
        return ApiFailure(summary, short, status, error_type, retryable, _retry_after(headers))
    if isinstance(error, anthropic.APIConnectionError):
        kind = "timed out" if isinstance(error, anthropic.APITimeoutError) else "connection failed"
        # A timeout's cause often has no words of its own: then the kind says it all.
        cause = str(error.__cause__ or error).strip()
        summary = f"{kind}: {cause}" if cause and cause != "Request timed out." else kind
        return ApiFailure(summary, kind, None, "connection_error", True, None)
    if isinstance(error, httpx2.TransportError):
        # A stall or drop mid-stream surfaces as a raw transport error, not an APIError.
        summary = f"connection lost: {type(error).__name__} {error}".strip()
        return ApiFailure(summary, "connection lost", None, "connection_error", True, None)
    if isinstance(error, anthropic.APIError):
        summary = f"unexpected answer from the endpoint: {error}"
        return ApiFailure(summary, "bad answer", None, "api_error", False, None)
    return None


def retry_delay(attempt: int, base: float, retry_after: float | None) -> float:
    """Seconds to wait before retry number `attempt` (1-based): exponential with jitter, or what
    the server asked for, never more than MAX_BACKOFF_S."""
    if retry_after is not None:
        return min(max(retry_after, 0.0), MAX_BACKOFF_S)
    delay: float = base * 2.0 ** (attempt - 1)
    return min(delay * random.uniform(0.8, 1.2), MAX_BACKOFF_S)

"""Fill a Reverie home with many sessions fast, and cache the result between runs.

The schema comes from the real code (`SessionLog.open`); rows are then written with the stdlib
`sqlite3` in one transaction and indexed for full-text search in one batch at the end, as the
store's own bulk import does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path

from memory_graph.store.db import DATABASE_NAME
from memory_graph.store.migrations import SCHEMA_VERSION
from memory_graph.store.records import dumps
from memory_graph.store.session_log import SessionLog, title_from

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
SEED_VERSION = 5
"""Bump when the generated data changes, so stale caches are rebuilt."""

MARKER_NAME = "seed.json"
FTS_BATCH = (
    "INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages WHERE role != 'system'"
)
MODEL = "claude-sonnet-5-5"

RARE_WORD = "xylophone"
"""Planted in one message in RARE_EVERY, so a rare-word search has a known, small hit count."""
RARE_EVERY = 10_000
COMMON_WORD = "the"
"""The most frequent word of the vocabulary (Zipf rank 1)."""
PAIR_WORDS = ("garden", "python")
"""Two mid-frequency words for a two-word search."""

# Real words first so the most frequent ranks are familiar; synthetic words fill the long tail
# so the FTS index has a realistic vocabulary size rather than a few hundred terms.
_REAL_TEXT = """
the and to of a in is that it for you on with this be are as have not at or can we but
what your will if from by so do there an about one all my would they which more just like
how was me when some time use file code here out up then could make should also need get
test run data change error value function list session memory agent model reply search
python garden window river table paper music coffee morning evening friend project idea
question answer problem version number system branch commit review summary note
write read open close start stop build check thing place small large early later today
"""
_REAL_WORDS = _REAL_TEXT.split()
_SYLLABLE_TEXT = (
    "ba be bi bo bu da de di do du fa fe fi fo ka ke ki ko ku la le li lo lu ma me mi mo mu "
    "na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo "
    "za zo zen tor mar lin dor ven kas pol rin sel"
)
_SYLLABLES = _SYLLABLE_TEXT.split()
_TAIL_WORDS = 20_000
_WORDS_PER_MESSAGE = (12, 20)
_EPOCH = datetime(2025, 1, 1)


def vocabulary(seed: int = 7) -> list[str]:
    """The seeding vocabulary, most frequent first (deterministic)."""
    rng = random.Random(seed)
    words = list(dict.fromkeys(_REAL_WORDS))
    seen = set(words)
    size = len(words) + _TAIL_WORDS
    while len(words) < size:
        word = "".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4)))
        if word not in seen and not word.startswith(RARE_WORD[:3]):
            seen.add(word)
            words.append(word)
    return words


class TextSource:
    """Endless Zipf-distributed plain text, as a person and a model might write it."""

    def __init__(self, seed: int = 11) -> None:
        self._rng = random.Random(seed)
        self._words = vocabulary()
        weights = [1 / rank for rank in range(1, len(self._words) + 1)]
        self._cum_weights = list(itertools.accumulate(weights))

    def words(self, count: int) -> list[str]:
        """`count` words drawn by frequency."""
        return self._rng.choices(self._words, cum_weights=self._cum_weights, k=count)

    def text(self, approx_bytes: int) -> str:
        """About `approx_bytes` of space-separated words."""
        parts: list[str] = []
        size = 0
        while size < approx_bytes:
            for word in self.words(16):
                parts.append(word)
                size += len(word) + 1
                if size >= approx_bytes:
                    break
        return " ".join(parts)

    def message_texts(self, count: int) -> Iterator[str]:
        """`count` message texts of about 100 bytes; every RARE_EVERY-th holds RARE_WORD."""
        low, high = _WORDS_PER_MESSAGE
        lengths = [self._rng.randint(low, high) for _ in range(count)]
        # One big draw is much faster than one draw per message.
        pool = self.words(sum(lengths))
        position = 0
        for index, length in enumerate(lengths):
            words = pool[position : position + length]
            position += length
            if index % RARE_EVERY == RARE_EVERY // 2:
                words[2] = RARE_WORD
            yield " ".join(words)


def _iso(moment: datetime) -> str:
    # The same shape as memory_graph.store.records.now_iso().
    return moment.isoformat(timespec="milliseconds") + "Z"


def _marker(sessions: int, messages_per_session: int) -> dict[str, int]:
    return {
        "seed_version": SEED_VERSION,
        "schema_version": SCHEMA_VERSION,
        "sessions": sessions,
        "messages": sessions * messages_per_session,
    }


def _is_valid(home: Path, sessions: int, messages_per_session: int) -> bool:
    """True when `home` holds a finished seed of exactly this shape and the current schema."""
    marker = home / MARKER_NAME
    database = home / DATABASE_NAME
    if not marker.is_file() or not database.is_file():
        return False
    expected = _marker(sessions, messages_per_session)
    try:
        if json.loads(marker.read_text()) != expected:
            return False
        with closing(sqlite3.connect(database)) as conn:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            (n_sessions,) = conn.execute("SELECT COUNT(*) FROM sessions").fetchone()
            (n_messages,) = conn.execute("SELECT COUNT(*) FROM messages").fetchone()
    except (OSError, ValueError, sqlite3.Error):
        return False
    return (version, n_sessions, n_messages) == (
        expected["schema_version"],
        expected["sessions"],
        expected["messages"],
    )


async def _create_schema(home: Path) -> None:
    # The real open path creates the file with its private mode and runs every migration.
    log = await SessionLog.open(home)
    await log.close()


def _session_rows(
    sessions: int, messages_per_session: int, titles: list[str]
) -> Iterator[tuple[object, ...]]:
    for index in range(sessions):
        started = _EPOCH + timedelta(hours=index)
        ended = started + timedelta(seconds=30 * messages_per_session)
        yield (
            index + 1,
            "reverie",
            f"{index + 1:032x}",
            titles[index],
            _iso(started),
            _iso(ended),
            MODEL,
            index + 1,
        )


def _message_rows(
    sessions: int, messages_per_session: int, texts: Iterator[str], titles: list[str]
) -> Iterator[tuple[object, ...]]:
    for index in range(sessions):
        started = _EPOCH + timedelta(hours=index)
        for seq in range(1, messages_per_session + 1):
            text = next(texts)
            if seq == 1:
                # A session is titled by its first user message, as append_message does.
                titles.append(title_from(text))
            yield (
                index + 1,
                seq,
                "user" if seq % 2 else "assistant",
                dumps([{"type": "text", "text": text}]),
                text,
                "{}",
                _iso(started + timedelta(seconds=30 * seq)),
            )


def _fill(database: Path, sessions: int, messages_per_session: int) -> None:
    conn = sqlite3.connect(database, isolation_level=None)
    try:
        # A cache can be rebuilt, so durability during seeding buys nothing.
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN IMMEDIATE")
        # Messages first: their generator records each session's title as it goes.
        titles: list[str] = []
        texts = TextSource().message_texts(sessions * messages_per_session)
        conn.executemany(
            "INSERT INTO messages (session_id, seq, role, content, text, meta, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            _message_rows(sessions, messages_per_session, texts, titles),
        )
        conn.executemany(
            "INSERT INTO sessions (id, source, external_id, title, started, ended, model, "
            "changed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            _session_rows(sessions, messages_per_session, titles),
        )
        # Each session changed in the order it was added, as the store stamps them.
        conn.execute("UPDATE change_clock SET value = ?", (sessions,))
        conn.execute(FTS_BATCH)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def seeded_home(name: str, sessions: int, messages_per_session: int) -> tuple[Path, float]:
    """A cached home under bench/.cache/<name> holding `sessions` x `messages_per_session`
    messages; seeded now if missing or stale. Returns the home and seconds spent seeding
    (0.0 when the cache was reused). Treat it as read-only: copy it with `working_copy`."""
    home = CACHE_DIR / name
    if _is_valid(home, sessions, messages_per_session):
        return home, 0.0
    began = time.perf_counter()
    if home.exists():
        shutil.rmtree(home)
    home.parent.mkdir(parents=True, exist_ok=True)
    asyncio.run(_create_schema(home))
    _fill(home / DATABASE_NAME, sessions, messages_per_session)
    # Written last: a seed interrupted before this point is never reused.
    (home / MARKER_NAME).write_text(json.dumps(_marker(sessions, messages_per_session)))
    return home, time.perf_counter() - began


def working_copy(cached: Path, home: Path) -> Path:
    """Copy a cached home's database into `home` (created), so benchmarks can write to it."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    shutil.copy2(cached / DATABASE_NAME, home / DATABASE_NAME)
    return home

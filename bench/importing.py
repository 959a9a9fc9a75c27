"""Import throughput on real Claude Code transcripts, peak memory on a large generated export,
and watch latency on real files."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.stats import percentile, spread
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths

CLAUDE_CODE = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "claude-code"
_SESSION_ID = re.compile(rb'"sessionId":"([0-9a-f-]{36})"')


def build_corpus(target: Path, copies: int) -> int:
    """`copies` copies of the shared Claude Code projects folder, each with fresh session ids
    and uuids (so nothing deduplicates away); returns the number of lines."""
    sources = sorted(CLAUDE_CODE.rglob("*.jsonl"))
    lines = 0
    for copy in range(copies):
        project = target / f"project-{copy:03d}"
        for source in sources:
            data = source.read_bytes()
            ids = {match for match in _SESSION_ID.findall(data)}
            ids |= set(re.findall(rb'"uuid":"([0-9a-f-]{36})"', data))
            for old in ids:
                data = data.replace(old, str(uuid.uuid4()).encode())
            relative = source.relative_to(CLAUDE_CODE)
            destination = project / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(data)
            lines += data.count(b"\n")
    return lines


async def _import_once(corpus: Path, home: Path) -> dict[str, Any]:
    async with await SessionLog.open(home) as log:
        began = time.perf_counter()
        report = await import_paths(log, [corpus])
        elapsed = time.perf_counter() - began
        again = time.perf_counter()
        repeat = await import_paths(log, [corpus])
        unchanged_s = time.perf_counter() - again
    return {
        "seconds": elapsed,
        "lines": report.lines,
        "sessions": report.sessions_new,
        "messages": report.messages,
        "reimport_added": repeat.messages,
        "reimport_s": unchanged_s,
    }


def run_import(work: Path, copies: int, runs: int) -> dict[str, Any]:
    """Import the replicated corpus into fresh homes `runs` times; lines per second."""
    corpus = work / "corpus"
    lines = build_corpus(corpus, copies)
    results = []
    for run in range(runs):
        home = work / f"import-home-{run}"
        results.append(asyncio.run(_import_once(corpus, home)))
        shutil.rmtree(home)
    rates = [r["lines"] / r["seconds"] for r in results]
    last = results[-1]
    return {
        "lines_per_s": spread(rates),
        "lines": lines,
        "sessions": last["sessions"],
        "messages": last["messages"],
        "reimport_added": last["reimport_added"],
        "reimport_ms": round(last["reimport_s"] * 1000, 1),
    }


async def _watch_latencies(work: Path, drops: int) -> list[float]:
    from app.config import load_config
    from app.watcher import watch

    home = work / "watch-home"
    config = load_config(home, env={})
    source = (CLAUDE_CODE / "short.jsonl").read_bytes()
    old_id = _SESSION_ID.search(source)
    assert old_id is not None
    stop = asyncio.Event()
    ready = asyncio.Event()
    latencies: list[float] = []
    async with await SessionLog.open(home) as log, await SessionLog.open(home) as reader:
        task = asyncio.create_task(
            watch(config, log, stop, lambda *_: None, lambda _folders: ready.set())
        )
        await ready.wait()
        for drop in range(drops):
            session_id = str(uuid.uuid4())
            data = source.replace(old_id.group(1), session_id.encode())
            path = config.drop_folder / f"drop-{drop}.jsonl"
            written = time.perf_counter()
            path.write_bytes(data)
            while True:
                async with reader.connection.execute(
                    "SELECT COUNT(*) FROM sessions WHERE external_id = ?", (session_id,)
                ) as cursor:
                    row = await cursor.fetchone()
                if row and row[0]:
                    break
                await asyncio.sleep(0.002)
            latencies.append((time.perf_counter() - written) * 1000)
            await asyncio.sleep(0.05)
        stop.set()
        await task
    return latencies


def run_watch(work: Path, drops: int) -> dict[str, Any]:
    """Milliseconds from a transcript written into the drop folder to its session committed."""
    samples = asyncio.run(_watch_latencies(work, drops))
    return {
        "p50": round(percentile(samples, 50), 1),
        "p95": round(percentile(samples, 95), 1),
        "max": round(max(samples), 1),
        "drops": drops,
    }


_WORDS = [f"word{number}" for number in range(50)]


def _conversation(number: int) -> dict[str, Any]:
    """An OpenAI-style conversation of about 16 KB: a prompt, turns, tool calls and results."""
    words = [_WORDS[(number * 7 + i * 13) % len(_WORDS)] for i in range(300)]
    turns: list[dict[str, Any]] = [{"role": "system", "content": " ".join(words[:120])}]
    for turn in range(6):
        call = f"call-{number}-{turn}"
        turns += [
            {"role": "user", "content": " ".join(words[turn * 20 : turn * 20 + 60])},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call,
                        "type": "function",
                        "function": {"name": "lookup", "arguments": json.dumps({"q": words[turn]})},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": call, "content": " ".join(words) * 2},
            {"role": "assistant", "content": " ".join(words[turn : turn + 80])},
        ]
    return {"id": f"conv-{number}", "title": f"conversation {number}", "messages": turns}


def write_large_exports(folder: Path, megabytes: int) -> dict[str, Path]:
    """The same conversations (about `megabytes` MB) as one JSON array and as JSON Lines."""
    folder.mkdir(parents=True, exist_ok=True)
    array, lines = folder / "export.json", folder / "export.jsonl"
    with array.open("w") as as_array, lines.open("w") as as_lines:
        as_array.write("[")
        number = 0
        while as_lines.tell() < megabytes * 1_000_000:
            text = json.dumps(_conversation(number))
            as_array.write(("," if number else "") + text)
            as_lines.write(text + "\n")
            number += 1
        as_array.write("]\n")
    return {"json_array": array, "jsonl": lines}


_REPORT_PEAK = """
import runpy, sys
report, sys.argv = sys.argv[1], ["reverie", *sys.argv[2:]]
try:
    runpy.run_module("app", run_name="__main__", alter_sys=True)
finally:
    with open(report, "w") as out:
        out.write(open("/proc/self/status").read())
"""
"""Runs `reverie ARGS...` and writes its /proc status on the way out, VmHWM among it."""


def import_process(home: Path, path: Path) -> tuple[float, float]:
    """Seconds and peak resident memory (MB) of `reverie import PATH` as its own process: its
    own high-water mark (VmHWM). Not wait4's or getrusage's ru_maxrss: a child started by fork
    or vfork carries its parent's peak into that figure, so it read the benchmark's own size
    (130 MB) whatever was imported."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "REVERIE_"))}
    errors = home.parent / f"{home.name}.stderr"
    status = home.parent / f"{home.name}.status"
    began = time.perf_counter()
    with errors.open("wb") as stderr:
        command = ["-c", _REPORT_PEAK, str(status), "--home", str(home), "import", "--json"]
        process = subprocess.run(
            [sys.executable, *command, str(path)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            check=False,
        )
    seconds = time.perf_counter() - began
    if process.returncode != 0:
        raise RuntimeError(f"import of {path} failed: {errors.read_text()[-2000:]}")
    peak = re.search(r"^VmHWM:\s+(\d+) kB", status.read_text(), re.MULTILINE)
    if peak is None:
        raise RuntimeError(f"no VmHWM in {status}")
    return seconds, int(peak.group(1)) / 1024


def run_import_memory(work: Path, megabytes: int) -> dict[str, Any]:
    """Peak memory of importing a large generated file (JSON array and JSONL), beside the peak
    of importing a tiny one: the difference is what the file costs."""
    files = write_large_exports(work / "large-export", megabytes)
    tiny = work / "tiny.jsonl"
    tiny.write_text(json.dumps(_conversation(0)) + "\n")
    _, baseline = import_process(work / "memory-home-tiny", tiny)
    result: dict[str, Any] = {"baseline_mb": round(baseline, 1)}
    for name, path in files.items():
        _, peak = import_process(work / f"memory-home-{name}", path)
        size = path.stat().st_size / 1_000_000
        result[name] = {
            "file_mb": round(size, 1),
            "peak_mb": round(peak, 1),
            "above_baseline_per_file_mb": round((peak - baseline) / size, 2),
        }
    return result

"""Run every benchmark; print one JSON object and save it to bench/results.json.

Progress goes to stderr so stdout holds only the JSON.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.append import run_append
from bench.contextual import run_contextual
from bench.dreaming import HUGE_SESSIONS, TAUBENCH, run_dream_cost, run_huge_dream, run_taubench
from bench.dreaming import MESSAGES as DREAM_MESSAGES
from bench.failure_text import run_failure_text
from bench.hook import run_hook
from bench.importing import run_import, run_import_memory, run_watch
from bench.injection import run_injection
from bench.load import run_load
from bench.load_import import run_load_import
from bench.locomo import run_locomo
from bench.mcp import run_mcp_recall
from bench.memory import run_adopt, run_recall
from bench.mind_changes import run_mind_changes
from bench.planted import CORPORA as PLANTED_CORPORA
from bench.planted import corpus_figures, run_planted
from bench.redaction import run_redaction
from bench.search import run_search
from bench.seed import seeded_home, working_copy
from bench.standing import run_standing
from bench.tui import run_tui
from bench.tui_lag import run_tui_lag

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"

APPEND_SESSIONS = 1_000
APPEND_MESSAGES_PER_SESSION = 50
APPENDS = 2_000
TUI_SESSIONS = 10_000
TUI_MESSAGES_PER_SESSION = 50
TUI_RUNS = 5

APPEND_P95_TARGET_MS = 2.0
FIRST_FRAME_TARGET_MS = 500.0
IMPORT_COPIES = 20
IMPORT_RUNS = 3
IMPORT_TARGET_LINES_PER_S = 20_000.0
IMPORT_MEMORY_MB = 64
WATCH_DROPS = 20
WATCH_TARGET_MS = 1_000.0
DREAM_NEW = 100
DREAM_HISTORY = 10_000
DREAM_TARGET_S = 1.0
DREAM_RATIO_TARGET = 1.5
HUGE_DREAM_TARGET_S = 10.0
TAUBENCH_FAILED_SHARE_TARGET = 0.8
UI_LAG_TARGET_MS = 50.0
RECALL_NODES = 100_000
RECALL_EDGES = 500_000
RECALL_TARGET_MS = 20.0
MCP_RECALL_TARGET_MS = 30.0
ADOPT_TARGET_MS = 50.0
LOCOMO_RATIO_TARGET = 1.3
LOAD_TUI_TARGET_MS = 1_000.0
LOAD_SEARCH_TARGET_MS = 100.0
LOAD_RUNS = 3
INJECTION_US_TARGET = 50.0
INJECTION_LOCOMO_TARGET = 0.005
REDACTION_MASKED_SHARE_TARGET = 0.01
HOOK_TARGET_MS = 150.0
SEARCH_NOTE = (
    "value is the slowest query median; informational, no target yet (issue 7 later wants < 100 ms)"
)


def _progress(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def machine_info() -> dict[str, Any]:
    """What the figures were measured on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "sqlite": sqlite3.sqlite_version,
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(affinity(0)) if affinity else os.cpu_count(),
        "platform": platform.platform(),
        "textual": _version("textual"),
        "aiosqlite": _version("aiosqlite"),
    }


def figure(value: float, target_below: float | None = None, **detail: Any) -> dict[str, Any]:
    """One reported figure: its value, its target (if any) and whether it met it."""
    return {
        "value": round(value, 3),
        "target": None if target_below is None else f"< {target_below:g}",
        "met": None if target_below is None else value < target_below,
        **detail,
    }


def injection_figures(found: dict[str, Any]) -> dict[str, Any]:
    """Detection on the collected injections, false positives on a person's corrections and
    on LoCoMo's turns, time per message."""
    detected = found["attacks_flagged"] / found["attacks"]
    locomo_flagged = found.pop("locomo_flagged")
    typical = found["typical_us"]
    return {
        "injection_detection_rate": {
            "value": round(detected, 3),
            "target": ">= 1",
            "met": detected >= 1,
            "detected": found["attacks_flagged"],
            "attacks": found["attacks"],
        },
        "injection_corrections_false_positive_rate": {
            "value": round(found["corrections_flagged"] / found["corrections"], 3),
            "target": "0",
            "met": found["corrections_flagged"] == 0,
            "flagged": found["corrections_flagged"],
            "corrections": found["corrections"],
            "highest_score": found["corrections_highest_score"],
        },
        "injection_locomo_false_positive_rate": figure(
            len(locomo_flagged) / found["locomo_turns"],
            INJECTION_LOCOMO_TARGET,
            flagged=len(locomo_flagged),
            turns=found["locomo_turns"],
            flagged_turns=locomo_flagged,
        ),
        "injection_us_per_message": figure(
            typical["median"],
            INJECTION_US_TARGET,
            min=typical["min"],
            max=typical["max"],
            messages=found["typical_messages"],
            all_locomo_turns_us=found["locomo_us"],
            locomo_mean_chars=found["locomo_mean_chars"],
            adversarial_2mb_worst_ms=found["adversarial_worst_ms"],
            adversarial_worst_shape=found["adversarial_worst_shape"],
            note="LoCoMo turns of 150-250 characters, median of 5 passes (perf_counter)",
        ),
    }


def run_all(work: Path) -> dict[str, Any]:
    """Seed (or reuse) the databases, run each benchmark on a private copy, collect figures."""
    results: dict[str, Any] = {"machine": machine_info()}
    seeding: dict[str, float] = {}

    _progress(f"seeding {APPEND_SESSIONS} sessions (cached after the first run)")
    cached, seeding["append_db_s"] = seeded_home(
        f"s{APPEND_SESSIONS}-m{APPEND_MESSAGES_PER_SESSION}",
        APPEND_SESSIONS,
        APPEND_MESSAGES_PER_SESSION,
    )
    home = working_copy(cached, work / "append")
    _progress(f"append: {APPENDS} appends")
    append = run_append(home, APPEND_SESSIONS, APPENDS)
    results["append_p95_ms"] = figure(
        append.pop("p95"),
        APPEND_P95_TARGET_MS,
        **append,
        database=f"{APPEND_SESSIONS} sessions x {APPEND_MESSAGES_PER_SESSION} messages",
    )

    _progress(f"seeding {TUI_SESSIONS} sessions (cached after the first run)")
    cached, seeding["tui_db_s"] = seeded_home(
        f"s{TUI_SESSIONS}-m{TUI_MESSAGES_PER_SESSION}",
        TUI_SESSIONS,
        TUI_MESSAGES_PER_SESSION,
    )
    # One copy serves both: neither start-up (offline) nor search writes rows.
    home = working_copy(cached, work / "large")
    database = f"{TUI_SESSIONS} sessions x {TUI_MESSAGES_PER_SESSION} messages"

    _progress(f"tui: {TUI_RUNS} fresh processes (+1 warm-up)")
    tui = run_tui(home, TUI_RUNS)
    first_frame = tui["first_frame_ms"]
    results["tui_first_frame_ms"] = figure(
        first_frame["median"],
        FIRST_FRAME_TARGET_MS,
        min=first_frame["min"],
        max=first_frame["max"],
        runs_ms=tui["first_frame_runs_ms"],
        database=database,
        note="perf_counter at the child's first line to after run_test() + one pilot.pause()",
    )
    listed = tui["sessions_listed_ms"]
    results["sessions_listed_ms"] = figure(
        listed["median"],
        min=listed["min"],
        max=listed["max"],
        session_items=tui["session_items"],
        every_run=tui["sessions_listed_every_run"],
    )
    spawn = tui["process_to_first_frame_ms"]
    results["process_to_first_frame_ms"] = figure(
        spawn["median"],
        min=spawn["min"],
        max=spawn["max"],
        note="wall clock from before spawn, so interpreter start-up counts",
    )
    for key, note in (
        ("imports_ms", "importing the app, config and sidebar modules"),
        ("app_ready_ms", "run_test() returned: screen mounted, sidebar not yet filled"),
    ):
        spread = tui[key]
        results[f"tui_{key}"] = figure(
            spread["median"], min=spread["min"], max=spread["max"], note=note
        )

    _progress("search")
    searches = run_search(home)
    slowest = max(float(s["median_ms"]) for s in searches.values())
    results["search_ms"] = figure(slowest, queries=searches, database=database, note=SEARCH_NOTE)

    _progress(f"import: {IMPORT_COPIES} copies of the Claude Code transcripts, {IMPORT_RUNS} runs")
    imported = run_import(work, IMPORT_COPIES, IMPORT_RUNS)
    rate = imported.pop("lines_per_s")
    results["import_lines_per_s"] = {
        "value": rate["median"],
        "target": f">= {IMPORT_TARGET_LINES_PER_S:g}",
        "met": rate["median"] >= IMPORT_TARGET_LINES_PER_S,
        "min": rate["min"],
        "max": rate["max"],
        **imported,
        "note": "fresh home each run; reimport_* is the same import again (nothing to add)",
    }

    _progress(f"import memory: a {IMPORT_MEMORY_MB} MB export, as a JSON array and as JSONL")
    memory = run_import_memory(work, IMPORT_MEMORY_MB)
    results["import_peak_memory_mb"] = figure(
        max(memory["json_array"]["peak_mb"], memory["jsonl"]["peak_mb"]),
        **memory,
        note="peak RSS of `reverie import` (its own VmHWM), worst of the two layouts; "
        "baseline_mb is the same command on a one-conversation file",
    )

    _progress(f"watch: {WATCH_DROPS} transcripts dropped one by one")
    watched = run_watch(work, WATCH_DROPS)
    results["watch_latency_ms"] = figure(
        watched.pop("p95"),
        WATCH_TARGET_MS,
        **watched,
        note="p95, from write_bytes in the drop folder to the session visible to another reader",
    )

    _progress(f"dream: {DREAM_NEW} sessions, alone and after {DREAM_HISTORY} dreamt")
    cost = run_dream_cost(work, DREAM_HISTORY, DREAM_NEW)
    results["dream_100_sessions_s"] = figure(
        cost["alone_s"], DREAM_TARGET_S, note="offline extractors, 50 messages per session"
    )
    results["dream_100_of_10k_ratio"] = figure(
        cost["ratio"], DREAM_RATIO_TARGET, after_history_s=round(cost["after_history_s"], 3)
    )

    _progress(f"dream: {HUGE_SESSIONS} sessions of 2 MB")
    huge = run_huge_dream(work)
    results["dream_3x2mb_s"] = figure(
        huge["seconds"],
        HUGE_DREAM_TARGET_S,
        megabytes=huge["mb"],
        note="a pasted document, many short sentences, a build log, a line without stops each",
    )

    _progress(f"TUI event-loop lag while it dreams {DREAM_NEW} sessions")
    alone_cache, _ = seeded_home(f"s{DREAM_NEW}-m{DREAM_MESSAGES}", DREAM_NEW, DREAM_MESSAGES)
    lag = run_tui_lag(alone_cache, TAUBENCH, work)
    results["ui_lag_p99_ms"] = figure(
        max(part["p99_ms"] for part in lag.values()),
        UI_LAG_TARGET_MS,
        note="worst p99 of a 5 ms probe on the app's loop, headless TUI, 3 dreams pooled",
        **lag,
    )

    _progress("dream: tau-bench airline")
    tau = run_taubench(work)
    share = tau.pop("evidence_sessions_failed_share")
    results["taubench_failure_evidence_failed_share"] = {
        "value": share,
        "target": f">= {TAUBENCH_FAILED_SHARE_TARGET:g}",
        "met": share is not None and share >= TAUBENCH_FAILED_SHARE_TARGET,
        **tau,
    }

    _progress("planted corpora: one dream each, scored against their answer keys")
    for corpus in PLANTED_CORPORA:
        results[f"planted_{corpus}"] = corpus_figures(corpus, run_planted(corpus, work))

    _progress("standing memory: the planted corpora's preferences and facts in a turn about none")
    results["standing_recall_share"] = run_standing()

    _progress("contextual recall: next turns about the planted failures and workflows")
    results["contextual_hit_at_5"] = run_contextual()

    _progress("changes of mind: 22 adopted memories taken back in other words")
    results["contradictions_superseded_share"] = run_mind_changes()

    _progress("failure-text classifier: Claude Code's own labels, and the labelled set")
    results["failure_text_classifier"] = run_failure_text()

    _progress(f"recall over {RECALL_NODES} memories and {RECALL_EDGES} edges")
    recalling = run_recall(RECALL_NODES, RECALL_EDGES, work)
    seeding["graph_db_s"] = recalling.pop("seeding_s")
    results["recall_p95_ms"] = figure(recalling["p95_ms"], RECALL_TARGET_MS, **recalling)

    _progress(f"one `recall` call over MCP (stdio) on the same {RECALL_NODES} memories")
    serving = run_mcp_recall(RECALL_NODES, RECALL_EDGES, work)
    serving.pop("seeding_s")  # the recall benchmark's graph, seeded already
    results["mcp_recall_ms"] = figure(
        serving["p95_ms"],
        MCP_RECALL_TARGET_MS,
        note="p95, the SDK's client to a `reverie mcp` subprocess and back",
        **serving,
    )

    _progress("adopting every proposal of the demo in the TUI's inbox")
    adopting = run_adopt(work)
    results["adopt_ms"] = figure(
        adopting["p95_ms"],
        ADOPT_TARGET_MS,
        note="p95, adopt action to decision written and inbox redrawn (120x40 like the others)",
        **adopting,
    )

    _progress("LoCoMo: evidence recall@10 of recall against BM25 over the raw turns")
    locomo = run_locomo(work)
    ratio = locomo["all"]["ratio"]
    results["locomo_recall_at_10_ratio"] = {
        "value": ratio,
        "target": f">= {LOCOMO_RATIO_TARGET:g}",
        "met": ratio is not None and ratio >= LOCOMO_RATIO_TARGET,
        "per_category": locomo,
    }

    _progress("injection detector: collected injections, corrections, LoCoMo turns")
    results |= injection_figures(run_injection())

    _progress("a history of 100,000 sessions: TUI start, search, a dream of 100 new ones")
    load = run_load(work, LOAD_RUNS)
    seeding["load_db_s"] = load.pop("seeding_s")
    results["load_tui_first_frame_ms"] = figure(load["tui_first_frame_ms"], LOAD_TUI_TARGET_MS)
    results["load_search_ms"] = figure(load["search_worst_ms"], LOAD_SEARCH_TARGET_MS)
    results["load_dream_100_new_s"] = figure(
        load["dream_100_new_s"], DREAM_TARGET_S, sessions=load["sessions"]
    )

    _progress("100,000 sessions imported by `reverie import`, all dreamt, then recall and search")
    imported = run_load_import(work)
    results["load_import_100k_s"] = figure(imported["import_s"], None, **imported)
    results["load_import_peak_mb"] = figure(
        imported["import_peak_mb"],
        None,
        note="peak resident memory of the import process; bounded by the largest session "
        f"({imported['largest_session_kb']} KiB here), not the {imported['file_mb']} MiB file",
    )
    results["load_dream_100k_s"] = figure(
        imported["dream_s"], None, dreams=imported["dreams"], batch=100
    )
    results["load_recall_p95_ms"] = figure(imported["recall_p95_ms"], RECALL_TARGET_MS)
    results["load_search_p95_ms"] = figure(imported["search_p95_ms"], LOAD_SEARCH_TARGET_MS)

    _progress("redaction: the hashes, paths, uuids and ids of the shared transcripts it masks")
    redaction = run_redaction()
    worst = max(kind["share"] for kind in redaction["per_kind"].values())
    results["redaction_masked_share"] = {
        "value": worst,
        "target": f"<= {REDACTION_MASKED_SHARE_TARGET:g}",
        "met": worst <= REDACTION_MASKED_SHARE_TARGET,
        **redaction,
        "note": "the worst of the four kinds; masked tokens are no secrets (false positives)",
    }

    _progress("Claude Code's SessionStart hook as a process, 10,000 sessions and 1,000 memories")
    hooked = run_hook(work)
    seeding["hook_db_s"] = hooked.pop("seeding_s")
    results["hook_session_start_ms"] = figure(
        hooked.pop("p95_ms"),
        HOOK_TARGET_MS,
        **hooked,
        note="p95 wall clock of `python -m app hook claude-code` from spawn to exit, the "
        "context current in its snapshot, half of the starts right after an import; "
        "after_a_memory_change: the first start after memory changed with nothing running "
        "that computes it again (the TUI, adopt, reject, undo and dream do), by recall",
    )

    results["run"] = {"seeding_s": {k: round(v, 1) for k, v in seeding.items()}}
    return results


def main() -> int:
    """Run the suite, print the JSON, write bench/results.json."""
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="reverie-bench-") as work:
        results = run_all(Path(work))
    results["run"]["total_s"] = round(time.perf_counter() - began, 1)
    text = json.dumps(results, indent=2)
    print(text)
    RESULTS_PATH.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

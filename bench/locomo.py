"""LoCoMo: does recall surface the turns that answer a question? Each conversation is imported
(speaker_a as the user, each turn's `dia_id` as its message's external id), dreamt, every
proposal adopted; then for every question but the adversarial ones (category 5), the evidence
turns of recall's hits, in rank order, first 10 distinct, against the 10 turns a plain BM25
search over the conversation's raw turns returns."""

from __future__ import annotations

import asyncio
import json
import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

from dreamer.dream import dream
from memory_graph.memory import adoption
from memory_graph.memory.inbox import pending_ids
from memory_graph.memory.recall import recall
from memory_graph.store.session_log import SessionLog
from memory_graph.store.text import any_of, terms
from memory_graph.transcripts.importer import import_paths

LOCOMO = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "locomo"
K = 10
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "open-domain", 4: "single-hop"}


def _when(text: str) -> str:
    moment = datetime.strptime(text, "%I:%M %p on %d %B, %Y")
    return moment.isoformat(timespec="milliseconds") + "Z"


def reverie_history(conversation: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """One LoCoMo conversation in Reverie's own import format, a session per LoCoMo session."""
    lines: list[dict[str, Any]] = [{"format": "reverie", "version": 1}]
    user = conversation["speaker_a"]
    numbers = sorted(
        int(key.split("_")[1])
        for key in conversation
        if re.fullmatch(r"session_\d+", key) and conversation[key]
    )
    for number in numbers:
        started = _when(conversation[f"session_{number}_date_time"])
        messages = []
        for turn in conversation[f"session_{number}"]:
            text = str(turn.get("text", ""))
            if turn.get("blip_caption"):
                text += f" [shares a photo: {turn['blip_caption']}]"
            role = "user" if turn["speaker"] == user else "assistant"
            messages.append(
                {
                    "role": role,
                    "content": [{"type": "text", "text": text}],
                    "external_id": turn["dia_id"],
                    "created": started,
                }
            )
        lines.append(
            {
                "session": {
                    "source": "reverie",
                    "external_id": f"locomo-{name}-{number}",
                    "title": f"{user} and {conversation['speaker_b']}, session {number}",
                    "started": started,
                    "ended": started,
                    "outcome": "unknown",
                    "private": False,
                },
                "messages": messages,
            }
        )
    return lines


async def _bm25_turns(log: SessionLog, question: str) -> list[str]:
    words = terms(question)
    if not words:
        return []
    async with log.connection.execute(
        "SELECT m.external_id FROM messages_fts f JOIN messages m ON m.id = f.rowid "
        "WHERE messages_fts MATCH ? ORDER BY bm25(messages_fts) LIMIT ?",
        (any_of(words), K),
    ) as cursor:
        return [str(row[0]) for row in await cursor.fetchall()]


async def _recalled_turns(log: SessionLog, question: str) -> list[str]:
    found = await recall(log, question, k=K, budget=10**6)
    turns: list[str] = []
    for hit in found.hits:
        for evidence in hit.evidence:
            turn = evidence.message_external_id
            if turn and turn not in turns:
                turns.append(str(turn))
    return turns[:K]


async def _conversation(
    conversation: dict[str, Any], history: Path, home: Path
) -> list[tuple[int, float, float]]:
    scores: list[tuple[int, float, float]] = []
    async with await SessionLog.open(home) as log:
        await import_paths(log, [history])
        await dream(log, limit=1000)
        for proposal_id in await pending_ids(log):
            await adoption.adopt(log, proposal_id)
        for question in conversation["qa"]:
            if question["category"] not in CATEGORIES or not question.get("evidence"):
                continue
            gold = set(question["evidence"])
            ours = await _recalled_turns(log, question["question"])
            base = await _bm25_turns(log, question["question"])
            scores.append(
                (
                    question["category"],
                    len(gold & set(ours)) / len(gold),
                    len(gold & set(base)) / len(gold),
                )
            )
    return scores


def run_locomo(work: Path) -> dict[str, Any]:
    """Evidence recall@10 of recall and of the BM25 baseline, per category and overall."""
    scores: list[tuple[int, float, float]] = []
    for path in sorted(LOCOMO.glob("*.json")):
        conversation = json.loads(path.read_text())
        history = work / f"locomo-{path.stem}.jsonl"
        lines = reverie_history(conversation, path.stem)
        history.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
        scores += asyncio.run(_conversation(conversation, history, work / f"home-{path.stem}"))
    by_category: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for category, ours, base in scores:
        by_category[CATEGORIES[category]].append((ours, base))
    by_category["all"] = [(ours, base) for _, ours, base in scores]
    report: dict[str, Any] = {}
    for name, pairs in by_category.items():
        ours = sum(p[0] for p in pairs) / len(pairs)
        base = sum(p[1] for p in pairs) / len(pairs)
        report[name] = {
            "questions": len(pairs),
            "recall_at_10": round(ours, 3),
            "bm25_at_10": round(base, 3),
            "ratio": round(ours / base, 3) if base else None,
        }
    return report

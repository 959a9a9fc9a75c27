"""From observations to candidate memories: support across sessions, one per pattern.

Support counts distinct people's sessions over all of history (stored observations plus this
batch): a sub-agent's or a compaction run's session counts with the session that spawned it
(`Observation.root`), while evidence still points at the message where it was seen. A pattern
seen in fewer than `min_support` sessions is an anecdote and waits. A workflow (a
recurring request meeting the same failure) counts only the sessions whose requests recur.
A failure and the fix that resolved it (and a workflow that needed the same workaround) are
one candidate, not several that say the same thing (`together`).
What becomes of each candidate (a new memory, more support for one, a merge, a contradiction)
is `dreamer.match`'s decision.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from difflib import SequenceMatcher

from dreamer.extractors.failures import fix_fingerprint
from dreamer.extractors.llm import MODEL_PREFIX
from dreamer.extractors.signature import common_form, failure_opening, shape
from dreamer.extractors.statements import CHANGES, INSTRUCTION_LIKE, sentences
from dreamer.journal import NewProposal, Observation
from dreamer.similarity import (
    CONCEPT_WORDS,
    SAME_STATEMENT,
    SHARED_BY_RARITY,
    Rarity,
    contradicts,
    overlap,
    relation,
    share,
)
from dreamer.wording import as_memory
from memory_graph.memory.confidence import support_confidence
from memory_graph.memory.evidence import Evidence
from memory_graph.memory.vocabulary import EdgeKind, MemoryKind, ProposalOp
from memory_graph.store.content import shown_controls
from memory_graph.store.redact import redact
from memory_graph.store.text import key_words

EVIDENCE_PER_PROPOSAL = 12
BRIDGE_WORDS = 2
"""How many words a sentence shares with a sentence of another pattern to join the two."""

STATEMENT_QUOTE = 120


WORKFLOW_LINE = 40
"""A workflow's statement names its failure briefly: the failure's own proposal says it all."""


def _quote(text: str, limit: int = STATEMENT_QUOTE) -> str:
    return _cut(_shown(text), limit)


def _shown(text: str) -> str:
    """Text as a statement may show it: one line, secrets masked, controls made visible."""
    return shown_controls(redact(" ".join(text.split())))


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # At a word's end when one is near: a memory is read, and a cut word reads as a typo.
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 3 // 4 else cut).rstrip(" ,;:") + "…"


def _quote_error(line: str, limit: int = STATEMENT_QUOTE) -> str:
    """An error line as a statement quotes it: whole when it fits, else its first clause and
    as many of its last as fit. A chained error names its cause last ("Error response from
    daemon: …: bind: address already in use"), which a cut at the end would lose."""
    text = _shown(line)
    clauses = text.split(": ")
    if len(text) <= limit or len(clauses) < 3:
        return _cut(text, limit)
    kept: list[str] = []
    for clause in reversed(clauses[2:]):
        if len(": ".join([clauses[0], "…", clause, *kept])) > limit:
            break
        kept.insert(0, clause)
    return ": ".join([clauses[0], "…", *kept]) if kept else _cut(text, limit)


def _most_common(values: Iterable[str]) -> str:
    # Ties go to the alphabetically first, so the same inputs always give the same statement.
    counts = Counter(values)
    return min(counts, key=lambda value: (-counts[value], value)) if counts else ""


Wording = tuple[str, float, dict[str, object]]
"""A proposal's statement, confidence and payload."""
Made = tuple[NewProposal, list[Observation]]
"""A proposal and the observations it was made from."""


def _worded_by(items: Sequence[Observation], part: str, value: str) -> int:
    """The message a statement takes its wording from: the first whose `part` says `value`.
    Kept with the memory, so that forgetting that message re-words the memory."""
    matching = (o.message_id for o in items if str(o.detail.get(part, "")) == value)
    return next(matching, items[0].message_id)


def _error_line(items: Sequence[Observation]) -> tuple[str, int]:
    """The error line a statement quotes, true of every occurrence: the line itself when they
    all say the same, else its shape, what varies written as placeholders ("total price is N,
    but paid M"). With the message the wording is taken from (the most common line's)."""
    lines = [str(o.detail.get("line", "")) for o in items]
    raw = _most_common(lines)
    others = sorted(set(lines) - {raw})
    return (shape([raw, *others]) if others else raw), _worded_by(items, "line", raw)


def _failure(items: Sequence[Observation], support: int) -> Wording:
    """A failure: the command and its error line."""
    raw, source = _error_line(items)
    line = _quote_error(raw)
    head = _most_common(str(o.detail.get("head", "")) for o in items)
    statement = f"`{head}` fails with: {line}"
    payload: dict[str, object] = {
        "node": {
            "kind": MemoryKind.FAILURE,
            "statement": statement,
            "signature": items[0].detail.get("signature"),
            "words": sorted(key_words(statement)),
            "source_message": source,
        }
    }
    return statement, support_confidence(support), payload


def _fixed(failures: Sequence[Observation], fixes: Sequence[Observation], present: bool) -> str:
    """How a statement says what resolved a failure: "`git push` fails with '…', `git pull
    --rebase` fixes it", or "… works instead" when the failing command mostly was not run
    again (a workaround); in the past tense for a proposal, what was seen."""
    line = _quote_error(_error_line(failures)[0])
    head = _most_common(str(o.detail.get("head", "")) for o in failures)
    workarounds = sum(bool(o.detail.get("workaround")) for o in fixes)
    instead = workarounds * 2 > len(fixes)
    done = (
        ("works instead" if instead else "fixes it")
        if present
        else ("worked instead" if instead else "fixed it")
    )
    return f"`{head}` fails with {line!r}, `{_shown_command(fixes)[0]}` {done}"


def _shown_command(fixes: Sequence[Observation]) -> tuple[str, str, str]:
    """A fix's command as a statement shows it (the whole command when most sessions ran
    exactly it, else what the commands of its key say in common, word by word: "nrfutil device
    recover --serial-number …"), the command run most often, and what makes two fixes the same
    (`fix_key`)."""
    key = _most_common(str(o.detail.get("key", "")) for o in fixes)
    commands = Counter(str(o.detail.get("command", "")) for o in fixes)
    example = _most_common(commands.elements())
    if commands[example] * 2 > len(fixes):
        return _quote(example), _quote(example), key
    keyed = sorted({str(o.detail.get("command", "")) for o in fixes if o.detail.get("key") == key})
    common = common_form([example, *keyed]) if keyed else key
    # When they have too little in common to read as a command, what makes them one fix.
    shown = common if common.split(" ")[:1] == key.split(" ")[:1] else key
    return _quote(shown), _quote(example), key


def _fix(items: Sequence[Observation], support: int, failure_support: dict[str, int]) -> Wording:
    """A fix: what resolved a failure, and how often it did."""
    shown, example, key = _shown_command(items)
    failure = str(items[0].detail.get("resolves", ""))
    failed_in = max(failure_support.get(failure, support), support)
    # A fix that followed only some occurrences of its failure is less certain.
    confidence = support_confidence(support) * support / failed_in
    memory = f"When {_fixed(items, items, present=True)}."
    payload: dict[str, object] = {
        "node": {
            "kind": MemoryKind.FIX,
            "statement": memory,
            "command": shown,
            "example": example,
            "words": sorted(key_words(memory)),
            "source_message": _error_line(items)[1],
        },
        "edges": [edge(EdgeKind.RESOLVED_BY, failure, items[0].group)],
        "key": key,
    }
    return f"When {_fixed(items, items, present=False)}.", confidence, payload


def _statement(kind: MemoryKind, items: Sequence[Observation], support: int) -> Wording:
    """A preference or fact in the user's own words: the sentence most like the others (the
    model's wording only when no sentence of the user's is among them)."""
    quoted = [o for o in items if o.detail.get("how") != "model"]
    if not quoted:
        return _model_pattern(kind, items, support)
    words = [frozenset(o.detail.get("words", ())) for o in quoted]
    # How like the others each sentence is; a sentence said again and again (a turn a script
    # sends every time) is compared once, not once per pair of its repetitions.
    wordings = Counter(words)
    likeness = {
        wording: sum(overlap(wording, other) * count for other, count in wordings.items())
        for wording in wordings
    }
    # What the pattern is about: the words most of its sentences share.
    about = (
        frozenset(
            word
            for word, count in Counter(w for ws in words for w in ws).items()
            if count * 2 >= len(words)
        )
        or words[0]
    )
    memories = [as_memory(str(o.detail.get("sentence", "")), about) for o in quoted]
    # The clearest: a sentence that states it rather than one that corrects a reply ("too
    # long", "UPPERCASE again" say what is wrong, not what is wanted), most like the others,
    # then the fewest words, so a sentence that also talks of something else loses to one that
    # says just this.
    best = max(
        range(len(quoted)),
        key=lambda i: (
            quoted[i].detail.get("how") != "correction",
            likeness[words[i]],
            -len(memories[i].split()),
            -i,
        ),
    )
    quote = memories[best]
    node = {"kind": kind, "statement": quote, "source_message": quoted[best].message_id}
    payload: dict[str, object] = {"node": {**node, **_described(quoted)}}
    corrections = {o.root for o in items if o.detail.get("how") == "correction"}
    how = " (correcting a reply)" if corrections else ""
    statement = f'The user said in {support} sessions{how}: "{quote}"'
    return statement, support_confidence(support), payload


def _described(items: Sequence[Observation]) -> dict[str, object]:
    """How a statement pattern is compared with later ones once it is memory: its words, the
    words it rejects, what a fact is about, what it says of it and whose it is (from its first
    sentence): a fact about a project is not standing memory."""
    first = items[0].detail
    parts = ("words", "negated", "attribute", "value", "subject", CHANGES)
    return {part: first[part] for part in parts if part in first}


MODEL_TRUST = 0.8
"""A pattern only the model saw is less certain than one the extractors read in plain words."""


def _model_pattern(kind: MemoryKind, items: Sequence[Observation], support: int) -> Wording:
    """A pattern only the model found, in its words (the one most of its mentions used)."""
    raw = _most_common(str(o.detail.get("sentence", "")) for o in items)
    quote = _quote(raw)
    node = {
        "kind": kind,
        "statement": quote,
        "words": sorted(key_words(quote)),
        "source_message": _worded_by(items, "sentence", raw),
    }
    payload: dict[str, object] = {"node": node, "found_by": "model"}
    statement = f"Found by the model in {support} sessions: {quote}"
    return statement, support_confidence(support) * MODEL_TRUST, payload


def edge(kind: EdgeKind, source: str, target: str) -> dict[str, object]:
    """An edge between two patterns (by fingerprint) for the graph to add when both are nodes."""
    return {"kind": kind, "from": source, "to": target}


def recurring_requests(items: Sequence[Observation]) -> list[Observation]:
    """The workflow observations whose requests recur: those that share a word with more than
    half of the sessions (and at least two). Empty when no session needed a workaround: a
    failure that was repaired and retried is told by its failure and fix proposals."""
    if not any(o.detail.get("outcome") == "workaround" for o in items):
        return []
    per_session = {o.root: frozenset(o.detail.get("words", ())) for o in items}
    counts = Counter(word for words in per_session.values() for word in words)
    recurring = {w for w, n in counts.items() if n >= 2 and n * 2 > len(per_session)}
    return [o for o in items if recurring & per_session[o.root]]


def _workflow(items: Sequence[Observation], support: int) -> Wording:
    """A recurring request, the failure it meets and what was done instead."""
    per_session = {o.root: frozenset(o.detail.get("words", ())) for o in items}
    counts = Counter(word for words in per_session.values() for word in words)
    recurring = sorted(w for w, n in counts.items() if n * 2 > len(per_session))
    request, asked_in = _request_sentence(items, frozenset(recurring))
    line = _quote_error(_error_line(items)[0], WORKFLOW_LINE)
    head = _most_common(str(o.detail.get("head", "")) for o in items)
    workarounds = [str(o.detail["workaround"]) for o in items if o.detail.get("workaround")]
    workaround = _most_common(workarounds)
    done = len({o.root for o in items if o.detail.get("workaround") == workaround})
    statement = (
        f'Requests like "{request}" ({support} sessions) fail first (`{head}`: {line}); '
        f"`{workaround}` worked instead in {done}."
    )
    memory = (
        f'Requests like "{request}" fail first (`{head}`: {line}); `{workaround}` works instead.'
    )
    payload: dict[str, object] = {
        "node": {
            "kind": MemoryKind.WORKFLOW,
            "statement": memory,
            "request": request,
            "words": recurring,
            "source_message": asked_in,
        },
        "edges": [edge(EdgeKind.ABOUT, items[0].group, str(items[0].detail.get("failure", "")))],
        "workaround": workaround,
    }
    return statement, support_confidence(support) * done / support, payload


def _request_sentence(items: Sequence[Observation], recurring: frozenset[str]) -> tuple[str, int]:
    """The sentence of the requests that holds the most recurring words, the shortest on ties,
    and the message it was asked in."""
    options = [
        (sentence, o.message_id)
        for o in items
        for sentence, _, _ in sentences(str(o.detail.get("request", "")))
        if key_words(sentence) & recurring
    ]
    best, asked_in = min(
        options,
        key=lambda o: (-len(key_words(o[0]) & recurring), len(o[0]), o[0]),
        default=("", items[0].message_id),
    )
    return _quote(best), asked_in


def _index_words(observation: Observation) -> frozenset[str]:
    return frozenset(observation.detail.get("words", ()))


def grouped_by_wording(observation: Observation) -> bool:
    """Whether an observation joins others that say the same thing in other words: sentences
    the user wrote and patterns the model wrote, not failures named by their signature."""
    return observation.kind.stated or observation.fingerprint.startswith(MODEL_PREFIX)


def assign_patterns(
    new: Sequence[Observation], known_leaders: Sequence[Observation]
) -> list[Observation]:
    """`new` with their patterns set. Failures and fixes are their own pattern; a sentence
    (preference, fact) joins the pattern of the first earlier one that says the same thing in
    other words, or leads a pattern of its own; and a sentence that says the same as sentences
    of several patterns new in this batch joins them into one ("too long" is "keep it brief"
    and "short answers, please"). Candidates come from a word index, so the cost follows the
    new sentences, not the number of patterns already known."""
    new = _failures_worded_otherwise(new, [o for o in known_leaders if _is_failure(o)])
    known_leaders = [o for o in known_leaders if grouped_by_wording(o)]
    grouped = [o for o in new if grouped_by_wording(o)]
    # How rare a word is among everything the person stated, the new sentences included.
    rarity = Rarity(_index_words(o) for o in (*known_leaders, *grouped))
    leaders = _Leaders(rarity)
    known = {leader.group for leader in known_leaders}
    for leader in sorted(known_leaders, key=lambda o: (o.message_id, o.fingerprint)):
        leaders.add(leader)
    merged: dict[str, str] = {}  # a new pattern and the earlier pattern it joined

    def joined(pattern: str) -> str:
        while pattern in merged:
            pattern = merged[pattern]
        return pattern

    assigned: list[Observation] = []
    for observation in sorted(new, key=lambda o: (o.message_id, o.fingerprint)):
        if not grouped_by_wording(observation):
            assigned.append(replace(observation, pattern=observation.group))
            continue
        # A later sentence that takes an earlier one back is a change of mind, never more
        # support for what it takes back (`contradicts`).
        same = [
            match
            for match in leaders.all_same(observation)
            if not contradicts(observation.detail, match.detail)
        ]
        matches = [joined(match.group) for match in same]
        # A stored pattern first: what this batch says again joins what was said before.
        pattern = next((m for m in matches if m in known), matches[0] if matches else "")
        pattern = pattern or observation.fingerprint
        words = _index_words(observation)
        for match, other in zip(same, matches, strict=True):
            # Only a sentence that holds much of each joins two patterns: "please proceed"
            # says the same as "proceed with the booking" and "proceed with the change", which
            # say different things. A concept on a scale is much ("too long" is "keep it
            # short").
            strong = len(words & _index_words(match)) >= BRIDGE_WORDS or words & CONCEPT_WORDS
            if other != pattern and other not in known and strong:
                merged[other] = pattern  # a stored pattern keeps its name
        observation = replace(observation, pattern=pattern)
        # Every sentence of a pattern, not only its first, is one a later sentence may say the
        # same as: "no floating tags" joins "pin the image, never :latest" through "floating
        # tags are banned, pin a version".
        leaders.add(observation)
        assigned.append(observation)
    return [replace(o, pattern=joined(o.group)) if o.group in merged else o for o in assigned]


SAME_FAILURE = 0.85
"""Two error lines are one failure when this share of their words, in order, is the same
(`difflib`'s ratio over the signatures' words): "repository is already locked by PID <n>" and
"repository is already locked exclusively by PID <n>"; whichever command met it (`west flash`
and `nrfutil device read` stopped by one "Access protection is enabled")."""
SAME_FAILURE_WORDS = 6
"""A line shorter than this is compared exactly, and with its command: in a short line one word
is the error, and "exit status 1" of `make` is not of `pytest`."""


def _is_failure(observation: Observation) -> bool:
    return observation.kind == MemoryKind.FAILURE and not observation.fingerprint.startswith(
        MODEL_PREFIX
    )


def _failures_worded_otherwise(
    new: Sequence[Observation], known: Sequence[Observation]
) -> list[Observation]:
    """`new` with each failure whose error line differs from an earlier one's by a word or two
    joined to that one's pattern, and the fixes and workflows of the failures that joined
    pointed at the pattern they joined. A signature seen before keeps its pattern."""
    by_opening: dict[str, list[tuple[list[str], str]]] = defaultdict(list)
    leading: dict[str, str] = {}  # a pattern and the signature of its first failure
    joined: dict[str, tuple[str, str]] = {}  # a failure that joined: (its pattern, signature)

    def index(observation: Observation) -> None:
        signature = str(observation.detail.get("signature", ""))
        leading.setdefault(observation.group, signature)
        words = signature.partition(": ")[2].split()
        if len(words) >= SAME_FAILURE_WORDS:
            by_opening[failure_opening(signature)].append((words, observation.group))

    for leader in known:
        index(leader)
    kept: list[Observation] = []
    for observation in sorted(new, key=lambda o: (o.message_id, o.fingerprint)):
        if not _is_failure(observation) or observation.group in leading:
            kept.append(observation)
            continue
        if observation.fingerprint not in joined:
            signature = str(observation.detail.get("signature", ""))
            words = signature.partition(": ")[2].split()
            pattern = next(
                (
                    pattern
                    for other, pattern in by_opening[failure_opening(signature)]
                    if len(words) >= SAME_FAILURE_WORDS
                    and SequenceMatcher(None, words, other, autojunk=False).ratio() >= SAME_FAILURE
                ),
                None,
            )
            if pattern is not None:
                joined[observation.fingerprint] = (pattern, leading[pattern])
        if observation.fingerprint in joined:
            observation = replace(observation, pattern=joined[observation.fingerprint][0])
        # A line a later one may be worded like, whichever pattern it is of.
        index(observation)
        kept.append(observation)
    return [_pointed(o, joined) for o in kept] if joined else kept


def _pointed(observation: Observation, joined: dict[str, tuple[str, str]]) -> Observation:
    """A fix or workflow of a failure that joined another pattern, pointed at that pattern."""
    part = "resolves" if observation.kind == MemoryKind.FIX else "failure"
    failure = str(observation.detail.get(part, ""))
    if observation.kind not in (MemoryKind.FIX, MemoryKind.WORKFLOW) or failure not in joined:
        return observation
    pattern, signature = joined[failure]
    detail = {**observation.detail, part: pattern}
    if observation.kind == MemoryKind.FIX:
        fix = fix_fingerprint(signature, str(observation.detail.get("key", "")))
        return replace(observation, detail=detail, pattern=fix)
    return replace(observation, detail=detail)


class _Leaders:
    """The leaders of patterns, by kind, by what they are indexed by (their words, or a fact's
    subject), by how many words that is, and by word.

    A new sentence of n words and a leader of m say the same thing only if they share at least
    k words (n and m decide k: `_least_shared`), so such a leader holds one of any n - k + 1 of
    the sentence's words, and only the rarest are looked up. A word most leaders hold (many
    sentences about one thing) is then seldom read, and a sentence costs about the same however
    many came before it."""

    def __init__(self, rarity: Rarity) -> None:
        self._rarity = rarity
        self._postings: dict[tuple[str, bool, int, str], list[Observation]] = defaultdict(list)
        self._sizes: dict[tuple[str, bool], set[int]] = defaultdict(set)

    def add(self, leader: Observation) -> None:
        """Index a pattern's first observation."""
        words = _index_words(leader)
        part = (leader.kind, _by_subject(leader))
        for word in words:
            self._postings[(*part, len(words), word)].append(leader)
        if words:
            self._sizes[part].add(len(words))

    def all_same(self, observation: Observation) -> list[Observation]:
        """The indexed sentences that say the same as `observation`, earliest first."""
        words = _index_words(observation)
        if not words:
            return []  # nothing to say the same thing with
        candidates: dict[int, Observation] = {}
        for by_subject in (False, True):
            part = (observation.kind, by_subject)
            for size in self._sizes.get(part, ()):
                postings = sorted(
                    (self._postings.get((*part, size, w), []) for w in words), key=len
                )
                if not by_subject and not _by_subject(observation):
                    # Two sentences share at least this many words to say the same thing, so
                    # its rarest words suffice to find them (or a concept on a scale: it is
                    # looked up too). Two facts may agree on a value alone, a word or two of
                    # many: every word is looked up.
                    least = min(_least_shared(len(words), size), SHARED_BY_RARITY)
                    postings = postings[: len(words) - least + 1] + [
                        self._postings.get((*part, size, w), []) for w in words & CONCEPT_WORDS
                    ]
                candidates.update(
                    (id(leader), leader) for posting in postings for leader in posting
                )
        ordered = sorted(candidates.values(), key=lambda o: (o.message_id, o.fingerprint))
        return [leader for leader in ordered if self._same_statement(observation, leader)]

    def _same_statement(self, one: Observation, other: Observation) -> bool:
        return one.kind == other.kind and relation(one.detail, other.detail, self._rarity) == "same"


def _by_subject(observation: Observation) -> bool:
    return "attribute" in observation.detail


def _least_shared(size: int, other_size: int) -> int:
    """The fewest words two sets of these sizes must share to say the same thing."""
    return next(
        shared
        for shared in range(1, min(size, other_size) + 1)
        if share(shared, size, other_size) >= SAME_STATEMENT
    )


def consolidate(observations: Sequence[Observation], min_support: int) -> list[NewProposal]:
    """A new memory for each pattern these observations (new and historical) support; matching
    against the graph and the inbox (`dreamer.match`) decides what is finally proposed."""
    groups: dict[str, dict[int, Observation]] = defaultdict(dict)
    for observation in observations:
        groups[observation.group].setdefault(observation.message_id, observation)
    failure_support = {
        fingerprint: len({o.root for o in items.values()})
        for fingerprint, items in groups.items()
        if next(iter(items.values())).kind == MemoryKind.FAILURE
    }
    made: list[Made] = []
    for fingerprint in sorted(groups):
        items = sorted(groups[fingerprint].values(), key=lambda o: (o.session_id, o.message_id))
        kind = items[0].kind
        if kind.derived:
            continue  # never proposed: adoption links a memory to the entities it mentions
        if kind == MemoryKind.WORKFLOW and not fingerprint.startswith(MODEL_PREFIX):
            items = recurring_requests(items)
        support = len({o.root for o in items})
        if support < min_support:
            continue
        first_per_session = {o.session_id: o for o in reversed(items)}
        evidence = [
            Evidence(o.session_id, o.message_id, o.span)
            for o in sorted(first_per_session.values(), key=lambda o: o.session_id)
        ][:EVIDENCE_PER_PROPOSAL]
        if kind.stated:
            statement, confidence, payload = _statement(kind, items, support)
        elif fingerprint.startswith(MODEL_PREFIX):
            statement, confidence, payload = _model_pattern(kind, items, support)
        elif kind == MemoryKind.FAILURE:
            statement, confidence, payload = _failure(items, support)
        elif kind == MemoryKind.WORKFLOW:
            statement, confidence, payload = _workflow(items, support)
        else:
            statement, confidence, payload = _fix(items, support, failure_support)
        if any(o.detail.get(INSTRUCTION_LIKE) for o in items):
            # The person's words, never dropped: the person judges them, warned.
            payload = {**payload, "flag": INSTRUCTION_FLAG}
        proposal = NewProposal(
            op=ProposalOp.ADD_NODE,
            kind=kind,
            statement=statement,
            confidence=round(confidence, 3),
            support=support,
            fingerprint=fingerprint,
            evidence=evidence,
            payload=payload,
        )
        made.append((proposal, items))
    return together(made)


def together(made: Sequence[Made]) -> list[NewProposal]:
    """The proposals, each failure with its fix as one: the fix that resolved it in the most
    sessions, and the workflow of the recurring request that met it when the same workaround
    served that request (its request is all it adds). Its parts stay with it, for
    `dreamer.match` to propose on their own when they cannot go together (the failure is
    memory already). A failure without a fix is a proposal of its own, as is a second fix or a
    workflow with another workaround."""
    fixes: dict[str, list[Made]] = defaultdict(list)
    workflows: dict[str, Made] = {}
    for proposal, items in made:
        if proposal.kind == MemoryKind.FIX and "key" in proposal.payload:
            fixes[str(items[0].detail.get("resolves", ""))].append((proposal, items))
        elif proposal.kind == MemoryKind.WORKFLOW and "workaround" in proposal.payload:
            workflows[str(items[0].detail.get("failure", ""))] = (proposal, items)
    joined: dict[str, NewProposal] = {}
    for failure in made:
        proposal = failure[0]
        if proposal.kind != MemoryKind.FAILURE or proposal.fingerprint not in fixes:
            continue
        fix = max(
            fixes[proposal.fingerprint],
            key=lambda f: (f[0].support, f[0].confidence, f[0].fingerprint),
        )
        workflow = workflows.get(proposal.fingerprint)
        if workflow is not None and workflow[0].payload["workaround"] != fix[0].payload["key"]:
            workflow = None
        joined[proposal.fingerprint] = _joined(failure, fix, workflow)
    carried = {part.fingerprint for proposal in joined.values() for part in proposal.parts[1:]}
    return [
        joined.get(proposal.fingerprint, proposal)
        for proposal, _ in made
        if proposal.fingerprint not in carried
    ]


def _joined(failure: Made, fix: Made, workflow: Made | None) -> NewProposal:
    """One proposal of a failure, its fix and maybe a workflow: the failure's node, the others
    as nodes it adds `also` (each with its support and the messages of its evidence), their
    edges, the evidence of all."""
    parts = [failure[0], fix[0], *([workflow[0]] if workflow else [])]
    said = _fixed(failure[1], fix[1], present=False)
    failed, resolved = failure[0].support, fix[0].support
    share = "" if resolved == failed else f" in {resolved} of {failed} sessions"
    statement = f"When {said}{share}."
    if workflow is not None:
        request = workflow[0].payload["node"]["request"]
        statement = f'Requests like "{request}" fail first: when {said}{share}.'
    payload: dict[str, object] = {
        "node": failure[0].payload["node"],
        "also": [
            {
                "pattern": part.fingerprint,
                "support": part.support,
                "messages": [link.message_id for link in part.evidence],
                "node": part.payload["node"],
            }
            for part in parts[1:]
        ],
        "edges": [link for part in parts[1:] for link in part.payload["edges"]],
    }
    if any(part.payload.get("flag") for part in parts):
        payload["flag"] = INSTRUCTION_FLAG
    return replace(
        failure[0],
        statement=statement,
        confidence=min(part.confidence for part in parts),
        evidence=[link for part in parts for link in part.evidence],
        payload=payload,
        parts=tuple(parts),
    )


INSTRUCTION_FLAG = "reads like an instruction to the model"
"""What the inbox says of a proposal some of whose words read like a prompt injection."""

"""What the user says about how they want things done: corrections of the previous reply
("no, don't …", "I said …", "actually …"), stated preferences ("I prefer …", "always/never …",
"from now on …") and facts about themselves ("my X is Y", "remember …").

Only the person's own turns are read (their head and tail, without the harness's reminders in
them: `dreamer.observation`), sentence by sentence. A turn that
reads like an instruction to the model (`memory_graph.store.injection`) is still heard, since the
person may be changing their mind in those words, but its observations carry `instruction_like`,
and the inbox says so. Each sentence becomes an observation keyed by its content words;
consolidation groups sentences that say the same thing.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace

from dreamer.journal import Observation
from dreamer.observation import SessionView, is_person, person_words
from memory_graph.memory.vocabulary import FactSubject, MemoryKind
from memory_graph.store.content import capped
from memory_graph.store.injection import reads_like_injection
from memory_graph.store.records import Message
from memory_graph.store.redact import redact
from memory_graph.store.synonyms import concepts
from memory_graph.store.text import key_words

VERSION = "statements-8"
_BOUNDARY = re.compile(r"[.!?;](?=\s|$)|\n")
"""A stop inside a file name (cv.md) or a version (3.13) ends no sentence."""
_CORRECTION = re.compile(
    r"(?i)^\s*(?:(?:and|but|also|oh|ok|okay|hmm|so),?\s+)?"
    r"(?:no\b|nope\b|don'?t\b|do not\b|i said\b|instead\b|stop\b|actually\b|again\b|"
    r"please (?:don'?t|do not|use|stop)\b|not like that\b|wrong\b|quit\b|enough\b|"
    r"(?:drop|lose|ditch|remove|skip|avoid|omit)\b|"
    # Exasperation at the reply: "ugh, tabs again", "way too long", "sigh."
    r"(?:ugh|argh|sigh|meh|come on)\b[,!.]?|"
    r"(?:(?:way|much|far|a bit|a little|bit) )?too (?:long|verbose|wordy|chatty|short|terse|"
    r"much \w+|many \w+)\b)"
)
_PREFERENCE = re.compile(
    r"(?i)\b(?:"
    # Wanting one thing over another, in the first person.
    # "I'd like to change my booking" and "I want to cancel" ask for something once: requests.
    r"i(?: really| much| strongly| generally| usually| always)? (?:prefer|favou?r|like|love|hate|"
    r"can'?t stand|(?:want|wish)(?! to\b))|i'?d (?:rather|prefer|like(?! to\b))|"
    r"i would (?:rather|prefer|like(?! to\b))|"
    r"rather than|instead of|"
    # How it should always be done.
    r"i (?:always|never)|(?:always|never) (?:\w+)|from now on|going forward|in (?:the )?future|"
    r"every time|whenever|by default|as a rule|any ?more|no more|no longer|"
    r"(?:please |kindly )?(?:don'?t|do not|never|stop|quit|avoid) (?:ever )?(?:\w+ing|use|add|"
    r"put|write|include|leave|make|give|call|run|touch|change|mention|apologi[sz]e)\b|"
    # ("let's go with option 1" and "switch to economy" choose once: no cue.)
    r"stick (?:to|with)|default to|"
    r"(?:our|my|the) (?:convention|style|rule|standard|preference)s? (?:is|are)|"
    r"(?:our|my|the|team'?s) (?:style ?guide|house style|guidelines?|conventions?)\b|"
    # How it is done here, every time: "like the rest of the repo", "the usual drill".
    r"like (?:the rest of|everything else|everywhere else|always)|as (?:usual|always)|"
    r"the usual (?:\w+)|(?:usual|same|standard|normal|regular) (?:[\w-]+ )?(?:drill|routine|"
    r"checklist|procedure|process|steps)|checklist|before (?:any|every|each) \w+|"
    # What may not be used at all, and what alone may.
    r"(?:is|are) (?:banned|forbidden|not allowed|off[- ]limits|a no-go)|"
    r"\w+ only(?=(?: please| pls| plz)?\s*[,.;:!)]|\s*$|"
    r" (?:in|on|for|across) (?:this|the|our|my|every|all)\b)|only ever|"
    r"everything (?:goes|runs|should go|must go|has to go) (?:through|via)|next time|"
    r"keep (?:it|them|things|answers|replies|responses|code|functions|lines) \w+|"
    # "tabs, not spaces"; "use X, not Y"
    r"(?:use|want) \w+,? not \w+|\w+, not \w+"
    r")\b"
)
_LEAD_IN = (
    r"(?:(?:remember|reminder|note|fyi|btw|by the way|also|oh|just so you know|for the record)"
    r"(?: that)?[,:]?\s+)?"
)
_NOT_A_NAME = (
    r"(?!(?:it|this|that|there|here|he|she|they|we|i|you|which|what|who|everything|then|and|"
    r"so|also|just|now|first|next|please|rename|set|change|replace|make|add|use|let|put|move|"
    r"try)\b)"
)
"""What a fact's subject is not: a pronoun stands for something said before, not a name; a verb
starts an instruction ("rename a -> b", "set retries = 3")."""
_NOT_A_STATE = (
    r"(?!(?:forever|fine|well|ok|okay|again|now|fast|slow|slowly|smoothly|correctly|main|"
    r"master|the (?:branch|main))\b)"
)
"""What a running or sitting thing's value is not: how it runs ("runs fine", "runs forever"),
or a branch ("the fix is on main")."""
_NAME = r"[\w.+#/-]+(?: [\w.+#/-]+)?"
_FACT_FORMS: tuple[tuple[re.Pattern[str], FactSubject], ...] = (
    # my editor is Helix; remember that my timezone is CET
    (
        re.compile(
            rf"(?i)^\s*{_LEAD_IN}my (?P<attribute>[\w ]{{2,30}}?) (?:is|are) (?P<value>[^,;]+)"
        ),
        FactSubject.PERSON,
    ),
    # Helix is my editor; Ines's my accountant
    (
        re.compile(
            rf"(?i)^\s*{_NOT_A_NAME}(?P<value>{_NAME})(?: is| are|'s) my "
            r"(?P<attribute>[\w ]{2,30}?)"
            r"(?: (?:on|for|in) (?:everything|all|most)\b[^,;]*)?(?=[,;]|$| so\b)"
        ),
        FactSubject.PERSON,
    ),
    # Ines does my taxes; Tomas reviews all my merge requests
    (
        re.compile(
            rf"^\s*{_LEAD_IN}(?i:{_NOT_A_NAME})(?P<value>[A-Z][\w'-]+(?: [A-Z][\w'-]+)?) "
            r"(?P<action>[a-z]+s(?: off| up| out| over| on)?) "
            r"(?:(?:all|every|each|most)(?: of)? )?my (?P<attribute>[\w ]{2,30}?)(?=[,;]|$| so\b)"
        ),
        FactSubject.PERSON,
    ),
    # ping my accountant (Ines Duarte) about it
    (
        re.compile(
            r"(?i)^.*?\bmy (?P<attribute>[\w ]{2,30}?) "
            r"\((?-i:(?P<value>[A-Z][\w.' -]{1,40}))\)"
        ),
        FactSubject.PERSON,
    ),
    # I edit in Helix; I live in Porto; I work at Acme; I'm based in Oslo
    (
        re.compile(
            rf"(?i)^\s*{_LEAD_IN}(?:i|i'm|i am) (?:\w+ly )?"
            r"(?P<verb>edit|code|write|program|develop|live|work|based|located) "
            r"(?:in|at|on|with|for) (?P<value>[^,;]+)"
        ),
        FactSubject.PERSON,
    ),
    # I use Helix as my editor
    (
        re.compile(
            rf"(?i)^\s*{_LEAD_IN}i use (?P<value>[^,;]+?) (?:as|for) (?:my )?"
            r"(?P<attribute>[\w ]{2,30})$"
        ),
        FactSubject.PERSON,
    ),
    # our staging cluster is k3s; we deploy to Fly.io for staging; we run ClickHouse in prod
    (
        re.compile(
            rf"(?i)^\s*{_LEAD_IN}(?:our (?P<attribute>[\w ]{{2,30}}?) (?:is|are) (?P<value>[^,;]+)"
            r"|we (?:\w+ly )?(?:use|run|deploy to|host on|are on) (?P<used>[^,;]+?) "
            r"(?:in|for|on|as) (?P<purpose>\w+(?: (?!and\b|or\b|but\b)\w+)?)\b)"
        ),
        FactSubject.PROJECT,
    ),
    # Noor (our release manager) signs the builds
    (
        re.compile(
            r"^.*?(?P<value>\b[A-Z][\w'-]+(?: [A-Z][\w'-]+)?) \((?:our|my) "
            r"(?P<attribute>[\w ]{2,30}?)\)"
        ),
        FactSubject.PERSON,
    ),
    # the build box = nixos; prod -> eu-west-1
    (
        re.compile(
            rf"(?i)^\s*{_LEAD_IN}(?:the |our )?{_NOT_A_NAME}(?P<attribute>[\w .'-]{{2,30}}?)\s*"
            r"(?:=|->|\u2192)\s*(?P<value>[^,;(]+)"
        ),
        FactSubject.PROJECT,
    ),
    # the media box (atlas) runs Proxmox 8; vault is on ZFS; the cameras sit on VLAN 40
    (
        re.compile(
            rf"(?i)^\s*{_LEAD_IN}(?:the |our |my |this )?{_NOT_A_NAME}"
            r"(?P<attribute>[\w.' ()/-]{2,40}?) (?P<verb>runs(?: on)?|is on|is running|"
            r"sits (?:in|on)|lives (?:in|on)|is hosted (?:on|at|in)) "
            rf"{_NOT_A_STATE}(?P<value>[^,;]+)"
        ),
        FactSubject.PROJECT,
    ),
    (
        re.compile(
            rf"(?i)^\s*{_LEAD_IN}(?:all (?:of )?the |the |our |both (?:of )?(?:the |our )?)"
            r"(?P<attribute>[\w.' ()/-]{2,40}?) (?P<verb>run(?: on)?|are on|are running|"
            r"sit (?:in|on)|live (?:in|on)|are hosted (?:on|at|in)) "
            rf"{_NOT_A_STATE}(?P<value>[^,;]+)"
        ),
        FactSubject.PROJECT,
    ),
    # this repo uses pnpm; our project targets Python 3.12; the app's database is Postgres
    (
        re.compile(
            r"(?i)^\s*(?:this|our|the) (?:project|repo|repository|codebase|app|service|monorepo)"
            r"(?:'s (?P<attribute>[\w ]{2,30}?) (?:is|are)| (?P<verb>uses|targets|runs on|"
            r"deploys to|is written in|is built with)) (?P<value>[^,;]+)"
        ),
        FactSubject.PROJECT,
    ),
)
_NEGATION = re.compile(
    r"(?i)\b(?:no|not|never|don'?t|do not|stop|avoid|without|instead of|rather than|over|"
    r"drop|lose|ditch|remove|skip|omit|quit|get rid of|less|fewer|anymore|any more|"
    r"spare me|cut(?: out)?|leave out|enough with|enough of|forget)\b"
)
_PROHIBITED = re.compile(
    r"(?i)\b(?:is|are)(?: strictly| totally)? (?:banned|forbidden|not allowed|off[- ]limits|"
    r"a no-go)\b"
)
"""What is named before it is not wanted: "force pushes are banned"."""
_NO_LONGER = re.compile(r"(?i)\b(?:no longer|not any ?more)\b\s*[.!]*$|\bno longer\b")
"""A negation that follows what it rejects: "eslint no longer", "tabs not anymore"."""
_COMPARED = re.compile(r"(?i)\b(?:rather|prefer\w*|better|more)\b.*?\bthan\b")
"""One thing wanted over another: what follows "than" is what is not wanted ("I'd rather have
httpx than requests")."""
_CLAUSE = re.compile(r"[,;()\u2013\u2014]|:(?=\s|$)|\s-\s|\b(?:but|and)\b", re.I)
"""Where a negation's reach ends: punctuation between clauses (dashes and brackets too: "no
subqueries please — pull each step into a CTE" rejects the subqueries, not the CTE); a colon
only before a space ("never run :latest" rejects latest)."""
_COMPLAINT = re.compile(
    r"(?i)^\s*(?:ugh|argh|sigh|meh|come on)\b"
    r"|^\s*(?!(?:use|do|try|run|make|write|go|give|put|add)\b)[\w()-]+(?: [\w()-]+)? again\b"
)
"""A complaint about the reply: exasperation first, or a thing or two and "again" ("printk
again", "UPPERCASE keywords again"), not an instruction ("use tabs again")."""
_INTERJECTION = re.compile(r"(?i)^\s*(?:no|nope)\s*[,!.]\s*")
"""A leading "no," marks a correction; it negates nothing that follows."""
_ABBREVIATIONS = ("dr", "mr", "mrs", "ms", "st", "prof", "e.g", "i.e", "vs")
_ABBREVIATION_BEFORE = re.compile(
    rf"(?i)\b(?:{'|'.join(re.escape(word) for word in _ABBREVIATIONS)})\Z"
)
_ABBREVIATION_REACH = max(len(word) for word in _ABBREVIATIONS)
"""How far before a full stop an abbreviation can start: the check looks no further back, so
splitting a text costs the same at every stop."""


_CHANGE = re.compile(
    r"(?i)\b(?:now|these days|nowadays|any ?more|no longer|from now on|going forward|"
    r"switched (?:over )?to|moved (?:over )?to|changed to|instead)\b"
)
"""Words of a change of mind: a statement with them replaces what it contradicts."""
CHANGES = "changes"
"""An observation's detail key: its sentence says the person changed their mind."""

INSTRUCTION_LIKE = "instruction_like"
"""An observation's detail key: the person's words read like an instruction to the model."""


def flagged(observation: Observation) -> Observation:
    """The observation marked as coming from words that read like an instruction to the model."""
    return replace(observation, detail={**observation.detail, INSTRUCTION_LIKE: True})


def negated_words(sentence: str) -> frozenset[str]:
    """The content words a sentence rejects: those after a negation in their clause ("no em
    dashes", "use pnpm, not npm", "I prefer pnpm over npm"); and a concept on a scale the
    sentence points away from ("detailed answers", "UPPERCASE again") but not one it points to
    by rejecting the other end ("skip the essay", "no caps")."""
    negated: set[str] = set()
    pointing: Counter[str] = Counter()
    # A complaint names what is wrong: "ugh, UPPERCASE keywords again" wants them lowercase.
    complaint = -1 if _COMPLAINT.search(sentence) else 1
    for clause in _CLAUSE.split(_INTERJECTION.sub("", sentence)):
        negation = _COMPARED.search(clause) or _NEGATION.search(clause)
        scope = negation.end() if negation else len(clause)
        negated |= key_words(clause[scope:])
        # What comes before "is banned", "no longer", "anymore": "eslint no longer".
        after = _PROHIBITED.search(clause) or _NO_LONGER.search(clause)
        if after:
            negated |= key_words(clause[: after.start()])
        for concept in concepts(clause):
            sign = -concept.sign if concept.start >= scope else concept.sign
            # What a complaint names is what is wrong; "too long" says so itself.
            flipped = complaint if not concept.complaint else 1
            pointing[concept.name] += sign * flipped
    for name, direction in pointing.items():
        (stem,) = key_words(name)
        if direction < 0:
            negated.add(stem)
        elif direction > 0:
            negated.discard(stem)
    return frozenset(negated)


def sentences(text: str) -> Iterator[tuple[str, int, int]]:
    """Sentences with their spans; a full stop after an abbreviation (Dr. Silva) ends none."""
    start = 0
    for match in _BOUNDARY.finditer(text):
        stop = match.start()
        # `\b` still sees the character before `pos`: the "prof" of "xprof." is no word.
        before = max(0, stop - _ABBREVIATION_REACH)
        if match.group() == "." and _ABBREVIATION_BEFORE.search(text, before, stop):
            continue
        yield from _trimmed(text, start, stop)
        start = match.end()
    yield from _trimmed(text, start, len(text))


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    piece = text[start:end]
    sentence = piece.strip()
    if sentence:
        offset = start + piece.index(sentence)
        yield sentence, offset, offset + len(sentence)


_VERB_ATTRIBUTES = {
    "edit": "editor",
    "code": "language",
    "program": "language",
    "develop": "language",
    "write": "language",
    "live": "home location",
    "based": "home location",
    "located": "home location",
    "work": "workplace",
    "uses": "tool",
    "targets": "target",
    "runs on": "platform",
    "deploys to": "deployment",
    "is written in": "language",
    "is built with": "framework",
}
"""What a fact said with a verb is about, in the words a person would use for it: "I edit in
Helix" and "my editor is Helix" are one fact."""


@dataclass(frozen=True)
class Fact:
    """What a fact is about (`attribute`), what it says of it (`value`), and whose it is."""

    attribute: str
    value: str
    subject: FactSubject


def fact_in(sentence: str) -> Fact | None:
    """The fact a sentence states, in any of the forms people state facts in, or None."""
    for form, subject in _FACT_FORMS:
        found = form.match(sentence)
        if found is None:
            continue
        parts = found.groupdict()
        attribute = (
            parts.get("attribute")
            or parts.get("purpose")
            or _VERB_ATTRIBUTES.get(str(parts.get("verb") or "").lower(), "")
        )
        if attribute and parts.get("action"):
            attribute = f"{parts['action']} {attribute}"  # who does what for the person
        value = str(parts.get("value") or parts.get("used") or "").strip().rstrip(".!")
        if attribute and value:
            return Fact(attribute.strip(), value, subject)
    return None


QUALITIES = frozenset(("brevity", "lowercase"))
"""The scales whose words name how a reply should be, not a thing to do."""
SCALE_SENTENCE_WORDS = 8
"""A sentence this short that names a point on a known scale ("spare me the lecture", "headings
in lower case") says how the person wants things, whatever else it lacks."""


def _classify(sentence: str, after_reply: bool) -> tuple[MemoryKind, str] | None:
    """(kind, how) of a sentence worth remembering, or None."""
    if fact_in(sentence) is not None:
        return MemoryKind.FACT, "stated"
    if _PREFERENCE.search(sentence):
        return MemoryKind.PREFERENCE, "stated"
    if after_reply and _CORRECTION.match(sentence):
        return MemoryKind.PREFERENCE, "correction"
    if _on_scale(sentence):
        return MemoryKind.PREFERENCE, "stated"
    return None


def _on_scale(sentence: str) -> bool:
    """A short sentence, no question, that names a quality on a scale of how the person wants
    replies ("short answers please", "headings in lower case"): not one that only names a thing
    ("show me the diff", "can you give me a brief summary?")."""
    if len(sentence.split()) > SCALE_SENTENCE_WORDS or sentence.rstrip().endswith("?"):
        return False
    return any(concept.name in QUALITIES for concept in concepts(sentence))


def _fingerprint(kind: str, words: frozenset[str], negated: frozenset[str]) -> str:
    # The words it rejects too: "use pnpm, not npm" and "use npm, not pnpm" are opposites.
    key = f"{kind}\x1f{' '.join(sorted(words))}\x1f{' '.join(sorted(negated))}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def extract(view: SessionView) -> list[Observation]:
    """Preference and fact observations of one session, from the person's own words."""
    observations: list[Observation] = []
    previous: Message | None = None
    for message in view.messages:
        person = is_person(message)
        if person:
            # A correction answers a reply: the turn before the person's is the agent's (the
            # harness's lines and an interruption between them change nothing).
            after_reply = previous is not None and previous.role == "assistant"
            typed = person_words(message)
            found = _from_message(view, message, typed, after_reply)
            if found and reads_like_injection(typed):
                found = [flagged(observation) for observation in found]
            observations.extend(found)
        if person or message.role == "assistant":
            previous = message
    return observations


def sentences_read(text: str) -> Iterator[tuple[str, int, int]]:
    """The sentences of a message's head and tail (what extractors read of it), with their
    spans in its whole text."""
    for offset, part in capped(text):
        for sentence, start, end in sentences(part):
            yield sentence, offset + start, offset + end


def _from_message(
    view: SessionView, message: Message, typed: str, after_reply: bool
) -> list[Observation]:
    found = []
    for sentence, start, end in sentences_read(typed):
        kind_how = _classify(sentence, after_reply)
        if kind_how is None:
            continue
        kind, how = kind_how
        if redact(sentence) != sentence:
            continue  # a secret is never a memory ("my key is sk-…")
        fact = fact_in(sentence) if kind == MemoryKind.FACT else None
        # A fact is what is said about one thing: "my dentist is Dr. Silva", not the rest.
        words = key_words(f"{fact.attribute} {fact.value}") if fact else key_words(sentence)
        if not words:
            continue
        detail: dict[str, object] = {"sentence": sentence, "words": sorted(words), "how": how}
        negated = negated_words(sentence)
        # A scale gives a sentence its direction too ("lowercase please").
        on_scale = next(concepts(sentence), None) is not None
        pointed = kind == MemoryKind.PREFERENCE and (bool(negated) or how == "stated" or on_scale)
        if pointed:
            # Which way a preference points; a correction that negates nothing explicitly
            # ("again with the em dashes") could point either way and says nothing of it.
            detail["negated"] = sorted(negated)
        if pointed and _CHANGE.search(sentence):
            detail[CHANGES] = True  # "we use pnpm now": what it replaces need not be named
        if fact:
            # "my user id is A" and "my user id is B" are two facts, not one.
            detail["attribute"] = sorted(key_words(fact.attribute))
            detail["value"] = sorted(key_words(fact.value))
            detail["subject"] = fact.subject
        fingerprint = _fingerprint(kind, words, negated if pointed else frozenset())
        found.append(
            Observation(fingerprint, kind, view.session.id, message.id, (start, end), detail)
        )
    return found

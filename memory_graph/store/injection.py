"""Does a text read like an instruction to the model rather than content? A scored detector of
prompt injection, for the text the person did not type (tool results, assistant text, imports)
and, to flag them for the person, for their own turns.

Each cue is a phrasing injections use: overriding earlier instructions, a persona switch, fake
authority ("IMPORTANT SYSTEM NOTE", chat-template tokens), asking for the system prompt or for
secrets, addressing the AI that reads the text, hidden text; in English, French, German,
Spanish, Portuguese, Italian, Russian, Chinese and Japanese. A cue has a weight; the score is
1 - the product of (1 - weight) over the distinct cues found. A strong cue fires alone; a weak
one ("you are now", "new rule", `curl … | sh`) only with others, so that a person's change of
mind ("forget the npm thing, from now on pnpm") stays below the threshold.

Fast and linear: a cue's pattern is tried only where one of its anchors (the literal words it
starts with) occurs, found by substring search; patterns are bounded sequences with no nested
repetition; a long text is read at its head and its tail, as the extractors read it
(`memory_graph.store.content.capped`).
"""

from __future__ import annotations

import base64
import binascii
import functools
import operator
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from memory_graph.store.content import capped

THRESHOLD: Final = 0.5
"""A score at or above it reads like an instruction to the model."""

_STRONG: Final = 0.6
"""A cue that fires alone ("ignore all previous instructions")."""
_MEDIUM: Final = 0.4
"""Fires with any other cue ("note to the AI", "[system]")."""
_WEAK: Final = 0.25
_FAINT: Final = 0.2
"""Fire only with stronger cues or in numbers ("new rule", "you are now")."""
_EXCERPT: Final = 80
_ENCODED_RUNS: Final = 16
"""Base64 runs decoded at most: a text made of them costs no more than that many decodings."""
_ENCODED_CHARS: Final = 4_096
_ENCODED_MIN: Final = 20


@dataclass(frozen=True, slots=True)
class Cue:
    """One phrasing found: what it suggests, its weight, the text that matched."""

    label: str
    weight: float
    excerpt: str


@dataclass(frozen=True, slots=True)
class InjectionSignal:
    """The score of a text and the cues behind it, strongest first."""

    score: float
    cues: tuple[Cue, ...]

    @property
    def flagged(self) -> bool:
        return self.score >= THRESHOLD


def inspect(text: str) -> InjectionSignal:
    """The score of `text` and the cues found in it, the strongest of each label."""
    written, hiding = _readable(text)
    found = {cue.label: cue for cue in hiding}
    folded = written.lower()
    for anchor, rule in _candidates(folded):
        _search(written if rule.cased else folded, anchor, rule, found)
    if not found:
        return _NOTHING
    cues = tuple(sorted(found.values(), key=lambda cue: -cue.weight))
    return InjectionSignal(_combined(cue.weight for cue in cues), cues)


_NOTHING: Final = InjectionSignal(0.0, ())


def injection_score(text: str) -> float:
    """How much `text` reads like an instruction to the model, from 0 to 1."""
    return inspect(text).score


def reads_like_injection(text: str) -> bool:
    """Whether `text` scores at or above `THRESHOLD`."""
    return inspect(text).flagged


@dataclass(frozen=True, slots=True)
class _Rule:
    label: str
    weight: float
    cased: bool
    """Read the text as written (DAN, SYSTEM:), not its lower case."""
    pattern: re.Pattern[str]
    """Starts with one of the rule's anchors: it is tried only where one occurs."""


# English pieces of "ignore all previous instructions" and its variants.
_QUALIFIER = (
    r"previous|prior|above|earlier|preceding|foregoing|original|initial|aforementioned|former|"
    r"system|developer"
)
_TARGET = (
    r"instructions?|directions?|directives?|guidance|guidelines?|rules?|prompts?|context|"
    r"commands?|orders?|programming|constraints|restrictions|safeguards"
)
_BETWEEN = r"(?:(?:system|user|safety|developer|given|other|ai|and subsequent) )?"
"""The only words between qualifier and target: "the previous lint rules" are a person's
linter, "all previous safety rules" an attack."""
_DETERMINER = r"(?:(?:all|any|every) )?(?:of )?(?:the |your |these |those |its |any )?"
_WHEN = (
    r"above|before|so far|until now|given (?:above|before|earlier|previously|to you)|"
    r"you (?:were|have been|'ve been) given|you received|prior to this"
)
_OVERRIDE_EN = "|".join(
    [
        rf"{_DETERMINER}(?:{_QUALIFIER}) {_BETWEEN}(?:{_TARGET})\b",
        rf"(?:(?:all|any) (?:of )?(?:your |the )?|your )(?:{_TARGET})\b",
        rf"{_DETERMINER}(?:{_TARGET}) (?:{_WHEN})\b",
        r"(?:everything|anything|all)(?: (?:that )?(?:was |you were |you've been |you have been )?"
        r"(?:said|written|told|given|taught|stated))? (?:above|before|earlier|previously|prior|"
        r"so far|until now|up to (?:now|this point))\b",
        r"everything (?:you(?:'ve| have)? (?:been|were) (?:told|taught|given)|you know)\b",
        r"(?:the |all )?(?:above|preceding)[,.;:]? (?:and )?(?:instead )?(?:say|print|respond|"
        r"reply|output|write|tell|translate|return|answer|repeat|instead)\b",
    ]
)
_DE_QUALIFIER = r"vorherigen|vorigen|bisherigen|obigen|früheren|vorangegangenen|ursprünglichen"
_DE_TARGET = r"anweisungen|instruktionen|befehle|regeln|vorgaben|richtlinien|anordnungen"
_AI = (
    r"ai|llm|large language model|language model|ai assistant|ai agent|ai model|chatbot|gpt|"
    r"chatgpt|claude|copilot|gemini"
)
_SECRET_FILES = (
    r"~/\.ssh|\.ssh/|id_rsa|id_ed25519|\.aws/credentials|/etc/passwd|/etc/shadow|\.netrc"
)
_SECRETS = (
    rf"{_SECRET_FILES}|\.env\b|api[ _-]?keys?|"
    r"access tokens?|auth tokens?|credentials|passwords?|"
    r"secrets?|private keys?|ssh keys?|cookies|session tokens?|conversation history|"
    r"chat history|previous messages|the conversation"
)

_TAG_ANCHORS = "|".join(
    re.escape(f"{bracket}{word}")
    for bracket in ("[", "(", "{", "<", "</")
    for word in ("system", "admin", "administrator", "developer", "root", "sudo", "operator")
)
"""`[system]`, `(admin)`, `</system>`: each anchor starts with its bracket."""

_OVERRIDES = "overrides earlier instructions"
_ADDRESS = "addresses the AI reading it"
_PERSONA = "assigns a new persona"
_UNRESTRICTED = "claims an unrestricted persona"
_SAFETY = "disowns safety rules"
_PROMPT = "asks for the system prompt"
_SYSTEM_PROMPT = "mentions the system prompt"
_AUTHORITY = "claims official authority"
_TAG = "wears a fake system tag"
_NEW = "announces new instructions"
_BEHIND = "asks to act behind the person's back"
_EXFILTRATION = "smuggles data out"

_TABLE: Final[list[tuple[str, float, str, str]]] = [
    # (label, weight, anchors, what follows an anchor), on the lower case. The anchors are a
    # regular expression of literal alternatives ("ignor|disregard", "\[inst\]").
    (
        _OVERRIDES,
        _STRONG,
        "ignor|disregard|forget|forgot|overrid|overrul|bypass|discard|set aside|"
        "pay no attention to|do not follow|don't follow|stop following|no longer follow|"
        "do not obey|don't obey|stop obeying",
        rf"\w* (?:{_OVERRIDE_EN})",
    ),
    (
        _OVERRIDES,
        _STRONG,
        "previous|prior|above|earlier|preceding|original|initial|system|all",
        rf" {_BETWEEN}(?:{_TARGET}) (?:are|is|have been|has been|were) (?:now )?(?:void|null|"
        r"cancell?ed|revoked|obsolete|superseded|overridden|disabled|invalid|deprecated|lifted|"
        r"suspended|no longer (?:valid|apply|applicable|in effect|in force|relevant))\b",
    ),
    (
        _OVERRIDES,
        _STRONG,
        "ignor|oubli|ne tiens pas compte|ne tenez pas compte|fais abstraction|faites abstraction",
        r"\w*(?: d'| de | des | d)?(?: |'|)(?:(?:toutes? )?(?:les |tes |vos |ces )?"
        r"(?:instructions?|consignes?|directives?|règles?) (?:précédentes|antérieures|"
        r"ci-dessus|d'avant|initiales|du système)|(?:toutes? )?(?:tes|vos) (?:instructions?|"
        r"consignes?|directives?|règles?)|tout ce qui (?:précède|a été dit avant))",
    ),
    (
        _OVERRIDES,
        _STRONG,
        "ignorier|vergiss|vergessen sie|missacht|übergeh",
        rf"\w* (?:(?:(?:alle|sämtliche) )?(?:(?:deine|ihre|die) )?(?:{_DE_QUALIFIER}|system)\w* "
        rf"(?:{_DE_TARGET})|(?:(?:alle|sämtliche) (?:deine |ihre )?|deine |ihre )(?:{_DE_TARGET})|"
        r"alles,? (?:davor|zuvor|bisherige|obige|was (?:dir )?(?:vorher|bisher|zuvor|oben)))",
    ),
    (
        _OVERRIDES,
        _STRONG,
        "ignor|olvid|haz caso omiso|no hagas caso|descart",
        r"\w*(?: a| de)? (?:(?:todas? )?(?:las |tus |sus )?(?:instrucciones|indicaciones|reglas|"
        r"directrices|órdenes) (?:anteriores|previas|de arriba|iniciales|del sistema)|"
        r"(?:todas? )?(?:tus|sus) (?:instrucciones|indicaciones|directrices)|"
        r"todo lo (?:anterior|que se te dijo))",
    ),
    (
        _OVERRIDES,
        _STRONG,
        "ignor|esque|desconsider",
        r"\w* (?:(?:todas? )?(?:as |suas |tuas )?(?:instruções|instrucoes|orientações|regras|"
        r"diretrizes|ordens) (?:anteriores|acima|prévias|previas|iniciais|do sistema)|"
        r"(?:todas? )?(?:as )?(?:suas|tuas) (?:instruções|instrucoes|orientações|diretrizes)|"
        r"tudo (?:o que foi dito )?(?:antes|acima|anteriormente))",
    ),
    (
        _OVERRIDES,
        _STRONG,
        "ignor|dimentic|non considerare|trascur",
        r"\w* (?:(?:tutte )?(?:le |le tue |tue |le sue )?(?:istruzioni|indicazioni|regole|"
        r"direttive|ordini) (?:precedenti|sopra|iniziali|del sistema|di prima)|"
        r"(?:tutte )?le (?:tue|sue) (?:istruzioni|indicazioni|direttive)|tutto (?:quanto |ciò "
        r"che è stato detto |quello che ti è stato detto )?(?:sopra|prima|finora))",
    ),
    (
        _OVERRIDES,
        _STRONG,
        "игнорир|проигнорир|забуд|не обращай|не слушай|отмени",
        r"\w*(?: внимани\w* на)? (?:(?:все|всё) )?(?:(?:свои|твои|ваши|эти) )?(?:(?:предыдущие|"
        r"прошлые|прежние|ранее данные|вышеуказанные|исходные|системные|данные тебе) "
        r"(?:инструкции|указания|правила|команды|директивы)|(?:свои|твои|ваши) (?:инструкции|"
        r"указания|директивы)|(?:всё|все),? что (?:было )?(?:сказано |написано )?(?:выше|ранее|"
        r"до этого))",
    ),
    (
        _OVERRIDES,
        _STRONG,
        "忽略|无视|無視|忽视|忽視|忘记|忘記|忘掉|不要理会|不要理會|不要遵守|不用管",
        r"(?:掉)?(?:你)?(?:之前|以前|先前|上面|以上|前面|上述|所有|全部|原来|原來|原有|此前)(?:的)?"
        r"(?:所有|全部|一切)?(?:的)?(?:指令|指示|提示|说明|說明|规则|規則|设定|設定|要求|命令)",
    ),
    (
        _OVERRIDES,
        _STRONG,
        "これまでの|以前の|前の|上記の|すべての",
        r"(?:すべての)?(?:指示|命令|ルール|プロンプト)(?:は|を)(?:すべて|全部)?(?:無視|忘れ)",
    ),
    (_ADDRESS, _MEDIUM, "if you|when you", rf"(?: are|'re) (?:an? )?(?:{_AI}|bot)s?\b"),
    (
        "instructs whoever processes it",
        _WEAK,
        "when|if|while|before|after",
        r" (?:you(?:'re| are)? )?(?:summari[sz]|describ|review|analy[sz]|read|process|translat|"
        r"pars)\w* (?:this|the) (?:page|document|email|e-mail|text|article|website|site|file|"
        r"repo|repository|message|content|inbox|issue|log|output|pdf|resume|cv)\b",
    ),
    (
        _ADDRESS,
        _MEDIUM,
        "note|message|instruction|attention|reminder|warning|notice",
        rf"s? (?:to|for) (?:the |any |all |every )?(?:{_AI}|model|assistant|agent)s?\b",
    ),
    (
        _ADDRESS,
        _MEDIUM,
        "ai|llm|model|assistant|agent|chatbot|gpt|chatgpt|claude|copilot|gemini",
        r"s? (?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|crawling|browsing|"
        r"viewing|that reads?|who reads?) (?:this|these)\b",
    ),
    (_ADDRESS, _MEDIUM, "dear|hey|hello|hi|attn|to any", rf",? (?:{_AI})\b"),
    (
        _ADDRESS,
        _MEDIUM,
        "si tu es|si vous êtes|si eres|se você é|se voce e|se és|se tu és|se sei|se tu sei",
        r" (?:une?|un'|uma?) ?(?:ia|intelligence artificielle|inteligencia artificial|"
        r"inteligência artificial|intelligenza artificiale|llm|modèle de langage|modelo de "
        r"lenguaje|modelo de linguagem|modello linguistico)\b",
    ),
    (
        _ADDRESS,
        _MEDIUM,
        "note|message|instructions|nota|mensaje|mensagem|messaggio|hinweis|nachricht|anweisung",
        r" (?:pour|à|para|per|an|für) (?:l'|la |a |une |toute |cualquier |qualquer |qualsiasi "
        r"|die |eine |jede )?(?:ia|ki)\b",
    ),
    (_ADDRESS, _MEDIUM, "wenn|falls", r" (?:du|sie) (?:eine ki|ein ki|ein sprachmodell|ein llm)\b"),
    (
        _ADDRESS,
        _MEDIUM,
        "если",
        r" (?:ты|вы) (?:ии|нейросеть|языковая модель|llm|ассистент|бот|искусственный интеллект)",
    ),
    (_ADDRESS, _MEDIUM, "如果你是", r"(?:ai|人工智能|语言模型|語言模型|大模型|助手|机器人|機器人)"),
    (_ADDRESS, _MEDIUM, "あなたが", r"(?:ai|言語モデル)(?:なら|であれば)"),
    (
        _PROMPT,
        _STRONG,
        "reveal|print|show|repeat|output|tell me|leak|disclose|display|dump|write out|spell out|"
        "give me|share|paste|recite|list",
        r"\w* (?:me )?(?:all |back )?(?:of )?(?:your (?:full |entire |complete |exact |original "
        r"|initial |hidden |secret |internal )*(?:system )?(?:prompt|instructions|system "
        r"message)|the (?:full |entire |complete |exact )?(?:system (?:prompt|message|"
        r"instructions)|(?:initial|original|hidden|secret) (?:prompt|instructions)|"
        r"(?:prompt|instructions) above))\b",
    ),
    (
        _PROMPT,
        _STRONG,
        "what",
        r" (?:(?:is|are|was|were) (?:your|the) (?:system prompt|(?:initial|original|hidden|"
        r"secret) (?:prompt|instructions))|was written (?:at the beginning of|above))\b",
    ),
    (
        _PROMPT,
        _STRONG,
        "repeat",
        r" (?:the |all )?(?:words|text|everything|sentences|lines) (?:above|before)\b",
    ),
    (_SYSTEM_PROMPT, _WEAK, "system prompt|systemprompt|system-prompt|invite système", ""),
    (
        _SYSTEM_PROMPT,
        _WEAK,
        "prompt",
        r" (?:système|systeme|de sistema|del sistema|di sistema|do sistema)\b",
    ),
    (_SYSTEM_PROMPT, _WEAK, "системн", r"\w* (?:промпт|подсказк|инструкци)"),
    (_SYSTEM_PROMPT, _WEAK, "系统提示|系統提示|系统指令|システムプロンプト", ""),
    ("calls itself DAN", _STRONG, "do anything now", r"\b"),
    (_UNRESTRICTED, _MEDIUM, "god|jailbreak|jailbroken|unrestricted|unfiltered|evil", r" mode\b"),
    # A phone has a developer mode too.
    (_UNRESTRICTED, _WEAK, "developer", r" mode\b"),
    (
        _UNRESTRICTED,
        _MEDIUM,
        "unrestricted|unfiltered|uncensored|jailbroken|amoral",
        r" (?:ai|assistant|model|chatbot|version|bot|llm|entity|persona)\b",
    ),
    (
        _SAFETY,
        _MEDIUM,
        "you are|you're",
        r" (?:no longer (?:bound|restricted|limited|constrained|an? (?:ai|assistant|language "
        r"model))|not bound by)\b",
    ),
    (
        _SAFETY,
        _MEDIUM,
        "no|without|free of|free from|ignore|bypass|disable|doesn't have|does not have|don't have",
        r" (?:any |all |the |your )?(?:ethical|moral|safety|content)(?: or (?:ethical|moral|"
        r"safety))? (?:guidelines|restrictions|filters|limits|constraints|boundaries|policies|"
        r"rules|guardrails|checks)\b",
    ),
    (_SAFETY, _WEAK, "without", r" (?:any )?(?:restrictions|filters|censorship|limitations)\b"),
    (
        _SAFETY,
        _WEAK,
        "ohne|sin|sem|senza|sans|без",
        r" (?:einschränkungen|restricciones|restrições|restrizioni|restrictions|ограничений|"
        r"filter|filtros|filtri|filtres|фильтров|цензуры|zensur|censura|censure)\b",
    ),
    (_SAFETY, _WEAK, "没有限制|没有任何限制|不受限制|不受任何限制|制限なし|制限のない", ""),
    (
        _UNRESTRICTED,
        _WEAK,
        "mode développeur|entwicklermodus|modo desarrollador|modo de desarrollador|"
        "modo desenvolvedor|modo de desenvolvedor|modalità sviluppatore|режим разработчика|"
        "开发者模式|開發者模式|開発者モード",
        "",
    ),
    ("talks of jailbreaking", _WEAK, "jailbr", ""),
    (
        _PERSONA,
        _FAINT,
        "you are now|you're now|roleplay as|role-play as|role play as|stay in character|"
        "tu es maintenant|vous êtes maintenant|du bist jetzt|du bist nun|du bist ab sofort|"
        "ahora eres|agora você é|agora voce e|ora sei|da ora in poi sei|теперь ты|отныне ты",
        r"\b",
    ),
    (_PERSONA, _FAINT, "you will now", r" (?:act|be|respond|behave)\b"),
    (_PERSONA, _FAINT, "from now on", r",? you (?:are|will|must|shall|should)\b"),
    (_PERSONA, _FAINT, "pretend", r" (?:to be|you are|you're|that you are)\b"),
    (
        _PERSONA,
        _FAINT,
        "你现在是|从现在开始你是|從現在開始你是|今からあなたは|あなたは今から",
        "",
    ),
    (
        "carries chat-template tokens",
        _MEDIUM,
        r"<\|im_start\|>|<\|im_end\|>|<\|system\|>|<<sys>>|\[inst\]|\[/inst\]|"
        r"<\|start_header_id\|>|<\|eot_id\|>|<\|endoftext\|>|<start_of_turn>",
        "",
    ),
    (
        _TAG,
        _MEDIUM,
        _TAG_ANCHORS,
        r"(?:[ _-](?:message|note|prompt|override|instructions?))? ?[\])>}]",
    ),
    (
        _AUTHORITY,
        _MEDIUM,
        "important|urgent|critical|mandatory",
        r" (?:new )?(?:instructions?|directives?|orders?)\b",
    ),
    (
        _AUTHORITY,
        _MEDIUM,
        "important|urgent|critical|priority|mandatory|official",
        r"(?: new)? (?:system|security|admin|administrator|developer|operator) (?:note|notice|"
        r"message|update|instructions?|alert|override|directive|command|prompt)\b",
    ),
    (
        _AUTHORITY,
        _MEDIUM,
        "begin|start|end",
        r"(?: of)? (?:admin|administrator|system|developer|root|sudo|operator) (?:override|mode|"
        r"instructions?|prompt|message|access|command)\b",
    ),
    (_AUTHORITY, _MEDIUM, "admin override|administrator override|system override", r"\b"),
    (
        _AUTHORITY,
        _MEDIUM,
        "as your|i am your|i'm your|this is your",
        r" (?:developers?|creators?|administrator|admin|operators?|owners?|programmers?)\b",
    ),
    (_AUTHORITY, _MEDIUM, "override", r" (?:code|protocol|authori[sz]ation)\b"),
    (
        _AUTHORITY,
        _MEDIUM,
        "message|instruction|note|notice|rule|order|directive|update|command",
        r"s? from (?:the |your )?(?:developers?|admin\w*|sysadmin|openai|anthropic|creators?|"
        r"operators?)\b",
    ),
    (
        _NEW,
        _WEAK,
        "new|updated|revised|real|actual|true|additional|important",
        r" (?:new )?(?:rules?|instructions?|directives?|objective|orders?|task|system prompt|"
        r"guidelines?)\b",
    ),
    (
        _NEW,
        _WEAK,
        "your new|your real|your actual|your true",
        r" (?:task|instructions?|goal|objective|purpose|role|job|rules?)\b",
    ),
    (
        _NEW,
        _WEAK,
        "nouvelle|nouvelles|nouveau|neue|nueva|nuevas|nuevo|nuevos|nova|novas|novo|novos|nuove|"
        "nuovo|nuovi",
        r" (?:règles?|instructions?|consignes?|regeln?|anweisungen?|reglas?|instrucciones?|"
        r"regras?|instruções|regole|istruzioni)\b",
    ),
    (_NEW, _WEAK, "нов", r"\w* (?:правил|инструкци)"),
    (_NEW, _WEAK, "新的|新", r"(?:指令|规则|規則|指示)"),
    (
        "claims the person's consent",
        _MEDIUM,
        "the user|the human",
        r" (?:has |have )?(?:already )?(?:approved|authori[sz]ed|consented|permitted|allowed|"
        r"agreed|confirmed|granted)\b",
    ),
    (
        _BEHIND,
        _MEDIUM,
        "silently|secretly|quietly|covertly|discreetly|stealthily",
        r" (?:run|execute|send|upload|post|delete|download|install|forward|copy|email|add|modify|"
        r"change|insert|include|append|exfiltrate|visit|open|call|fetch)\b",
    ),
    (
        _BEHIND,
        _MEDIUM,
        "do not|don't|never|without",
        r" (?:tell|telling|inform|informing|alert|alerting|notify|notifying|mention|mentioning|"
        r"ask|asking|reveal|revealing|show|showing) (?:\S+ ){0,3}?(?:the user|the human|"
        r"your user)\b",
    ),
    (
        _BEHIND,
        _MEDIUM,
        "hide|conceal|keep",
        r" (?:this|it) (?:hidden |secret )?from the (?:user|human)\b",
    ),
    (
        _BEHIND,
        _MEDIUM,
        "the user|the human",
        r" (?:must|should|will|need) (?:not|never) (?:know|see|notice|find out|be told)\b",
    ),
    (
        _EXFILTRATION,
        _MEDIUM,
        "send|upload|post|exfiltrate|forward|email|e-mail|transmit|leak|submit",
        rf"\w* (?:\S+ ){{0,6}}?(?:{_SECRETS}|e-?mails|contacts|documents)",
    ),
    (
        "reaches for the conversation",
        _FAINT,
        "our conversation|the conversation|this conversation|our chat|this chat",
        r" (?:so far|history|above)\b",
    ),
    (
        "asks to encode data",
        _FAINT,
        "url-encod|url encod|urlencod|percent-encod|base64-encod|base64 encod",
        "",
    ),
    (
        "asks to cover its tracks",
        _WEAK,
        "delete|remove|erase",
        r" (?:this (?:message|email|e-mail|note)|(?:this|these|the above) instructions?)\b",
    ),
    (
        _EXFILTRATION,
        _MEDIUM,
        r"\]\(http",
        r"s?://[^)\s]{0,300}?(?:\[[a-z_ ]{1,30}\]|\{[a-z_ ]{1,30}\}|\$\{|<[a-z_ ]{1,30}>)",
    ),
    (
        _EXFILTRATION,
        _MEDIUM,
        "append|add|include|insert|encode",
        r" (?:\S+ ){0,6}?(?:to|in|into) (?:the |this |an? )?(?:url|link|query string|image url|"
        r"query parameter)\b",
    ),
    ("names secret files", _FAINT, _SECRET_FILES, ""),
    (
        "pipes a download into a shell",
        _WEAK,
        "curl|wget|iwr|invoke-webrequest",
        r"\b[^|;&]{0,300}\| ?(?:sudo )?(?:ba|z|da|k)?sh\b",
    ),
    (
        "dictates the reply",
        _FAINT,
        "instead|only",
        r",? (?:say|print|output|respond|reply|write|answer|return)\b",
    ),
    (
        "dictates the reply",
        _FAINT,
        "say|print|output|respond with|reply with|return",
        r" (?:only|exactly|just)\b",
    ),
    ("dictates the reply", _FAINT, "pwned|injection succeeded", r"\b"),
]
_CASED_TABLE: Final[list[tuple[str, float, str, str]]] = [
    # The same on the text as written: capitals tell a persona or a label from a word.
    ("calls itself DAN", _MEDIUM, "DAN", r"\b"),
    # "Human:" and "Assistant:" open the turns of a forged conversation.
    ("forges a conversation turn", _FAINT, "Human|Assistant", r":"),
    (
        _TAG,
        _WEAK,
        "SYSTEM|ADMIN|ADMINISTRATOR|DEVELOPER|ROOT|OPERATOR",
        r"(?: (?:NOTE|NOTICE|MESSAGE|OVERRIDE|UPDATE|INSTRUCTIONS?|PROMPT|ALERT|COMMAND))?:",
    ),
]

_Anchor = tuple[str, _Rule]
_KEY: Final = slice(0, 4)
"""A text's words are looked up by their first four bytes: an anchor is tried only if a
word starts like it ("ignor" for "ignoring"), so that a message costs a split, a set and a few
substring searches, not a search per anchor (the regular expression engine steps through a text
a character at a time, a hundred times slower than `str.find`)."""
_PUNCTUATION: Final = b"!\"#$%&'()*+,./:;<=>?@[\\]^`{|}~-"
_SEPARATORS: Final = bytes.maketrans(_PUNCTUATION, b" " * len(_PUNCTUATION))
"""Punctuation splits words ("(ignore", "<|im_start|>"); the underscore does not (`id_rsa`).
Words are split as UTF-8 bytes: `bytes.translate` reads a table, `str.translate` of a text
that is not ASCII looks each character up in a dictionary, ten times slower."""


@functools.cache
def _unspaced() -> re.Pattern[str]:
    """Chinese and Japanese: no spaces between words, so their anchors are searched for
    directly. Compiled on first use: a class of this many characters takes about 10 ms to
    compile, which importing this module (on the TUI's first-frame path) should not pay."""
    return re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def _anchors(tables: list[tuple[list[tuple[str, float, str, str]], bool]]) -> list[_Anchor]:
    anchors = []
    for table, cased in tables:
        for label, weight, alternatives, rest in table:
            rule = _Rule(label, weight, cased, _compiled(alternatives, rest))
            anchors += [(_literal(part), rule) for part in re.split(r"(?<!\\)\|", alternatives)]
    return anchors


def _literal(anchor: str) -> str:
    return re.sub(r"\\(.)", r"\1", anchor)


def _compiled(alternatives: str, rest: str) -> re.Pattern[str]:
    # An anchor of a spaced script starts a word ("ai" in "said" is no address).
    guard = "" if _unspaced().match(alternatives) or not alternatives[0].isalpha() else r"(?<!\w)"
    return re.compile(f"{guard}(?:{alternatives}){rest}")


_COMMON: Final = frozenset(
    b"the a an to of do not no if you re your are this that our all what will when it".split()
)


def _keys(text: str) -> set[bytes]:
    # In C throughout: a Python loop over the words would cost as much as the rest together.
    return set(map(operator.itemgetter(_KEY), text.encode().translate(_SEPARATORS).split()))


def _key(anchor: str) -> bytes:
    """The beginning of the anchor's rarest word: every word of an anchor starts a word of a
    text it occurs in, and a rare one makes fewer texts try it ("user" for "the user")."""
    keys = anchor.lower().encode().translate(_SEPARATORS).split()
    if not keys:
        raise ValueError(f"anchor {anchor!r} holds no word to look it up by")
    rare = [key for key in keys if key not in _COMMON]
    return (rare or keys)[0][_KEY]


def _by_key(anchors: list[_Anchor]) -> dict[bytes, list[_Anchor]]:
    index: dict[bytes, list[_Anchor]] = {}
    for anchor in anchors:
        index.setdefault(_key(anchor[0]), []).append(anchor)
    return index


@dataclass(frozen=True)
class _Index:
    all: list[_Anchor]
    by_key: dict[bytes, list[_Anchor]]
    keys: frozenset[bytes]
    """A set, not the dictionary's keys: `set & keys()` would build a set of them on every
    call."""
    unspaced: list[_Anchor]


@functools.cache
def _index() -> _Index:
    """Every rule, compiled on first use: compiling them costs tens of milliseconds, which the
    TUI's first frame (which imports this module through recall) should not pay."""
    every = _anchors([(_TABLE, False), (_CASED_TABLE, True)])
    by_key = _by_key([anchor for anchor in every if not _unspaced().match(anchor[0])])
    unspaced = [anchor for anchor in every if _unspaced().match(anchor[0])]
    return _Index(every, by_key, frozenset(by_key), unspaced)


_PLAIN: Final[dict[int, str | None]] = {
    **dict.fromkeys([0x180E, 0x200B, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF], None),
    **dict.fromkeys(range(0x202A, 0x202F), None),
    **dict.fromkeys([0x2018, 0x2019], "'"),
    **dict.fromkeys([0x201C, 0x201D], '"'),
}
"""Zero-width and direction-override characters hide words from a person's eye ("ig\u200bnore")
and are removed; curly quotes read as straight ones ("don\u2019t follow"). The joiners (U+200C,
U+200D) stay: emoji, Indic and Persian text use them."""
_INVISIBLE_MANY: Final = 3
_TAGS: Final = re.compile("[\U000e0000-\U000e007f]+")
"""Unicode tag characters spell ASCII no one sees ("ASCII smuggling"); a flag emoji uses a few,
with no space among them."""
_BASE64: Final = re.compile(rf"[A-Za-z0-9+/_-]{{{_ENCODED_MIN},}}={{0,2}}")


def _candidates(folded: str) -> list[_Anchor]:
    """The anchors that may occur in `folded`: those keyed by its words' beginnings."""
    index = _index()
    found = [anchor for key in _keys(folded) & index.keys for anchor in index.by_key[key]]
    # `isascii` reads a flag; the search reads the text.
    unspaced = not folded.isascii() and _unspaced().search(folded)
    return found + index.unspaced if unspaced else found


def _search(text: str, anchor: str, rule: _Rule, found: dict[str, Cue]) -> None:
    """Records `rule`'s cue if its pattern matches where `anchor` occurs in `text`."""
    start = text.find(anchor)
    while start != -1:
        if rule.label in found and found[rule.label].weight >= rule.weight:
            return
        match = rule.pattern.match(text, start)
        if match:
            found[rule.label] = Cue(rule.label, rule.weight, match.group()[:_EXCERPT])
        start = text.find(anchor, start + 1)


def _combined(weights: Iterable[float]) -> float:
    # Independent evidence: each cue removes its share of the remaining doubt.
    doubt = 1.0
    for weight in weights:
        doubt *= 1.0 - weight
    return round(1.0 - doubt, 4)


def _readable(text: str) -> tuple[str, list[Cue]]:
    """`text` as a reader of its meaning sees it, and the cues of its hiding: the head and tail
    of a long text; what `_unhidden` reveals; base64 that decodes to text appended, decoded;
    each run of whitespace one space."""
    # The parts the extractors read, no more and no less: what they take as evidence is
    # what is scored.
    text = "\n".join(part for _, part in capped(text))
    text, hiding = _unhidden(text) if not text.isascii() else (text, [])
    words = text.split()
    if max(map(len, words), default=0) >= _ENCODED_MIN:
        words += " ".join(_decoded_base64(text)).split()
    return " ".join(words), hiding


def _unhidden(text: str) -> tuple[str, list[Cue]]:
    """`text` without invisible characters, its tag-character text spelled out and appended,
    compatibility forms folded (fullwidth or mathematical letters spell "ignore" too)."""
    hiding = []
    visible = text.translate(_PLAIN)
    if len(text) - len(visible) >= _INVISIBLE_MANY:
        invisible = f"{len(text) - len(visible)} invisible characters"
        hiding.append(Cue("hides characters", _WEAK, invisible))
    spelled = ["".join(chr(ord(char) - 0xE0000) for char in run) for run in _TAGS.findall(visible)]
    sentences = [tag for tag in spelled if " " in tag]
    if sentences:
        hiding.append(Cue("hides text in tag characters", _MEDIUM, sentences[0][:_EXCERPT]))
    readable = " ".join([_TAGS.sub("", visible), *sentences])
    return unicodedata.normalize("NFKC", readable), hiding


def _decoded_base64(text: str) -> Iterator[str]:
    """The runs of base64 in `text` that decode to readable text: an instruction encoded to
    pass a filter is read as if written plainly."""
    for number, match in enumerate(_BASE64.finditer(text)):
        if number == _ENCODED_RUNS:
            return
        run = match.group()[:_ENCODED_CHARS].rstrip("=")
        try:
            data = base64.b64decode(run + "=" * (-len(run) % 4), altchars=b"-_", validate=True)
            plain = data.decode()
        except (binascii.Error, UnicodeDecodeError):
            continue
        if " " in plain and plain.replace("\n", " ").replace("\t", " ").isprintable():
            yield plain

"""Match the crisis lexicon (lexicon.yml) against a spaCy Doc.

Each token gets a matching key (kept in its NORM): the lemma of its lower-cased text, after
fixing listed short misspellings ("kil") and, for an unknown word of five
letters or more, correcting it to the lexicon word it is one or two edits away
from ("suicde", "overdsoe"). spaCy's Matcher then runs the lexicon's phrases,
lemmatised the same way, over those keys, so "killing himself" matches
"kill SELF". Lemmas come from the same lookup table as the spaCy pipeline's
lemmatizer (spacy-lookups-data), applied here to lower-cased words so that
the result does not depend on how the Doc was cased or built. Real English
words are never "corrected": "overdoes" is a form of "overdo", not a typo of
"overdose". Nor is a Spanish word corrected into a lexicon word of another
lemma (spacy_pipeline/spanish_words.py): "quedarse" (to stay) is no typo of
"quemarme" (to burn oneself), while "cortando" still reaches "cortandome".
One danger is no phrase: depressants mixed right now, with the substances and
the time anywhere in the message (mixing.py), found when no phrase is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, FrozenSet, List, Optional, Tuple

import yaml
from spacy.matcher import Matcher
from spacy.tokens import Doc, Token

from crisis_detection.mixing import PHRASE as MIXING_PHRASE, mixed_now
from spacy_pipeline.english_words import MIN_FUZZY_LENGTH, correction, lemma
from spacy_pipeline.spanish_words import spanish_lemma, without_accents

LEXICON_PATH = Path(__file__).resolve().parent / "lexicon.yml"


@dataclass(frozen=True)
class CrisisMatch:
    category: str  # suicide, self_harm, overdose, withdrawal_emergency
    phrase: str  # the lexicon line that matched (for staff and tests, never shown to the person)
    text: str  # the words of the message that matched
    language: str = "en"  # "es" for the Spanish phrases
    # Told as a story, not as a present danger: a distant past or a death ("my sister died of
    # an overdose"), a question in general ("what should I do if someone overdoses?"), a piece
    # of writing ("a character who overdoses"), or a figure of speech ("overdosed on netflix").
    no_present_danger: bool = False


@dataclass(frozen=True)
class _Phrase:
    category: str
    source: str
    tokens: Tuple[Tuple[str, ...], ...]  # alternatives per position; () = any word
    optional: Tuple[bool, ...]
    not_followed_by: FrozenSet[str]
    example: str  # the phrase in plain words (first choice at each place), for tests
    language: str = "en"
    # "~from|of": not a match when negated and followed by one of these
    # ("I don't want to die from this disease" is recovery talk).
    negated_followed_by: FrozenSet[str] = frozenset()
    # "^": not a match right after a negation ("no chest pain").
    negatable: bool = False
    # "^no": not a match right after a "no" that opens a clause ("..., no seizures or anything").
    absent_after_no: bool = False


# A clause that tells of a distant past or a death is a story, not a present
# danger ("my sister died of an overdose", "I was suicidal in high school");
# it still counts when the clause also speaks of now, and never when any part
# of the message says the feeling is back or speaks of tonight ("and I feel
# the same way now", "I used to think about suicide, tonight too").
CLAUSE_BREAK = re.compile(r"^([.!?;:,]+|and|but|so|because|though|although|y|pero|porque)$")
PAST_MARKERS = re.compile(
    r"\b(years?|yrs?|months?|decades?) ago\b|\b(a few|several|some|\d+|two|three|four|five) (years|yrs) (after|later)\b|"
    r"\bbefore (we met|(i|he|she|they|we) (finally )?(went|got|came|started|entered))\b|"
    r"\bafter (the|her|his|my|their|an?) (overdose|od|attempt)\b|"
    r"\b\blong (time )?ago\b|\blast (year|month|summer|spring|fall|winter|christmas|semester|term)\b|"
    r"\b(\d+|a few|several|two|three|four|five|ten) (years?|yrs?) back\b|\blast time (i|he|she|they|we)\b|"
    r"\b(at|when i was) (1[2-9]|2\d)\b|\bin (january|february|march|april|may|june|july|august|september|october|"
    r"november|december)\b|\bsurvived (my|his|her|an?|the|their) (overdose|od|attempt)\b|"
    r"\bin the past\b|\bpast (self|overdose|suicid|attempt)|\bwhen i was younger\b|\bin (19|20)\d\d\b|\bback in\b|\bback when\b|"
    r"\bused to\b|\bwhen (i|he|she|they|we) (was|were)\b|\bas a (teen|teenager|kid|child)\b|"
    r"\bin (high school|middle school|college|my teens|my (twenties|thirties|forties|fifties|[2-6]0s))\b|"
    r"\bin the (19)?[5-9]0'?s\b|\b(that|this) was (in )?(19|20)\d\d\b|\ben (19|20)\d\d\b|"
    r"\b(died|passed away|lost (him|her|them|my \w+)|funeral|memorial|anniversary of)\b|"
    r"\bhace (\w+ )?(anos|meses)\b|\bel ano pasado\b|\bmurio\b|\bfallecio\b"
)
# Now or to come: "I will kill myself in June" is no story, whatever the month says.
PRESENT_MARKERS = re.compile(
    r"\b(now|right now|tonight|today|again|anymore|currently|these days|lately|still|want|wanna|gonna|"
    r"going to|plan|planning|thinking|will|i'?ll|shall|tomorrow|next|soon|ahora|hoy|otra vez|mañana|manana)\b"
)
# A question about anyone, or about the programme, not about the writer now
# ("what should I do if someone overdoses?", "does your IOP screen for
# suicidal thoughts?"), and figures of speech ("overdosed on netflix").
GENERAL_MARKERS = re.compile(
    r"\b(if|when|in case) (someone|somebody|a person|a friend|a patient|people|patients|a loved one)\b|"
    r"\b(do|does|can|will) (you|your \w+|they) (\w+ )?(treat|take|help|accept|admit|work with) (people|patients|anyone)\b|"
    r"\bpeople go\b|\b(my|our) (clients|patients|students|residents)\b|"
    r"\bsigns of (an? )?(\w+ )?(overdose|od)\b|\b(suicide|overdose) (risk|rates?|deaths|epidemic|prevention)\b|"
    r"\brisk of (suicide|overdose)\b|\boverdose-proof\b|"
    r"\b(suicide|overdose) (crisis|response|training|awareness|education|reversal|kits?)\b|"
    r"\bhistory of (an? )?(overdos|suicid|self.harm|seizure)|\bfor (someone|somebody|people|a person) (with|who)\b|"
    r"\b(can|does|do|could|will) (\w+ ){1,2}cause\b|\bhow (dangerous|risky|bad) is (it )?(to )?\b|"
    r"\b(is|are) (your|the) staff trained\b|"
    r"\b(screen|screens|screening|ask|asks|assess|assessment) (\w+ )?(for|about) (\w+ )?(\w+ )?(suicid|self.harm|overdos)"
)
# A general question still counts when it speaks of this moment ("what do I do
# if someone ODs right now").
RIGHT_NOW = re.compile(r"\b(now|right now|tonight|today|currently|at the moment|ahora|hoy|esta noche)\b")
FIGURES_OF_SPEECH = re.compile(
    r"\b(overdos\w*|od'?d) (on|of) (\w+ )?(netflix|tv|pizza|carbs|sugar|coffee|caffeine|chocolate|candy|cake|cookies|"
    r"junk food|sunshine|love|memes|tiktok|youtube|cat videos|true crime)\b|\bsuicide-inducing\b|"
    # What drinking or using did, said as people in recovery say it.
    r"\bslow suicide\b|\bkilling (myself|himself|herself|themselves) slowly\b|\bslowly killing\b|"
    # Things that "are suicidal": a page that keeps crashing.
    r"\b(wifi|internet|phone|laptop|computer|app|website|site|page|printer|car|battery) (is|was|seems) suicidal\b"
)
# A piece of writing or acting, anywhere in the message, makes every clause
# that says nothing of now a story ("writing a novel where the main character
# attempts suicide"). "I'm a student" alone does not.
FICTION_OR_STUDY = re.compile(
    r"\b(?:(?:i'?m|i am|im|we'?re)\s+)?(writing|write|wrote|working on) (a|an|my|our) (\w+ )?"
    r"(paper|novel|book|short story|story|script|screenplay|report|essay|literature review|thesis|dissertation|"
    r"article|play)\b|\bscreenwriter\b|"
    r"\bin (my|our|the) (script|novel|book|story|play|film|movie|show)\b|\bplay(ing)? a character\b|"
    r"\b(main )?character (who|that)\b|"
    # Study and teaching: "my psych paper is on self-harm", "a project on suicide risk".
    r"\b(?:(?:i'?m|i am|im|we'?re)\s+)?(doing|teaching|working on|preparing) (a|an|my|our) (\w+ ){0,3}"
    r"(project|presentation|unit|lesson|class|course|assignment|paper|report|workshop)\b|"
    r"\b(for )?(my|our) (\w+ )?(class|course|paper|thesis|project|assignment|presentation|slides|homework)\b|"
    r"\b(?:(?:i'?m|i am|im)\s+)?an? (journalist|reporter|researcher|podcaster|filmmaker|documentary maker)\b|"
    r"\bcovering the\b|\bescribiendo (mi|una) (tesis|novela|historia)\b"
)
# The writer, in the words left once the framing is taken out: "if a friend finds
# me dead", "my clients don't know I want to die" are the writer's own danger.
FIRST_PERSON = re.compile(r"\b(i|i'm|im|i've|ive|i'll|i'd|me|my|myself|mine)\b")
GENERAL_LEADS = re.compile(
    r"\bwhat (should|do|can|would|could) (i|we|you|one|someone) do\b|\bi'?m (just )?(curious|wondering|asking)\b|"
    r"\basking for (a friend|my \w+)\b"
)
# "I don't feel that way anymore", "those thoughts are gone": the feeling is
# named only to say it has passed.
FEELING_HAS_PASSED = re.compile(
    r"\b(don'?t|do not|dont|no longer|never|doesn'?t|does not|not) (\w+ )?(feel|feeling|have|having) "
    r"(the same way|that way|like that|those thoughts)\b|\bthose thoughts (are|have) (gone|passed)\b"
)
# Said of a feeling in the clause that names it, to say it has passed: the clause is a story.
FEELING_GONE = re.compile(
    r"\b(not|no longer) suicidal( anymore)?\b|\bdon'?t (want|wanna) to kill myself anymore\b|"
    r"\b(urges?|thoughts?|feelings?|part of me)( \S+){0,4} (is|are|has|have|got) (gone|passed|quieter|gone away)\b"
)
# A sentence or clause that dates what was just told: "I tried to hang myself. That
# was 2015.", "I was suicidal during my last detox, back in 2017".
DATED_AFTER = re.compile(
    r"^(that|this|it|all that|all this) (was|happened) |^(back )?in (19|20)\d\d\b|^(\w+ ){0,3}(years?|yrs?|months?) ago\b"
)
USED_TO_WANT = re.compile(r"\bused to (want|wanna|think|plan)\b")
FEELING_IS_BACK = re.compile(
    r"\b(i just (took|did|swallowed|used|drank)|i already (took|did|swallowed|used|drank|have)|i think i'?m having|having one (now|right now)|happening to me|"
    r"as we speak|feel the same way|feeling the same way|feel that way|feel like that|those thoughts|"
    r"thinking about it|thinking (about|of) doing (it|that|something)|"
    r"happening again|doing it again|tonight|right now|lately|these days|siento lo mismo|otra vez|"
    r"esta noche)\b"
)


def clauses(doc: Doc) -> List[Tuple[int, int]]:
    """(start, end) token spans of the message's clauses."""
    spans, start = [], 0
    for token in doc:
        if CLAUSE_BREAK.match(token.lower_):
            if token.i > start:
                spans.append((start, token.i))
            start = token.i + 1
    if start < len(doc):
        spans.append((start, len(doc)))
    return spans


def _plain(text: str) -> str:
    return without_accents(text.lower().replace("’", "'"))


def story_clauses(doc: Doc) -> List[Tuple[int, int]]:
    """The clauses that tell a story (a distant past, a death, a question in general, a
    piece of writing, a figure of speech) and say nothing of now.

    None at all when any part of the message says the feeling is back.
    """
    text = _plain(doc.text)
    if FEELING_IS_BACK.search(FEELING_HAS_PASSED.sub(" ", text)):
        return []
    fiction = bool(FICTION_OR_STUDY.search(text))
    spans = clauses(doc)
    plain = [_plain(doc[start:end].text) for start, end in spans]
    found = []
    for index, (start, end) in enumerate(spans):
        clause = plain[index]
        dated_after = any(DATED_AFTER.match(later) and PAST_MARKERS.search(later) for later in plain[index + 1:index + 3])
        # "I used to want to die": that "want" is past too.
        of_now = PRESENT_MARKERS.search(USED_TO_WANT.sub("used to", clause))
        told = (PAST_MARKERS.search(clause) or dated_after) and not of_now or FEELING_GONE.search(clause)
        fictional = fiction and not of_now and not FIRST_PERSON.search(FICTION_OR_STUDY.sub(" ", clause))
        asked_in_general = (
            GENERAL_MARKERS.search(clause)
            and not RIGHT_NOW.search(clause)
            and not FIRST_PERSON.search(GENERAL_LEADS.sub(" ", GENERAL_MARKERS.sub(" ", clause)))
        )
        if told or fictional or asked_in_general or FIGURES_OF_SPEECH.search(clause):
            found.append((start, end))
    return found


class CrisisLexicon:
    def __init__(self, path: Path = LEXICON_PATH) -> None:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
        self.spellings: Dict[str, str] = {str(k): str(v) for k, v in data.get("spellings", {}).items()}
        self.keep_forms: FrozenSet[str] = frozenset(str(w) for w in data.get("keep_forms", ()))
        groups = {name: tuple(str(w) for w in words) for name, words in data["groups"].items()}
        self.phrases: List[_Phrase] = [
            self._parse(category, str(line), groups, language, self.key_of)
            for section, language in (("patterns", "en"), ("patterns_es", "es"))
            for category, lines in (data.get(section) or {}).items()
            for line in lines
        ]
        # Surface words as written in the lexicon: the targets of spelling correction.
        self.surface_words: FrozenSet[str] = frozenset(
            word.lower().rstrip("?")
            for section in ("patterns", "patterns_es")
            for lines in (data.get(section) or {}).values()
            for line in lines
            for part in str(line).split()
            for word in part.split("|")
            if not part.startswith("!")
        ) | frozenset(w.lower() for words in groups.values() for w in words)

    def key_of(self, word: str) -> str:
        """What a word is matched by: its lemma, or itself when its form matters ("gone")."""
        return word if word in self.keep_forms else lemma(word)

    @staticmethod
    def _parse(
        category: str, line: str, groups: Dict[str, Tuple[str, ...]], language: str, key_of: Callable[[str], str]
    ) -> _Phrase:
        tokens, optional, example, not_followed_by, negated_followed_by = [], [], [], frozenset(), frozenset()
        negatable = line.startswith("^ ")
        absent_after_no = line.startswith("^no ")
        for part in line.split()[1:] if negatable or absent_after_no else line.split():
            if part.startswith("!"):
                not_followed_by = frozenset(lemma(w) for w in part[1:].lower().split("|"))
                continue
            if part.startswith("~"):
                negated_followed_by = frozenset(lemma(w) for w in part[1:].lower().split("|"))
                continue
            is_optional = part.endswith("?") and len(part) > 1
            word = part[:-1] if is_optional else part
            if word == "_":
                options: Tuple[str, ...] = ()
            elif word == "NUM":
                options = ("#",)  # any number: "took 30 pills"
            elif word in groups:
                options = groups[word]
            else:
                options = tuple(w.lower() for w in word.split("|"))
            tokens.append(tuple(sorted({key_of(w) for w in options})))
            optional.append(is_optional)
            example.append(options[0] if options else "")
        return _Phrase(
            category, line, tuple(tokens), tuple(optional), not_followed_by, " ".join(example), language,
            negated_followed_by, negatable, absent_after_no,
        )


def same_spanish_lemma(word: str, target: str) -> bool:
    """False only when both are Spanish words, of different verbs or nouns."""
    mine, theirs = spanish_lemma(word), spanish_lemma(target)
    return mine is None or theirs is None or mine == theirs


class CrisisMatcher:
    """Finds crisis phrases in Docs from any spaCy pipeline with a lemmatizer."""

    def __init__(self, lexicon: Optional[CrisisLexicon] = None) -> None:
        self.lexicon = lexicon or CrisisLexicon()
        self._long_words = sorted(
            w for w in self.lexicon.surface_words if len(w) >= MIN_FUZZY_LENGTH and w.isalpha()
        )
        self._matchers: Dict[int, Matcher] = {}  # one per spaCy Vocab
        self._negations = frozenset(lemma(w) for w in ("not", "never", "no", "nt", "n't", "without"))
        spanish_lemma("")  # reads the Spanish table now, not on the first message

    def find(self, doc: Doc) -> List[CrisisMatch]:
        # Each token's matching key (its corrected lemma) goes in NORM, which
        # spaCy's Matcher compares in compiled code. A custom `._` attribute
        # is read through Python for every token and pattern: 0.6 ms a token,
        # six seconds for a 20,000-character message of short words. Nothing
        # after this component reads NORM.
        for token in doc:
            token.norm_ = self._key(token)
        matches = self._matcher_for(doc)(doc)
        # Telling a story from a present danger reads the whole message: only
        # worth doing when the lexicon found something.
        stories = story_clauses(doc) if matches else []
        found = []
        for match_id, start, end in matches:
            phrase = self.lexicon.phrases[int(doc.vocab.strings[match_id])]
            if phrase.not_followed_by and end < len(doc) and doc[end].norm_ in phrase.not_followed_by:
                continue
            if phrase.negatable and self._negated(doc, start):
                continue
            if phrase.absent_after_no and self._said_absent(doc, start):
                continue
            if phrase.negated_followed_by and self._negated(doc, start) and end < len(doc):
                if doc[end].norm_ in phrase.negated_followed_by:
                    continue
            found.append(
                CrisisMatch(
                    phrase.category,
                    phrase.source,
                    doc[start:end].text,
                    phrase.language,
                    no_present_danger=any(clause_start <= start < clause_end for clause_start, clause_end in stories),
                )
            )
        if not any(not match.no_present_danger for match in found):
            now = mixed_now(doc.text)
            if now:
                found.append(CrisisMatch("overdose", MIXING_PHRASE, now))
        return found

    @staticmethod
    def _said_absent(doc: Doc, start: int) -> bool:
        """"No" opens the clause just before doc[start]: "..., no seizures or anything", "but no
        hallucinations". Not "oh no seizure", an alarm."""
        if start == 0 or doc[start - 1].norm_ != "no":
            return False
        return start == 1 or bool(CLAUSE_BREAK.match(doc[start - 2].lower_))

    def _negated(self, doc: Doc, start: int) -> bool:
        """Whether one of the two words before doc[start] is a negation ("don't want", "do not want")."""
        before = {doc[i].norm_ for i in range(max(0, start - 2), start)}
        return bool(before & self._negations)

    def _key(self, token: Token) -> str:
        word = without_accents(token.lower_.replace("’", "'"))
        if word in self.lexicon.spellings:  # "2" is "to" before it is a number
            return lemma(self.lexicon.spellings[word])
        if token.like_num:
            return "#"
        corrected = correction(word, self._long_words)
        if corrected and not same_spanish_lemma(word, corrected):
            corrected = None  # "quedarse" (to stay) is no typo of "quemarme" (to burn oneself)
        return self.lexicon.key_of(corrected or word)

    def _matcher_for(self, doc: Doc) -> Matcher:
        key = id(doc.vocab)
        if key not in self._matchers:
            matcher = Matcher(doc.vocab)
            for index, phrase in enumerate(self.lexicon.phrases):
                pattern = []
                for options, is_optional in zip(phrase.tokens, phrase.optional):
                    spec: dict = {"NORM": {"IN": list(options)}} if options else {}
                    if is_optional:
                        spec["OP"] = "?"
                    pattern.append(spec)
                matcher.add(str(index), [pattern])
            self._matchers[key] = matcher
        return self._matchers[key]

"""Text analysis for the SEO and readability checks: HTML blocks, sentences, words.

A small, dependency-free English text model in the spirit of Yoast's content analysis
(specs/briefing.md §4.1): the HTML body is split into blocks (headings, paragraphs, list
items, table cells), blocks into sentences, sentences into words. The word lists
(function words, transition words, auxiliaries, irregular participles) are our own,
written from common English grammar references; they decide which words of a keyphrase
count ("content words"), which sentences carry a transition, and which clauses are
passive.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = [
    "Block",
    "Document",
    "FUNCTION_WORDS",
    "TRANSITION_WORDS",
    "TWO_PART_TRANSITIONS",
    "count_syllables",
    "is_passive",
    "match_tokens",
    "sentence_beginning",
    "parse_html",
    "split_sentences",
    "words",
]

# --- word lists ---------------------------------------------------------------------------------

#: English function words: articles, pronouns, prepositions, conjunctions, auxiliaries,
#: quantifiers and very common adverbs. A keyphrase's *content words* are its other words.
FUNCTION_WORDS = frozenset((
    "a", "an", "the", "this", "that", "these", "those", "such", "what", "which", "who", "whom",
    "whose", "whoever", "whatever", "whichever", "i", "me", "my", "mine", "myself", "you",
    "your", "yours", "yourself", "yourselves", "he", "him", "his", "himself", "she", "her",
    "hers", "herself", "it", "its", "itself", "we", "us", "our", "ours", "ourselves", "they",
    "them", "their", "theirs", "themselves", "one", "ones", "oneself", "someone", "somebody",
    "something", "anyone", "anybody", "anything", "everyone", "everybody", "everything",
    "no-one", "nobody", "nothing", "none", "about", "above", "across", "after", "against",
    "along", "amid", "among", "amongst", "around", "as", "at", "before", "behind", "below",
    "beneath", "beside", "besides", "between", "beyond", "but", "by", "despite", "down",
    "during", "except", "for", "from", "in", "inside", "into", "like", "near", "of", "off",
    "on", "onto", "out", "outside", "over", "past", "per", "since", "than", "through",
    "throughout", "till", "to", "toward", "towards", "under", "underneath", "unlike", "until",
    "up", "upon", "via", "with", "within", "without", "and", "or", "nor", "so", "yet", "both",
    "either", "neither", "not", "only", "also", "whether", "if", "unless", "because",
    "although", "though", "while", "whereas", "once", "then", "than", "am", "is", "are", "was",
    "were", "be", "been", "being", "have", "has", "had", "having", "do", "does", "did", "doing",
    "done", "can", "could", "may", "might", "must", "shall", "should", "will", "would", "ought",
    "get", "gets", "got", "gotten", "getting", "let", "lets", "all", "any", "each", "every",
    "few", "many", "more", "most", "much", "several", "some", "other", "another", "same", "own",
    "enough", "less", "least", "lot", "lots", "little", "very", "too", "quite", "rather",
    "really", "just", "even", "still", "already", "almost", "ever", "never", "always", "often",
    "sometimes", "usually", "here", "there", "where", "when", "why", "how", "now", "then",
    "again", "further", "however", "very", "really", "quite", "yes", "no", "ok", "okay",
    "first", "second", "third", "last", "next"
))

#: English transition words and phrases (single words and multi-word phrases, lower case).
TRANSITION_WORDS = frozenset((
    "accordingly", "additionally", "afterward", "afterwards", "albeit", "also", "although",
    "altogether", "another", "because", "before", "besides", "but", "certainly", "chiefly",
    "comparatively", "consequently", "conversely", "correspondingly", "despite", "during",
    "earlier", "equally", "especially", "eventually", "finally", "firstly", "following",
    "formerly", "further", "furthermore", "generally", "hence", "however", "if", "indeed",
    "instead", "last", "later", "lastly", "likewise", "markedly", "meanwhile", "moreover", "namely",
    "nevertheless", "nonetheless", "obviously", "occasionally", "otherwise", "overall",
    "particularly", "previously", "rather", "secondly", "shortly", "significantly", "similarly",
    "since", "so", "soon", "specifically", "still", "subsequently", "suddenly", "surely",
    "than", "then", "thereafter", "therefore", "though", "thus", "undoubtedly", "unless",
    "until", "when", "whenever", "whereas", "whether", "while"
)) | frozenset({
    "above all", "after all", "after that", "all in all", "as a matter of fact",
    "as a result", "as long as", "as soon as", "at first", "at last", "at the same time",
    "by the same token", "due to", "even if", "even so", "even though", "for example",
    "for instance", "for one thing", "for this reason", "given that", "in addition",
    "in any case", "in brief", "in conclusion", "in contrast", "in fact", "in general",
    "in other words", "in particular", "in short", "in spite of", "in sum", "in summary",
    "in that case", "in the meantime", "now that", "of course", "on the contrary",
    "on the other hand", "only if", "provided that", "so far", "so that", "such as",
    "that is", "to begin with", "to sum up", "to this end", "what is more",
    "with this in mind",
})

#: Two-part transitions: the sentence must hold both parts, in order.
TWO_PART_TRANSITIONS = (("either", "or"), ("neither", "nor"), ("both", "and"),
                        ("not only", "but also"), ("not", "but"))

_AUXILIARIES = frozenset(("am", "is", "are", "was", "were", "be", "been", "being",
                          "get", "gets", "got", "gotten", "getting", "'s", "'re"))

_IRREGULAR_PARTICIPLES = frozenset((
    "arisen", "awoken", "been", "beaten", "become", "begun", "bent", "bet", "bitten", "bled",
    "blown", "broken", "brought", "built", "burnt", "bought", "caught", "chosen", "come",
    "cost", "crept", "cut", "dealt", "dug", "done", "drawn", "dreamt", "drunk", "driven",
    "eaten", "fallen", "fed", "felt", "fought", "found", "fled", "flown", "forbidden",
    "forgotten", "forgiven", "frozen", "given", "gone", "ground", "grown", "hung", "heard",
    "hidden", "hit", "held", "hurt", "kept", "knelt", "known", "laid", "led", "leant", "learnt",
    "left", "lent", "let", "lain", "lit", "lost", "made", "meant", "met", "paid", "put", "quit",
    "read", "ridden", "rung", "risen", "run", "said", "seen", "sought", "sold", "sent", "set",
    "shaken", "shed", "shone", "shot", "shown", "shut", "sung", "sunk", "sat", "slept", "slid",
    "spoken", "spent", "spun", "split", "spread", "stood", "stolen", "stuck", "stung", "struck",
    "sworn", "swept", "swum", "swung", "taken", "taught", "torn", "told", "thought", "thrown",
    "understood", "woken", "worn", "woven", "wept", "won", "wound", "written", "withdrawn",
    "undertaken", "overcome", "overseen", "overtaken", "upheld"
))

#: Words ending in -ed that are not participles after a form of "be".
_NOT_PARTICIPLES = frozenset((
    "bed", "bred", "embed", "fed", "feed", "fled", "freed", "greed", "heed", "indeed", "led",
    "need", "needed", "nonetheless", "red", "reed", "seed", "shed", "sled", "speed", "steed",
    "tweed", "wed", "weed", "breed", "creed", "deed", "hundred", "kindred", "naked", "sacred",
    "wicked", "rugged", "ragged", "crooked", "beloved", "learned", "aged", "ed", "shred", "sped"
))

# --- HTML ---------------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(("p", "li", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "div",
                         "blockquote", "figcaption", "caption", "dt", "dd", "pre", "section",
                         "article", "header", "footer", "main", "aside", "ul", "ol", "table",
                         "tr", "thead", "tbody", "figure", "nav", "time"))
_SKIP_TAGS = frozenset(("script", "style", "template", "noscript", "svg"))
_VOID = frozenset(("br", "img", "hr", "meta", "link", "input", "source", "wbr"))


@dataclass
class Block:
    """A block of text: ``kind`` is its tag (``p``, ``h2``, ``li``, ``td`` …)."""

    kind: str
    text: str


@dataclass
class Document:
    """The text model of an HTML fragment."""

    blocks: list[Block] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # alt texts
    links: list[tuple[str, str, str]] = field(default_factory=list)  # href, text, rel

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = Document()
        self._stack: list[str] = []
        self._buf: list[str] = []
        self._skip = 0
        self._link: tuple[str, str] | None = None
        self._link_text: list[str] = []

    def _kind(self) -> str:
        for tag in reversed(self._stack):
            if tag in _BLOCK_TAGS and tag not in ("ul", "ol", "table", "tr", "thead", "tbody"):
                return tag
        return "p"

    def _flush(self) -> None:
        text = " ".join("".join(self._buf).split())
        self._buf = []
        if text:
            self.doc.blocks.append(Block(self._kind(), text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
            return
        a = {k: (v or "") for k, v in attrs}
        if tag == "img":
            self.doc.images.append(a.get("alt", ""))
        if tag == "br":
            self._buf.append(" ")
        if tag == "a":
            self._link = (a.get("href", ""), a.get("rel", ""))
            self._link_text = []
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag not in _VOID:
            self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            return
        if tag == "a" and self._link is not None:
            href, rel = self._link
            self.doc.links.append((href, " ".join("".join(self._link_text).split()), rel))
            self._link = None
        if tag in _BLOCK_TAGS:
            self._flush()
        if tag in self._stack:
            while self._stack:
                if self._stack.pop() == tag:
                    break

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self._buf.append(data)
        if self._link is not None:
            self._link_text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def parse_html(html: str) -> Document:
    """Blocks, image alt texts and links of an HTML fragment (scripts/styles ignored)."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.doc


# --- sentences and words -----------------------------------------------------------------------

_ABBREVIATIONS = frozenset(("mr", "mrs", "ms", "dr", "st", "vs", "etc", "e.g", "i.e", "no",
                            "jr", "sr", "gen", "gov", "sen", "rep", "prof", "inc", "ltd",
                            "co", "corp", "approx", "jan", "feb", "mar", "apr", "jun", "jul",
                            "aug", "sep", "sept", "oct", "nov", "dec"))
_SENT_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+|$)")


def split_sentences(text: str, *, keep_initials: bool = False) -> list[str]:
    """Sentences of one block of text.

    A sentence ends at ``.``, ``!``, ``?`` or ``…`` (with closing quotes/brackets)
    followed by white space and a capital letter, a digit or an opening quote — unless the
    word before the period is a known abbreviation (``Mr.``, ``e.g.``). As in Yoast,
    ``U.S. President`` ends a sentence after ``U.S.``: write ``US`` in generated text.
    """
    out: list[str] = []
    start = 0
    for m in _SENT_END.finditer(text):
        end = m.end()
        rest = text[end:].lstrip()
        if rest and not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "\"'“‘([¿¡"):
            continue
        before = text[start:m.start()].split()
        last = before[-1].lower().rstrip(".") if before else ""
        if m.group(0).startswith(".") and rest and (
                last in _ABBREVIATIONS
                or (keep_initials and re.fullmatch(r"(?:[a-z]\.)*[a-z]", last))):
            continue
        piece = text[start:end].strip()
        if piece:
            out.append(piece)
        start = end
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


_PUNCT = set(".,;:!?\"'“”‘’()[]{}<>–—-&*/\\…·•«»‹›¿¡~^`+=_")


def words(text: str) -> list[str]:
    """The words of ``text`` as Yoast counts them.

    Tokens between white space and en dashes (``Elmendorf-Richardson`` is one word,
    ``Trump–Putin`` two) that hold a character other than punctuation, with surrounding
    punctuation removed.
    """
    out = []
    for tok in re.split(r"[\s–]+", text):
        if any(ch not in _PUNCT for ch in tok):
            out.append(tok.strip("".join(_PUNCT)) or tok)
    return out


def match_tokens(text: str) -> list[str]:
    """Lower-case tokens for keyphrase matching.

    As in Yoast, hyphens, slashes and commas separate words but en dashes and apostrophes do
    not: ``cat-food`` holds ``cat``, while ``cat–food`` and ``cat's`` do not.
    """
    return re.findall(r"[\w'’–]+", text.lower().replace("_", " "))


def is_passive(sentence: str) -> bool:
    """Whether a sentence has a passive clause.

    A form of *be* or *get* followed by a past participle (regular ``-ed`` or irregular),
    directly or after ``not`` or one ``-ly`` adverb (``is widely expected``).
    """
    toks = re.findall(r"[a-z']+", sentence.lower().replace("’", "'"))
    for k, tok in enumerate(toks):
        if tok not in _AUXILIARIES:
            continue
        j = k + 1
        while j < len(toks) and j <= k + 2 and (toks[j] == "not" or toks[j].endswith("ly")):
            j += 1
        if j < len(toks) and _is_participle(toks[j]):
            return True
    return False


def _is_participle(word: str) -> bool:
    return word in _IRREGULAR_PARTICIPLES or (
        len(word) > 3 and word.endswith("ed") and word not in _NOT_PARTICIPLES)


#: First words that do not start a sentence on their own: the next word is taken too.
_BEGINNING_EXCEPTIONS = frozenset((
    "a", "an", "the", "this", "that", "these", "those", "one", "two", "three", "four",
    "five", "six", "seven", "eight", "nine", "ten"))


def sentence_beginning(sentence: str) -> str:
    """The first word of a sentence (two words after ``the``, ``this``, ``one`` …).

    An article, demonstrative or number word takes the next word with it (``the arctic``).
    """
    toks = re.findall(r"[\w'’]+", sentence.lower())
    if not toks:
        return ""
    if toks[0] in _BEGINNING_EXCEPTIONS and len(toks) > 1:
        return f"{toks[0]} {toks[1]}"
    return str(toks[0])


def count_syllables(word: str) -> int:
    """English syllables, estimated.

    The common vowel-group rule: drop a silent ending (``-es``, ``-ed`` or ``-e`` after a
    consonant other than ``l``) and a leading ``y``, then count groups of one or two vowels;
    words of up to three letters have one syllable.
    """
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 0
    if len(w) <= 3:
        return 1
    w = re.sub(r"(?:[^laeiouy]es|ed|[^laeiouy]e)$", "", w)
    w = re.sub(r"^y", "", w)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", w)))

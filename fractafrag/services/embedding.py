"""Text embeddings: TF-IDF + truncated SVD to 512-d unit vectors, fitted offline, numpy at runtime.

The model is fitted once (`fractafrag embeddings fit`) on the corpus in fractafrag/data/corpus and
saved as fractafrag/data/embedding-v{ARTIFACT_VERSION}.npz (vocabulary, idf, SVD components, no
pickle). Processes only load it; embedding reproduces scikit-learn's transform with numpy.

An all-zero vector (empty text, or no word the model knows) means "no vector": `embed` returns a
zero row for it and `embed_one`/`shader_vector` return None.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

EMBEDDING_DIM = 512
# Bump when the corpus, the normalisation tables or the fitting change: vectors of different
# versions are not comparable, so stored vectors must be recomputed after a bump.
ARTIFACT_VERSION = 1
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CORPUS_DIR = DATA_DIR / "corpus"
ARTIFACT_PATH = DATA_DIR / f"embedding-v{ARTIFACT_VERSION}.npz"
MIN_DF = 2
# Projection = SVD components scaled by singular_value ** power (rows of svd.transform times
# sigma ** power). 512 components keep ~70% of this corpus's variance, so plain LSA is nearly
# an isometry of TF-IDF and paraphrases with different words stay apart; weighting by sigma
# favours the broad topic directions over the idiosyncratic tail (measured: see the tests).
SINGULAR_VALUE_POWER = 1.0
# 512 float16 components per term: this cap keeps the committed artifact near 5 MB.
MAX_FEATURES = 5000

# --------------------------------------------------------------------------------------------
# Text normalisation (shared by fitting and embedding)
# --------------------------------------------------------------------------------------------

def _wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of a text block, as a set."""
    return frozenset(text.split())


STOPWORDS = _wordset(
    """
    a about above across after again against all almost along also am an and another any anybody
    anyone anything are around as at away back be because been before behind being below beneath
    beside besides between beyond both but by can could did do does doing done down during each
    either else even ever every few for from further get gets getting got had has have having he
    her here hers him his how however i if in inside into is it its itself just least less let
    lets me might mine more most much must my near neither no nor not now of off often on once
    one ones only onto or other others otherwise our ours out over own per perhaps quite rather
    really same shall she should since so some somebody someone something somewhat still such
    than that the their theirs them then there these they thing things this those though through
    thus till to too toward towards under until up upon us very via was we were what whatever
    when where whether which while who whom whose why will with within without would yet you
    your yours id im ive ill youre dont doesnt cant wont isnt thats theres whats
    maybe please thanks thank want wants wanted wanting need needs needed love loved loving like
    liked likes wish idea request commission bounty hoping hope dreaming anyone anybody make makes
    made making create created creates creating using use used uses show shows shown
    see seen look looks looking looked feel feels felt kind way bit lot lots kinda sorta
    shader shaders glsl effect effects style styled styles thing stuff cool nice awesome amazing
    great good lovely beautiful gorgeous pretty please version something exactly together
    leave leaves leaving left colour colours color colors colourful colorful pattern patterns
    scene scenes image images picture pictures visual visuals texture textures past
    """
)

# Irregular or stemmer-unfriendly surface forms -> lemma (checked before stemming).
LEMMAS: dict[str, str] = {
    "colour": "colour", "colours": "colour", "color": "colour", "colors": "colour",
    "coloured": "colour", "colored": "colour", "colourful": "colour", "colorful": "colour",
    "colouring": "colour", "coloring": "colour", "grey": "gray", "greys": "gray",
    "centre": "center", "centres": "center", "vapour": "vapor", "harbour": "harbor",
    "kaleidoscopic": "kaleidoscope", "kaleidoscopes": "kaleidoscope", "kaleido": "kaleidoscope",
    "leaves": "leaf", "wolves": "wolf", "mice": "mouse", "fish": "fish", "fishes": "fish",
    "reactive": "react", "reacting": "react", "reacts": "react", "loopable": "loop",
    "growth": "grow", "grown": "grow", "grew": "grow", "darkness": "dark",
    "seamless": "loop", "seamlessly": "loop", "eighties": "80s", "nineties": "90s",
    "wavy": "wavy", "lonely": "lonely", "early": "early", "only": "only", "gently": "gentle",
    "gentle": "gentle", "gas": "gas", "lens": "lens", "canvas": "canvas", "chaos": "chaos",
    "chaotic": "chaos", "psychedelia": "psychedelic", "visualiser": "visualizer",
    "visualisers": "visualizer", "visualizers": "visualizer", "visualisation": "visualizer",
    "visualization": "visualizer", "optimised": "optimize", "optimized": "optimize",
    "volumetric": "volumetric", "volumetrically": "volumetric", "iridescent": "iridescent",
    "particles": "particle", "particle": "particle", "bubbles": "bubble", "bubbly": "bubble",
    "bubbling": "bubble", "sparkles": "sparkle", "sparkling": "sparkle", "sparkly": "sparkle",
    "hexagons": "hexagon", "hexagonal": "hexagon", "hex": "hexagon", "tiles": "tile",
    "tiled": "tile", "tiling": "tile", "tilings": "tile", "marble": "marble", "marbled": "marble",
    "twinkle": "twinkle", "twinkling": "twinkle", "ripples": "ripple", "rippling": "ripple",
    "rippled": "ripple", "ripple": "ripple", "glowing": "glow", "glows": "glow", "glowy": "glow",
    "glowed": "glow", "flying": "fly", "flies": "fly", "fly": "fly", "firefly": "firefly",
    "fireflies": "firefly",
}

# Multi-word phrases -> one canonical token. Keys are written naturally and normalised at import
# with the same lemma/stem rules, so "signed distance fields" matches "signed distance field".
PHRASES: dict[str, str] = {
    "ray marching": "raymarch", "ray marched": "raymarch", "ray marcher": "raymarch",
    "ray march": "raymarch", "ray-marching": "raymarch", "sphere tracing": "raymarch",
    "sphere traced": "raymarch", "sphere tracer": "raymarch", "sphere trace": "raymarch",
    "ray tracing": "raytrace", "ray traced": "raytrace", "ray tracer": "raytrace",
    "path tracing": "pathtrace", "path traced": "pathtrace", "path tracer": "pathtrace",
    "signed distance field": "sdf", "signed distance function": "sdf", "distance field": "sdf",
    "distance function": "sdf", "distance estimator": "sdf", "distance estimation": "sdf",
    "signed distance": "sdf",
    "fractal brownian motion": "fbm", "fractional brownian motion": "fbm",
    "brownian motion": "fbm", "fractal noise": "fbm", "octaves of noise": "fbm",
    "octave noise": "fbm", "layered noise": "fbm", "multifractal": "fbm",
    "cellular noise": "voronoi", "cell noise": "voronoi", "worley noise": "voronoi",
    "voronoi noise": "voronoi",
    "domain warping": "domainwarp", "domain warp": "domainwarp", "domain warped": "domainwarp",
    "warped noise": "domainwarp", "fbm warping": "domainwarp",
    "reaction diffusion": "reactiondiffusion", "gray scott": "reactiondiffusion",
    "turing pattern": "reactiondiffusion",
    "frame feedback": "feedback", "feedback buffer": "feedback", "feedback loop": "feedback",
    "previous frame": "feedback", "multi pass": "multipass", "multiple passes": "multipass",
    "ambient occlusion": "ambientocclusion", "soft shadow": "softshadow",
    "god ray": "godray", "light shaft": "godray", "light ray": "godray", "sun ray": "godray",
    "sun beam": "godray", "crepuscular ray": "godray",
    "golden hour": "sunset", "evening sun": "sunset", "setting sun": "sunset",
    "sun going down": "sunset", "sun set": "sunset", "sun sinking": "sunset",
    "sun rise": "sunrise", "rising sun": "sunrise", "first light": "sunrise",
    "northern light": "aurora", "southern light": "aurora", "aurora borealis": "aurora",
    "aurora australis": "aurora",
    "black hole": "blackhole", "event horizon": "blackhole",
    "milky way": "galaxy", "outer space": "space", "deep space": "space",
    "mandelbrot set": "mandelbrot", "julia set": "julia", "menger sponge": "menger",
    "sine wave": "sine", "sine waves": "sine", "wave equation": "ripple",
    "audio reactive": "audio", "music reactive": "audio", "sound reactive": "audio",
    "react to music": "audio", "react to the music": "audio", "react to sound": "audio",
    "synced to the beat": "audio", "react to the beat": "audio", "music video": "audio",
    "old tv": "crt", "old television": "crt", "old monitor": "crt", "tube tv": "crt",
    "never ending": "infinite", "goes on forever": "infinite",
    "pixel art": "pixelart", "8 bit": "pixelart", "16 bit": "pixelart", "8bit": "pixelart",
    "op art": "opart", "optical illusion": "opart", "ukiyo e": "ukiyoe",
    "woodblock print": "ukiyoe",
    "water colour": "watercolour", "old school": "oldschool", "demo scene": "demoscene",
    "low poly": "lowpoly", "cel shaded": "toon", "cel shading": "toon", "toon shading": "toon",
    "lo fi": "lofi", "sci fi": "scifi", "science fiction": "scifi",
    "star field": "star", "warp speed": "hyperspace", "light speed": "hyperspace",
    "cosine palette": "palette", "colour palette": "palette", "post processing": "postprocess",
    "tone mapping": "tonemap", "film grain": "grain", "chromatic aberration": "aberration",
    "depth of field": "dof", "lava lamp": "lavalamp", "game of life": "gameoflife",
    "kick drum": "beat", "bass drum": "beat",
}

# Single words (any inflection) -> canonical token, so paraphrases land on the same features.
SYNONYMS: dict[str, str] = {
    # scenes
    "sea": "ocean", "seas": "ocean", "ocean": "ocean", "oceanic": "ocean", "wave": "ocean",
    "waves": "ocean", "surf": "ocean", "swell": "ocean", "breaker": "ocean", "seascape": "ocean",
    "whitecap": "ocean", "marine": "ocean", "maritime": "ocean",
    "dusk": "sunset", "sunset": "sunset", "sundown": "sunset", "twilight": "sunset",
    "evening": "sunset", "afterglow": "sunset",
    "dawn": "sunrise", "daybreak": "sunrise", "sunrise": "sunrise", "morning": "sunrise",
    "cloud": "cloud", "cloudy": "cloud", "cumulus": "cloud", "cloudscape": "cloud",
    "cirrus": "cloud", "overcast": "cloud", "cumulonimbus": "cloud",
    "flame": "fire", "fire": "fire", "fiery": "fire", "blaze": "fire", "inferno": "fire",
    "bonfire": "fire", "campfire": "fire",
    "aurora": "aurora", "borealis": "aurora", "auroras": "aurora",
    "mountain": "mountain", "mountainous": "mountain", "peak": "mountain", "summit": "mountain",
    "alpine": "mountain", "ridge": "mountain",
    "terrain": "terrain", "landscape": "terrain", "heightfield": "terrain",
    "heightmap": "terrain",
    "hill": "hill", "hilly": "hill",
    "forest": "forest", "woods": "forest", "woodland": "forest", "jungle": "forest",
    "rainforest": "forest", "grove": "forest",
    "tree": "tree", "pine": "tree", "trunk": "tree",
    "rain": "rain", "rainy": "rain", "raindrop": "rain", "rainfall": "rain", "drizzle": "rain",
    "downpour": "rain",
    "snow": "snow", "snowy": "snow", "snowfall": "snow", "snowflake": "snow", "flake": "snow",
    "blizzard": "snow",
    "star": "star", "starry": "star", "starfield": "star", "starlight": "star",
    "space": "space", "cosmos": "space", "cosmic": "space",
    "nebula": "nebula", "nebulae": "nebula", "nebular": "nebula",
    "galaxy": "galaxy", "galactic": "galaxy",
    "planet": "planet", "planetary": "planet", "exoplanet": "planet",
    "moon": "moon", "moonlit": "moon", "moonlight": "moon", "lunar": "moon", "moonrise": "moon",
    "sun": "sun", "sunlight": "sun", "sunshine": "sun", "sunny": "sun", "solar": "sun",
    "sunlit": "sun",
    "night": "night", "nighttime": "night", "midnight": "night", "nocturnal": "night",
    "lava": "lava", "magma": "lava", "molten": "lava",
    "volcano": "volcano", "volcanic": "volcano", "eruption": "volcano", "erupting": "volcano",
    "underwater": "underwater", "undersea": "underwater", "subaquatic": "underwater",
    "city": "city", "cities": "city", "urban": "city", "skyline": "city", "metropolis": "city",
    "downtown": "city", "megacity": "city",
    "storm": "storm", "stormy": "storm", "thunderstorm": "storm", "thunder": "storm",
    "tempest": "storm",
    "lightning": "lightning", "bolt": "lightning",
    "desert": "desert", "dune": "desert", "sand": "sand",
    "smoke": "smoke", "smoky": "smoke", "smoking": "smoke",
    "mist": "fog", "misty": "fog", "fog": "fog", "foggy": "fog", "haze": "haze", "hazy": "haze",
    "ice": "ice", "icy": "ice", "frozen": "ice", "glacier": "ice", "glacial": "ice",
    "crystal": "crystal", "crystalline": "crystal",
    "flower": "flower", "floral": "flower", "blossom": "flower",
    "petal": "flower",
    # techniques
    "raymarch": "raymarch", "raymarched": "raymarch", "raymarching": "raymarch",
    "raymarcher": "raymarch", "raymarches": "raymarch",
    "raytrace": "raytrace", "raytraced": "raytrace", "raytracing": "raytrace",
    "raytracer": "raytrace", "raycast": "raytrace", "raycaster": "raytrace",
    "raycasting": "raytrace",
    "sdf": "sdf", "sdfs": "sdf", "sd": "sdf",
    "fbm": "fbm", "fbms": "fbm", "turbulence": "fbm", "turbulent": "fbm",
    "voronoi": "voronoi", "worley": "voronoi", "cellular": "voronoi",
    "kaleidoscope": "kaleidoscope", "mandala": "mandala",
    "feedback": "feedback", "backbuffer": "feedback",
    "multipass": "multipass",
    "noise": "noise", "noisy": "noise",
    "fractal": "fractal", "fractals": "fractal",
    "plasma": "plasma",
    "tunnel": "tunnel",
    "wormhole": "wormhole",
    "particle": "particle",
    "palette": "palette", "palettes": "palette",
    "glow": "glow", "luminous": "glow", "radiant": "glow", "glowy": "glow",
    "polar": "polar", "radial": "polar",
    "symmetry": "symmetry", "symmetric": "symmetry", "symmetrical": "symmetry",
    "mirror": "reflect", "mirrored": "reflect", "mirroring": "reflect", "reflect": "reflect",
    "reflection": "reflect", "reflective": "reflect", "reflecting": "reflect",
    "infinite": "infinite", "endless": "infinite", "forever": "infinite",
    "infinity": "infinite", "endlessly": "infinite", "boundless": "infinite",
    "melt": "merge", "melting": "merge", "merge": "merge", "merging": "merge", "fuse": "merge",
    "fusing": "merge", "coalesce": "merge",
    "bioluminescent": "glow", "bioluminescence": "glow", "phosphorescent": "glow",
    "metaball": "metaball", "blob": "blob", "blobby": "blob",
    "hexagon": "hexagon", "tile": "tile", "grid": "grid",
    "music": "audio", "audio": "audio", "sound": "audio", "song": "audio",
    "soundtrack": "audio", "fft": "audio", "spectrum": "audio",
    "beat": "beat", "bass": "beat", "kick": "beat", "rhythm": "beat",
    "demoscene": "demoscene", "demo": "demoscene", "intro": "demoscene",
    "oldschool": "oldschool",
    "pixelart": "pixelart", "pixelated": "pixelart", "pixelate": "pixelart",
    "pixel": "pixel", "pixels": "pixel", "chunky": "pixel",
    "glitch": "glitch", "glitchy": "glitch", "datamosh": "glitch", "corrupted": "glitch",
    "crt": "crt", "scanline": "crt", "vhs": "crt",
    # styles and moods
    "synthwave": "synthwave", "outrun": "synthwave", "retrowave": "synthwave",
    "vaporwave": "vaporwave", "vapourwave": "vaporwave",
    "cyberpunk": "cyberpunk",
    "minimal": "minimal", "minimalist": "minimal", "minimalism": "minimal",
    "minimalistic": "minimal",
    "watercolour": "watercolour", "watercolor": "watercolour",
    "woodblock": "ukiyoe", "ukiyoe": "ukiyoe",
    "bauhaus": "bauhaus",
    "retro": "retro", "vintage": "retro", "nostalgic": "retro", "nostalgia": "retro",
    "calm": "calm", "peaceful": "calm", "tranquil": "calm", "serene": "calm",
    "relaxing": "calm", "relaxed": "calm", "soothing": "calm", "quiet": "calm",
    "dreamy": "dream", "dreamlike": "dream", "ethereal": "dream", "dream": "dream",
    "eerie": "eerie", "creepy": "eerie", "spooky": "eerie", "haunting": "eerie",
    "haunted": "eerie", "ominous": "eerie", "sinister": "eerie",
    "cosy": "cosy", "cozy": "cosy", "snug": "cosy",
    "psychedelic": "psychedelic", "trippy": "psychedelic",
    "hypnotic": "hypnotic", "mesmerising": "hypnotic", "mesmerizing": "hypnotic",
    "energetic": "energetic", "intense": "energetic", "frantic": "energetic",
    "epic": "epic", "majestic": "epic", "vast": "epic",
    "cute": "cute", "playful": "cute",
    "hue": "hue", "hues": "hue",
    "neon": "neon",
    "rainbow": "rainbow", "iridescent": "rainbow", "prismatic": "rainbow",
    "drift": "drift", "floating": "drift", "float": "drift", "drifting": "drift",
    "swirl": "swirl", "swirly": "swirl", "swirling": "swirl", "vortex": "swirl",
    "spin": "rotate", "spinning": "rotate", "rotating": "rotate", "rotate": "rotate",
    "rotation": "rotate", "revolving": "rotate",
    "zoom": "zoom", "zooming": "zoom", "dive": "zoom",
    "animated": "animated", "animation": "animated", "moving": "animated",
}


def _split_words(text: str) -> list[str]:
    """Lowercase words of letters and digits (punctuation, hyphens and underscores split)."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))


def _has_vowel(word: str) -> bool:
    """Whether a word part contains a vowel (y counts)."""
    return any(ch in "aeiouy" for ch in word)


def stem(word: str) -> str:
    """A light suffix-stripping stemmer (plurals, -ing/-ed, -ly/-y, -ation, final e)."""
    if word in LEMMAS:
        return LEMMAS[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    w = word
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("sses", "ches", "shes", "xes", "zzes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ing", "ed"):
        base = w[: -len(suffix)]
        if w.endswith(suffix) and len(base) >= 3 and _has_vowel(base):
            w = base
            if w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            break
    if w.endswith("ly") and len(w) >= 6:
        w = w[:-2]
    elif w.endswith("y") and len(w) >= 5 and w[-2] not in "aeiou":
        w = w[:-1]
        if w[-1] == w[-2] and w[-1] not in "lsz":
            w = w[:-1]
    if w.endswith("ness") and len(w) >= 7:
        w = w[:-4]
    elif w.endswith(("ation", "ction")) and len(w) >= 7:
        w = w[:-3]
    if w.endswith("e") and len(w) >= 4:
        w = w[:-1]
    return w


# Canonical tokens are final; these maps are keyed by the stem of every listed surface form.
_SYNONYMS_BY_STEM: dict[str, str] = {}
for _surface, _canonical in SYNONYMS.items():
    _SYNONYMS_BY_STEM[_surface] = _canonical
    _SYNONYMS_BY_STEM.setdefault(stem(_surface), _canonical)
# A canonical token typed as a word ("hyperspace") must land on itself, not on its stem.
for _canonical in {*SYNONYMS.values(), *PHRASES.values()}:
    _SYNONYMS_BY_STEM.setdefault(_canonical, _canonical)
    _SYNONYMS_BY_STEM.setdefault(stem(_canonical), _canonical)
_PHRASES_BY_STEMS: dict[tuple[str, ...], str] = {
    tuple(stem(w) for w in _split_words(phrase)): token for phrase, token in PHRASES.items()
}
_LONGEST_PHRASE = max(len(key) for key in _PHRASES_BY_STEMS)
_STOP_STEMS = frozenset(stem(w) for w in STOPWORDS) - frozenset(_SYNONYMS_BY_STEM)


def normalise(text: str) -> list[str]:
    """Canonical tokens of a text: lowercased, phrases joined, stemmed, synonyms, no stopwords."""
    words = _split_words(text)
    stems = [stem(w) for w in words]
    tokens: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(_LONGEST_PHRASE, len(words) - i), 1, -1):
            token = _PHRASES_BY_STEMS.get(tuple(stems[i : i + size]))
            if token:
                tokens.append(token)
                i += size
                break
        else:
            word, stemmed = words[i], stems[i]
            i += 1
            if word in STOPWORDS or word.isdigit() or len(word) < 2:
                continue
            canonical = _SYNONYMS_BY_STEM.get(word) or _SYNONYMS_BY_STEM.get(stemmed, stemmed)
            if canonical not in _STOP_STEMS:
                tokens.append(canonical)
    return tokens


def analyze(text: str) -> list[str]:
    """Features of a text: canonical unigrams plus bigrams of adjacent tokens.

    Bigrams are unordered ("ocean sunset" == "sunset ocean"): asks say the same thing in either
    order ("a raymarched ocean at sunset", "sunset over the sea, ray marching").
    """
    tokens = normalise(text)
    features = list(tokens)
    for first, second in zip(tokens, tokens[1:], strict=False):
        if first != second:
            features.append(f"{min(first, second)} {max(first, second)}")
    return features


def analyzer_fingerprint() -> str:
    """A hash of the normalisation tables and rules; the artifact records the one it was fit on."""
    probe = "Ray-marched seas at golden hour; signed distance fields, fbm & Worley cells. Colours!"
    tables = json.dumps(
        [sorted(STOPWORDS), LEMMAS, PHRASES, SYNONYMS, analyze(probe)], sort_keys=True
    )
    return hashlib.sha256(tables.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# Artifact and fitting
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Artifact:
    """A fitted model: vocabulary, idf weights and SVD components, plus metadata."""

    vocabulary: list[str]
    idf: np.ndarray  # float32, (V,)
    components: np.ndarray  # float16, (EMBEDDING_DIM, V)
    singular_values: np.ndarray  # float32, (EMBEDDING_DIM,)
    meta: dict[str, Any] = field(default_factory=dict)

    def projection(self) -> np.ndarray:
        """The (V, dim) matrix taking a TF-IDF row to the embedding (before normalising)."""
        power = float(self.meta.get("singular_value_power", 0.0))
        weights = self.singular_values.astype(np.float64) ** power
        return self.components.astype(np.float64).T * weights

    def save(self, path: Path | str) -> None:
        """Write the artifact as a compressed npz (no pickled objects)."""
        vocabulary = "\n".join(self.vocabulary).encode("utf-8")
        with open(path, "wb") as handle:
            np.savez_compressed(
                handle,
                vocabulary=np.frombuffer(vocabulary, dtype=np.uint8),
                idf=self.idf.astype(np.float32),
                components=self.components.astype(np.float16),
                singular_values=self.singular_values.astype(np.float32),
                meta=np.frombuffer(json.dumps(self.meta).encode("utf-8"), dtype=np.uint8),
            )

    @classmethod
    def load(cls, path: Path | str) -> Artifact:
        """Read an artifact written by `save`."""
        with np.load(path, allow_pickle=False) as data:
            vocabulary = bytes(data["vocabulary"]).decode("utf-8").split("\n")
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            return cls(
                vocabulary, data["idf"], data["components"], data["singular_values"], meta
            )


def read_corpus(directory: Path | str = CORPUS_DIR) -> list[str]:
    """The corpus documents: every non-empty line of every *.txt file, files in name order."""
    documents: list[str] = []
    for path in sorted(Path(directory).glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                documents.append(line.strip())
    return documents


def corpus_sha256(documents: Iterable[str]) -> str:
    """A content hash of the corpus documents (one per line)."""
    digest = hashlib.sha256()
    for document in documents:
        digest.update(document.encode("utf-8") + b"\n")
    return digest.hexdigest()


def make_vectorizer(vocabulary: dict[str, int] | None = None, min_df: int = MIN_DF) -> Any:
    """The scikit-learn TfidfVectorizer this module reproduces (fitting and tests only)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer=analyze,
        sublinear_tf=True,
        min_df=1 if vocabulary is not None else min_df,
        vocabulary=vocabulary,
        norm="l2",
        use_idf=True,
        smooth_idf=True,
        dtype=np.float64,
    )


def select_vocabulary(
    documents: list[str], max_features: int = MAX_FEATURES, min_df: int = MIN_DF
) -> dict[str, int]:
    """Terms with document frequency >= min_df: every unigram first, then the commonest bigrams."""
    df: Counter[str] = Counter()
    for document in documents:
        df.update(set(analyze(document)))
    frequent = [(term, count) for term, count in df.items() if count >= min_df]
    # Unigrams carry the meaning; bigrams only sharpen it, so they fill what room is left.
    unigrams = sorted((t for t in frequent if " " not in t[0]), key=lambda t: (-t[1], t[0]))
    bigrams = sorted((t for t in frequent if " " in t[0]), key=lambda t: (-t[1], t[0]))
    chosen = sorted(term for term, _ in (unigrams + bigrams)[:max_features])
    return {term: index for index, term in enumerate(chosen)}


def fit(
    documents: list[str],
    n_components: int = EMBEDDING_DIM,
    max_features: int = MAX_FEATURES,
    min_df: int = MIN_DF,
) -> Artifact:
    """Fit TF-IDF (sublinear tf) + TruncatedSVD on the documents; needs scikit-learn."""
    from sklearn.decomposition import TruncatedSVD

    started = time.perf_counter()
    vectorizer = make_vectorizer(select_vocabulary(documents, max_features, min_df))
    matrix = vectorizer.fit_transform(documents)
    svd = TruncatedSVD(n_components=n_components, random_state=0)
    svd.fit(matrix)
    vocabulary = vectorizer.get_feature_names_out().tolist()
    meta = {
        "version": ARTIFACT_VERSION,
        "dim": n_components,
        "corpus_sha256": corpus_sha256(documents),
        "n_docs": len(documents),
        "vocabulary_size": len(vocabulary),
        "fitted_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "explained_variance": round(float(svd.explained_variance_ratio_.sum()), 4),
        "singular_value_power": SINGULAR_VALUE_POWER,
        "analyzer": analyzer_fingerprint(),
        "fit_seconds": round(time.perf_counter() - started, 2),
        "min_df": min_df,
        "max_features": max_features,
    }
    return Artifact(
        vocabulary=vocabulary,
        idf=vectorizer.idf_.astype(np.float32),
        components=svd.components_.astype(np.float16),
        singular_values=svd.singular_values_.astype(np.float32),
        meta=meta,
    )


# --------------------------------------------------------------------------------------------
# Runtime embedding (numpy only)
# --------------------------------------------------------------------------------------------


class Embedder:
    """Embeds texts with a fitted artifact: TF-IDF as scikit-learn computes it, then the SVD.

    Equivalent to `normalize(svd.transform(vectorizer.transform(texts)) * sigma ** power)`.
    """

    def __init__(self, artifact: Artifact) -> None:
        """Index the vocabulary and widen the stored arrays for arithmetic."""
        self.artifact = artifact
        self.index = {term: i for i, term in enumerate(artifact.vocabulary)}
        self.idf = artifact.idf.astype(np.float64)
        self.projection = np.ascontiguousarray(artifact.projection(), dtype=np.float32)
        self.dim = self.projection.shape[1]
        if artifact.meta.get("analyzer") != analyzer_fingerprint():
            log.warning(
                "embedding artifact v%s was fitted with other normalisation tables; "
                "run `fractafrag embeddings fit` and bump ARTIFACT_VERSION",
                artifact.meta.get("version"),
            )

    @classmethod
    def load(cls, path: Path | str = ARTIFACT_PATH) -> Embedder:
        """An embedder for the artifact at path."""
        return cls(Artifact.load(path))

    def weights(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Sparse TF-IDF row of a text: term indices and l2-normalised weights."""
        counts = Counter(t for t in analyze(text) if t in self.index)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        indices = np.fromiter((self.index[t] for t in counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), np.float64, len(counts))
        values = tf * self.idf[indices]
        return indices, values / np.linalg.norm(values)

    def tfidf(self, texts: list[str]) -> np.ndarray:
        """Dense TF-IDF matrix (n, V), equal to TfidfVectorizer.transform; for checks and tests."""
        matrix = np.zeros((len(texts), len(self.index)), dtype=np.float64)
        for row, text in enumerate(texts):
            indices, values = self.weights(text)
            matrix[row, indices] = values
        return matrix

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit vectors (n, dim) as float32; a row is all zeros when the text has no known word."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            indices, values = self.weights(text)
            if len(indices):
                vector = values @ self.projection[indices]
                norm = np.linalg.norm(vector)
                if norm > 1e-12:
                    out[row] = vector / norm
        return out

    def embed_one(self, text: str) -> list[float] | None:
        """One unit vector as a list, or None when the text gives no vector."""
        vector = self.embed([text])[0]
        return vector.tolist() if vector.any() else None


@lru_cache(maxsize=1)
def default_embedder() -> Embedder:
    """The committed artifact's embedder, loaded once per process."""
    return Embedder.load(ARTIFACT_PATH)


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors (n, 512) from the default embedder; zero rows mean "no vector"."""
    return default_embedder().embed(texts)


def embed_one(text: str) -> list[float] | None:
    """One 512-d unit vector from the default embedder, or None when the text gives no vector."""
    return default_embedder().embed_one(text)


# --------------------------------------------------------------------------------------------
# Shader documents
# --------------------------------------------------------------------------------------------

_TYPES = r"(?:float|int|uint|bool|[biu]?vec[234]|mat[234](?:x[234])?)"
_KEYWORDS = _wordset(
    "if else for while do switch case return break continue discard in out inout uniform const "
    "struct void true false precision highp mediump lowp"
)
# Names that say nothing about what a shader shows.
_GENERIC_NAMES = _wordset(
    """
    main image main_image mainimage frag fragcoord fragcolor uv uvs st col color colour res
    resolution pos position dir direction p q d t n i j k x y z w a b c e f h m r s u v o
    rd ro tmp temp val value values result res sum total acc dist distance len length angle
    ang time tt offset off scale size id ids index idx step steps count num dt delta ratio
    amount factor mask base center centre local cell max min eps epsilon pi tau two half one
    zero iter iters it speed phase radius rad width height at of to get set do calc compute
    init update apply make eval evaluate func fn sample tex coord coords point pt pts left
    right up down forward fwd ahead hit hash hash11 hash12 hash21 hash22 hash31 hash33 rot
    rotate rotation mat matrix lerp clamp01 saturate remap map2 on in k1 k2 alpha fi fj
    occ weight yaw pitch amp freq texel state turn target nearest corner along inside tone
    cover band core flip parity centers lines line with
    """
)
# Builtins worth a word when present (near-universal ones add little, but cost nothing).
_BUILTIN_HINTS = {
    "texture": "texture", "texelFetch": "texture", "textureLod": "texture",
    "smoothstep": "smooth", "mix": "blend", "fract": "repetition", "atan": "polar angle",
    "reflect": "reflection", "refract": "refraction", "fwidth": "antialiasing",
    "dFdx": "antialiasing", "iMouse": "interactive mouse",
}
_NOISE_NAME = re.compile(r"noise|perlin|simplex|fbm|turb|value|gradient", re.I)
_CELL_NAME = re.compile(r"noise|perlin|simplex|fbm|turb|hash|rand|voronoi|worley|cell", re.I)


def _strip_comments(code: str) -> str:
    """Code without // and /* */ comments (licence headers say nothing about the picture)."""
    code = re.sub(r"/\*.*?\*/", " ", code, flags=re.S)
    return re.sub(r"//[^\n]*", " ", code)


def _balanced(code: str, start: int, open_ch: str, close_ch: str) -> int:
    """Index just past the bracket that closes the one at `start`."""
    depth = 0
    for i in range(start, len(code)):
        if code[i] == open_ch:
            depth += 1
        elif code[i] == close_ch:
            depth -= 1
            if depth == 0:
                return i + 1
    return len(code)


def _functions(code: str) -> dict[str, str]:
    """Defined functions: name -> body (bodies of overloads are joined)."""
    found: dict[str, str] = {}
    pattern = re.compile(r"\b([A-Za-z_]\w*)\s+([A-Za-z_]\w*)\s*\(([^(){};]*)\)\s*\{")
    for match in pattern.finditer(code):
        if match.group(1) in _KEYWORDS - {"void"} or match.group(2) in _KEYWORDS:
            continue
        brace = match.end() - 1
        body = code[brace : _balanced(code, brace, "{", "}")]
        found[match.group(2)] = found.get(match.group(2), "") + body
    return found


def _loops(code: str) -> list[str]:
    """Bodies of every for/while loop (nested loops appear on their own too)."""
    bodies = []
    for match in re.finditer(r"\b(?:for|while)\s*\(", code):
        after = _balanced(code, match.end() - 1, "(", ")")
        rest = code[after:].lstrip()
        if rest.startswith("{"):
            start = len(code) - len(rest)
            bodies.append(code[start : _balanced(code, start, "{", "}")])
        else:
            bodies.append(rest.split(";", 1)[0])
    return bodies


def _call_arguments(code: str, names: list[str]) -> list[str]:
    """The argument text of every call to one of the named functions."""
    found = []
    for match in re.finditer(rf"\b(?:{'|'.join(map(re.escape, names))})\s*\(", code):
        before = re.search(r"(\w+)\s*$", code[: match.start()])
        if before and before.group(1) != "return":
            continue  # a definition (`float noise(vec2 p)`), not a call
        end = _balanced(code, match.end() - 1, "(", ")")
        found.append(code[match.end() : end - 1])
    return found


def split_identifier(name: str) -> str:
    """Words of an identifier: sdSphere -> 'sd sphere', soft_shadow2 -> 'soft shadow'."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return " ".join(w for w in re.split(r"[-_\d\s]+", spaced.lower()) if len(w) > 1)


def _is_raymarch_loop(body: str) -> bool:
    """A loop advancing a distance along a ray: `t += h` with a point `ro + rd * t` inside."""
    for acc in set(re.findall(r"\b([A-Za-z_]\w*)\s*\+=", body)):
        if acc.lower() in {"col", "color", "colour", "sum", "acc", "c"}:
            continue
        along = rf"\b\w+(?:\.\w+)?\s*\+\s*\w+(?:\.\w+)?\s*\*\s*{acc}\b"
        along_rev = rf"\b{acc}\s*\*\s*\w+(?:\.\w+)?\s*\+\s*\w+"
        if re.search(along, body) or re.search(along_rev, body):
            return True
    # The position itself marches: p += rd * d.
    return bool(re.search(r"\b\w+\s*\+=\s*(?:rd|dir|ray\w*)\s*\*\s*\w+", body, re.I)) or bool(
        re.search(r"\b\w+\s*\+=\s*\w+\s*\*\s*(?:rd|dir|ray\w*)\b", body, re.I)
    )


def _is_octave_loop(body: str, noise_calls: str) -> bool:
    """An fbm loop: sums a noise scaled by an amplitude that is itself scaled each octave."""
    if not re.search(rf"\b(?:{noise_calls})\s*\(", body):
        return False
    for var in set(re.findall(r"\b([A-Za-z_]\w*)\s*\*=\s*[\d.]+", body)):
        if re.search(rf"\+=\s*[^;]*\b{var}\b", body):
            return True
    return bool(re.search(r"\b(\w+)\s*=\s*[^;]*\*\s*\1\s*\*\s*[\d.]+", body)) and "+=" in body


def _pass_cycles(passes: list[dict[str, Any]]) -> bool:
    """Whether some buffer reads its own output, directly or through other buffers."""
    reads: dict[str | None, set[str | None]] = {
        p.get("name", ""): {i.get("source") for i in p.get("inputs") or [] if isinstance(i, dict)}
        for p in passes
    }

    def reaches(start: str | None, goal: str | None, seen: set[str | None]) -> bool:
        for source in reads.get(start, ()):
            if source == goal:
                return True
            if source in reads and source not in seen:
                seen.add(source)
                if reaches(source, goal, seen):
                    return True
        return False

    return any(reaches(name, name, set()) for name in reads if name != "Image")


def shader_code_terms(common: str, passes: list[dict[str, Any]]) -> list[str]:
    """Words a person would use for what the code does: names, builtin hints, techniques."""
    code = _strip_comments("\n".join([common or ""] + [p.get("code") or "" for p in passes]))
    functions = _functions(code)
    terms: list[str] = []

    def add(*words: str) -> None:
        for word in words:
            if word and word not in terms:
                terms.append(word)

    for name in functions:
        if name.lower() not in _GENERIC_NAMES:
            add(split_identifier(name))
    for name in re.findall(rf"\b{_TYPES}\s+([A-Za-z_]\w*)\s*(?:=|;|,|\[)", code):
        if name.lower() not in _GENERIC_NAMES and len(name) > 2 and not name.isupper():
            add(split_identifier(name))
    for builtin, hint in _BUILTIN_HINTS.items():
        if re.search(rf"\b{builtin}\b", code):
            add(hint)

    noise_names = [n for n in functions if _NOISE_NAME.search(n)] or ["noise"]
    noise_calls = "|".join(map(re.escape, noise_names + ["texture", "texelFetch"]))
    loops = _loops(code)
    raymarch = any(_is_raymarch_loop(body) for body in loops)
    if raymarch:
        add("raymarch", "3d")
    sd_names = [n for n in functions if re.match(r"(?:sd|ud|op)[A-Z_0-9]", n) or "sdf" in n.lower()]
    smooth_min = "smin" in functions or re.search(r"-\s*\w+\s*\*\s*h\s*\*\s*\(\s*1\.0\s*-", code)
    if sd_names or smooth_min or (raymarch and {"map", "scene", "de", "sdf"} & set(functions)):
        add("sdf")
    if any(_is_octave_loop(body, noise_calls) for body in loops):
        add("fbm", "noise")
    if any(re.search(r"noise|perlin|simplex", n, re.I) for n in functions) or re.search(
        r"mix\s*\(\s*mix\s*\(\s*hash", code
    ):
        add("noise")
    # Domain warping: a noise's coordinates contain another noise, directly or via a variable.
    noise_only = "|".join(map(re.escape, noise_names))
    warp_vars = re.findall(rf"\b{_TYPES}\s+(\w+)\s*=\s*[^;]*\b(?:{noise_only})\s*\(", code)
    warped = rf"\b(?:{noise_only}|{'|'.join(warp_vars) or '(?!x)x'})\b"
    if any(re.search(warped, args) for args in _call_arguments(code, noise_names)):
        add("domain warp")
    neighbour_loops = re.findall(r"for\s*\(\s*int\s+\w+\s*=\s*-\s*[12]\s*;", code)
    if len(neighbour_loops) >= 2 and "floor" in code and re.search(r"\b(?:length|dot)\s*\(", code):
        add("voronoi", "cells")
    if any(re.search(r"voronoi|worley|cellular", n, re.I) for n in functions):
        add("voronoi", "cells")
    angle_vars = re.findall(r"\b(\w+)\s*=\s*atan\s*\(", code)
    polar_wrap = re.search(r"mod\s*\(\s*atan\s*\(", code) or any(
        re.search(rf"mod\s*\(\s*{a}\b", code) for a in angle_vars
    )
    if polar_wrap and re.search(r"\babs\s*\(", code):
        add("kaleidoscope", "symmetry", "mirror")
    if any(re.search(r"\b(\w+)\s*=\s*abs\s*\(\s*\1\b", body) for body in loops):
        add("fold")
    if re.search(r"\batan\s*\(\s*[^,;()]+,", code):
        add("polar")
    radii = re.findall(r"\b(\w+)\s*=\s*length\s*\(", code)
    if re.search(r"\batan\s*\(", code) and any(
        re.search(rf"[\d.]+\s*/\s*{r}\b", code) for r in radii
    ):
        add("tunnel")
    complex_square = re.search(r"\b(\w+)\.x\s*\*\s*\1\.x\s*-\s*\1\.y\s*\*\s*\1\.y", code)
    if complex_square or re.search(r"\bc(?:mul|sqr)\s*\(", code):
        add("fractal", "escape time")
        z = complex_square.group(1) if complex_square else "z"
        if re.search(r"julia", code, re.I) or re.search(
            rf"\b{z}\s*=\s*[^;]*(?:fragCoord|\buv\b|\bp\b)", code
        ):
            add("julia")
        elif re.search(rf"\b{z}\s*=\s*vec2\s*\(\s*0", code) or "mandelbrot" in code.lower():
            add("mandelbrot")
        if re.search(r"\b(\w+)\s*=\s*min\s*\(\s*\1\s*,", code):
            add("orbit trap")
    if re.search(r"log2\s*\(\s*log2", code):
        add("smooth iteration")
    bulb_power = re.search(r"\bpow\s*\(\s*\w+\s*,\s*(?:8\.0|power)", code)
    if bulb_power and re.search(r"\bacos\s*\(", code):
        add("mandelbulb", "fractal")
    if re.search(r"menger|sierpinski|apollonian|kleinian|mandelbox", code, re.I):
        add("fractal")
    if any(
        re.search(r"\b(\w+)\s*=\s*min\s*\(\s*\1\s*,\s*[^;]*\*\s*[\w.]+\s*/\s*\w+\s*\)", body)
        for body in loops
    ):
        add("soft shadows")
    if re.search(r"\+=\s*\(\s*\w+\s*-\s*\w+\s*\(\s*\w+\s*\+\s*\w+\s*\*\s*\w+\s*\)", code):
        add("ambient occlusion")
    if re.search(r"mix\s*\([^;]*?,\s*1\.0\s*-\s*exp\s*\(\s*-", code):
        add("fog")
    if re.search(r"cos\s*\(\s*(?:6\.28\d*|TAU|TWO_PI|PI2|2\.0\s*\*\s*PI)\s*\*\s*\(", code):
        add("cosine palette")
    if re.search(r"[\d.]+(?:e-?\d+)?\s*/\s*\(\s*[^;]*?\+\s*[\d.]+(?:e-?\d+)?\s*\)", code):
        add("glow")
    for body in loops:
        if re.search(r"/\s*\(\s*dot\s*\(\s*([^,()]+),\s*\1\s*\)", body) and "+=" in body:
            accumulators = re.findall(r"\b(\w+)\s*\+=", body)
            if any(re.search(rf"smoothstep\s*\([^;]*\b{a}\s*\)", code) for a in accumulators):
                add("metaballs", "blobs")
            else:
                add("particles", "glow")
    # Noise and cell functions floor/fract their input too; only the picture's own grid counts.
    pictured = " ".join(
        body for name, body in functions.items() if not _CELL_NAME.search(name)
    )
    tiles = set(re.findall(r"\bfloor\s*\(\s*([\w.]+)\s*\)", pictured)) & set(
        re.findall(r"\bfract\s*\(\s*([\w.]+)\s*\)", pictured)
    )
    if tiles:
        add("grid", "tiling")
    if re.search(r"mod\s*\(\s*[\w.]+\s*\+\s*[\w.]+\s*,\s*2\.0\s*\)", code):
        add("checkerboard")
    post = False
    if re.search(r"pow\s*\(\s*\w+\s*,\s*vec3\s*\(\s*(?:0\.45|1\.0\s*/\s*2\.2)", code):
        add("gamma")
        post = True
    if re.search(r"1\.0\s*-\s*exp\s*\(\s*-\s*[\d.]+\s*\*\s*(?:col|color|colour)\w*\s*\)", code):
        add("tone mapping")
        post = True
    if re.search(r"\*=\s*1\.0\s*-\s*[\d.]+\s*\*\s*dot\s*\(\s*(\w+)\s*,\s*\1\s*\)", code):
        add("vignette")
        post = True
    if re.search(r"sin\s*\(\s*fragCoord\.y", code):
        add("scanlines")
        post = True
    if any(len(re.findall(r"\btexture\s*\(", body)) and "+=" in body for body in loops):
        add("blur", "bloom")
        post = True
    if post:
        add("post processing")
    if re.search(r"\b(?:dot|max|clamp)\s*\(\s*\w+\s*,\s*\w*(?:light|sun|lig)\w*\s*\)", code, re.I):
        add("lighting")
    if re.search(r"fft|spectrum|audio|music|sound|\bbeat\b|\bbass\b", code, re.I):
        add("audio reactive")

    sources = {
        str(i.get("source", ""))
        for p in passes
        for i in (p.get("inputs") or [])
        if isinstance(i, dict)
    }
    for source in sorted(sources):
        if source.startswith("texture:"):
            add("texture", split_identifier(source.removeprefix("texture:")) + " texture")
        if re.search(r"audio|music|sound|mic", source, re.I):
            add("audio reactive")
    if len(passes) > 1:
        add("multipass", "buffer")
    feedback = _pass_cycles(passes)
    if feedback:
        add("feedback")
        if re.search(r"laplac|diffus|\bfeed\b|\bkill\b", code, re.I) or re.search(
            r"\b(\w+)\.x\s*\*\s*\1\.y\s*\*\s*\1\.y", code
        ):
            add("reaction diffusion", "simulation")
    if not raymarch:
        add("2d")
    return terms


def shader_text(
    title: str, description: str, tags: list[str], common: str, passes: list[dict[str, Any]]
) -> str:
    """The document embedded for a shader: title and tags twice, description, code terms."""
    tag_text = ", ".join(tags or [])
    code_terms = " ".join(shader_code_terms(common, passes))
    parts = [title, title, tag_text, tag_text, description, code_terms]
    return ". ".join(part for part in parts if part)


def shader_vector(
    title: str, description: str, tags: list[str], common: str, passes: list[dict[str, Any]]
) -> list[float] | None:
    """A shader's 512-d style vector, or None when nothing in it is known to the model."""
    return embed_one(shader_text(title, description, tags, common, passes))

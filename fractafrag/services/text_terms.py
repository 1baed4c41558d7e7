"""Text normalisation for the TF-IDF embedder: words to canonical terms.

Lower-cased words lose stopwords, irregular forms go to their lemma, multi-word phrases
("signed distance field") and synonyms become one canonical token, the rest is stemmed. Fitting
(services/embedding.py) and embedding use the same rules; `analyzer_fingerprint` hashes the
tables so an artifact fitted on other rules is noticed. Most of this module is those tables.
"""

from __future__ import annotations

import hashlib
import json
import re

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

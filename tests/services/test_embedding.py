"""Text embeddings: the artifact, numpy == scikit-learn, paraphrases, GLSL terms, fit command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.decomposition import TruncatedSVD

from fractafrag.cli import main
from fractafrag.services import embedding
from fractafrag.services.embedding import (
    ARTIFACT_PATH,
    EMBEDDING_DIM,
    Artifact,
    Embedder,
    default_embedder,
    embed,
    embed_one,
    shader_code_terms,
    shader_text,
    shader_vector,
    split_identifier,
)

DEMOS = {
    demo["slug"]: demo
    for demo in json.loads(
        (Path(embedding.__file__).parent.parent / "demo" / "shaders.json").read_text()
    )
}
CLUSTER_THRESHOLD = 0.82

SAMPLES = [
    "a raymarched ocean at sunset",
    "Ridge Flight: raymarched fbm terrain at golden hour, snow on the peaks",
    "pixel art space invaders",
    "Kaleidoscope of neon colours, folded in polar coordinates!",
    "the the the",
    "voronoi voronoi voronoi cells",
]

# Written after the model was tuned and first scored on a separate development set (the two
# misses it showed then were fixed in general normalisation, not by editing these pairs).
PARAPHRASES = [
    ("a raymarched ocean at sunset", "sunset over the sea, ray marching"),
    ("fbm clouds drifting over mountains", "fractal noise clouds above mountains"),
    ("kaleidoscope of neon colours", "neon kaleidoscopic pattern"),
    ("a julia set fractal slowly morphing", "morphing julia fractal, slow"),
    ("worley noise cracks in dry mud", "dry mud cracking in voronoi cells"),
    ("sphere traced metaballs with soft shadows", "raymarched metaballs casting soft shadows"),
    ("green aurora over snowy mountains", "northern lights above snow covered peaks"),
    ("a stormy sea with lightning", "lightning over rough ocean waves in a storm"),
    (
        "reaction diffusion stripes like a zebra",
        "zebra stripes grown with gray scott reaction diffusion",
    ),
    ("vaporwave statue with a pastel grid", "pastel vaporwave grid and a greek statue"),
    ("an endless neon tunnel", "infinite tunnel of neon lights"),
    ("pixel art waterfall for a game", "8 bit waterfall game background"),
    ("starfield at warp speed", "stars streaking past in hyperspace"),
    ("a campfire glowing at night in the forest", "forest campfire glow at night"),
    ("domain warped fbm that looks like marble", "marble texture from domain warping"),
    ("sunrise over a misty lake", "foggy lake at dawn"),
    ("audio visualizer bars that react to music", "music reactive spectrum bars"),
    ("rain puddles reflecting neon signs", "neon signs mirrored in rainy puddles"),
]

# Paraphrases that swap nouns the synonym map does not join (sphere/blob, window/glass,
# dark/night): they stay clearly related but some fall under the clustering threshold.
HARDER_PARAPHRASES = [
    ("signed distance field spheres melting together", "SDF blobs smoothly merging"),
    ("rain on a window at night with city lights", "raindrops on glass, city lights at night"),
    ("campfire with sparks under the stars", "sparks rising from a campfire under a starry sky"),
    ("lava flowing from a volcano at night", "volcano erupting with rivers of lava in the dark"),
    ("snow falling on a quiet pine forest", "snowfall over pine trees, very peaceful"),
    ("fireflies leaving trails in a dark meadow", "glowing fireflies with trails over a meadow"),
    ("watercolor landscape with soft hills", "soft hills painted in watercolour"),
    (
        "a calm lake reflecting the mountains at dawn",
        "mountains mirrored in a still lake at sunrise",
    ),
]

UNRELATED = [
    ("raymarched ocean at sunset", "pixel art space invaders"),
    ("fbm clouds drifting over mountains", "kaleidoscope of neon colours"),
    ("a julia set fractal slowly morphing", "rain puddles reflecting neon signs"),
    ("green aurora over snowy mountains", "reaction diffusion stripes like a zebra"),
    ("an endless neon tunnel", "a campfire glowing at night in the forest"),
    ("audio visualizer bars that react to music", "sunrise over a misty lake"),
    ("worley noise cracks in dry mud", "starfield at warp speed"),
    ("vaporwave statue with a pastel grid", "a stormy sea with lightning"),
    ("pixel art waterfall for a game", "sphere traced metaballs with soft shadows"),
    ("a black hole bending starlight", "cosy lo-fi bedroom with rain on the window"),
    ("mandelbrot zoom in gold", "underwater kelp forest with fish"),
    ("glitch transition with rgb split", "watercolour hills at dawn"),
]


def cosine(a: str, b: str) -> float:
    """Cosine of two texts' embeddings (both unit length)."""
    first, second = embed([a, b])
    return float(first @ second)


def demo_terms(slug: str) -> list[str]:
    """Code terms of a demo shader."""
    version = DEMOS[slug]["version"]
    return shader_code_terms(version["common"], version["passes"])


def demo_vector(slug: str) -> np.ndarray:
    """Style vector of a demo shader."""
    demo = DEMOS[slug]
    version = demo["version"]
    vector = shader_vector(
        demo["title"], demo["description"], demo["tags"], version["common"], version["passes"]
    )
    assert vector is not None
    return np.array(vector)


def sklearn_pipeline(artifact: Artifact):
    """scikit-learn objects rebuilt from an artifact's stored vocabulary, idf and components."""
    vectorizer = embedding.make_vectorizer(
        {term: i for i, term in enumerate(artifact.vocabulary)}
    )
    vectorizer.idf_ = artifact.idf.astype(np.float64)
    svd = TruncatedSVD(n_components=artifact.components.shape[0])
    svd.components_ = artifact.components.astype(np.float64)
    return vectorizer, svd


def sklearn_embed(artifact: Artifact, texts: list[str]) -> np.ndarray:
    """normalize(svd.transform(vectorizer.transform(texts)) * sigma ** power)."""
    vectorizer, svd = sklearn_pipeline(artifact)
    power = artifact.meta["singular_value_power"]
    rows = svd.transform(vectorizer.transform(texts)) * artifact.singular_values**power
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


# ---------------------------------------------------------------------------------------------
# The committed artifact
# ---------------------------------------------------------------------------------------------


def test_artifact_loads_and_matches_the_code_and_corpus():
    artifact = Artifact.load(ARTIFACT_PATH)
    meta = artifact.meta
    assert meta["version"] == embedding.ARTIFACT_VERSION
    assert ARTIFACT_PATH.name == f"embedding-v{embedding.ARTIFACT_VERSION}.npz"
    assert meta["dim"] == EMBEDDING_DIM == artifact.components.shape[0] == 512
    assert artifact.components.shape[1] == len(artifact.vocabulary) == meta["vocabulary_size"]
    assert artifact.components.dtype == np.float16
    assert artifact.idf.shape == (len(artifact.vocabulary),)
    # Refit (`fractafrag embeddings fit`) and bump ARTIFACT_VERSION when either of these fails.
    assert meta["analyzer"] == embedding.analyzer_fingerprint()
    documents = embedding.read_corpus()
    assert meta["corpus_sha256"] == embedding.corpus_sha256(documents)
    assert meta["n_docs"] == len(documents) >= 3000
    assert 0 < meta["explained_variance"] < 1
    assert ARTIFACT_PATH.stat().st_size < 6_000_000


def test_corpus_is_large_and_small_enough():
    corpus = Path(embedding.CORPUS_DIR)
    assert sum(p.stat().st_size for p in corpus.glob("*.txt")) < 3_000_000
    assert len(embedding.read_corpus()) >= 3000


def test_vectors_are_512_d_unit_length_and_deterministic():
    vectors = embed(SAMPLES)
    assert vectors.shape == (len(SAMPLES), EMBEDDING_DIM)
    assert vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    known = [i for i, text in enumerate(SAMPLES) if text != "the the the"]
    assert np.allclose(norms[known], 1.0, atol=1e-5)
    again = Embedder.load(ARTIFACT_PATH).embed(SAMPLES)
    assert np.array_equal(vectors, again)
    assert default_embedder() is default_embedder()
    single = embed_one(SAMPLES[0])
    assert single is not None and len(single) == EMBEDDING_DIM
    assert np.allclose(single, vectors[0])


@pytest.mark.parametrize("text", ["", "   ", "the and of", "zzqxv blorptangle 12345", "!!!"])
def test_texts_without_known_words_give_no_vector(text):
    assert not embed([text]).any()
    assert embed_one(text) is None


def test_runtime_does_not_need_scikit_learn():
    # The web process imports the module and embeds; only fit() imports scikit-learn.
    import subprocess
    import sys

    script = (
        "import sys; sys.modules['sklearn'] = None\n"
        "from fractafrag.services.embedding import embed_one\n"
        "v = embed_one('raymarched ocean'); assert v is not None and len(v) == 512\n"
        "print('ok')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# ---------------------------------------------------------------------------------------------
# numpy runtime == scikit-learn
# ---------------------------------------------------------------------------------------------


def test_numpy_tfidf_equals_sklearn_on_the_committed_artifact():
    artifact = Artifact.load(ARTIFACT_PATH)
    vectorizer, _ = sklearn_pipeline(artifact)
    texts = SAMPLES + [doc for doc in embedding.read_corpus()[::400]]
    expected = vectorizer.transform(texts).toarray()
    actual = Embedder(artifact).tfidf(texts)
    assert np.abs(actual - expected).max() < 1e-9


def test_numpy_embedding_equals_sklearn_on_the_committed_artifact():
    artifact = Artifact.load(ARTIFACT_PATH)
    texts = SAMPLES + [doc for doc in embedding.read_corpus()[::250]]
    expected = sklearn_embed(artifact, texts)
    actual = Embedder(artifact).embed(texts)
    assert np.abs(actual - expected).max() < 1e-5


def test_fit_stores_what_sklearn_computes_and_numpy_reproduces_it():
    documents = embedding.read_corpus()[::5]
    artifact = embedding.fit(documents, n_components=64, max_features=1500)
    # The same fit done here with scikit-learn directly.
    vectorizer = embedding.make_vectorizer(embedding.select_vocabulary(documents, 1500))
    matrix = vectorizer.fit_transform(documents)
    svd = TruncatedSVD(n_components=64, random_state=0).fit(matrix)
    assert artifact.vocabulary == vectorizer.get_feature_names_out().tolist()
    assert np.allclose(artifact.idf, vectorizer.idf_, rtol=1e-6)
    assert np.abs(artifact.components.astype(np.float64) - svd.components_).max() < 1e-3
    assert np.allclose(artifact.singular_values, svd.singular_values_, rtol=1e-6)
    texts = SAMPLES + documents[:50]
    expected = svd.transform(vectorizer.transform(texts)) * svd.singular_values_
    expected /= np.maximum(np.linalg.norm(expected, axis=1, keepdims=True), 1e-12)
    actual = Embedder(artifact).embed(texts)
    # float16 storage of the components is the only difference from the float64 fit.
    assert np.abs(actual - expected).max() < 5e-3
    assert np.abs(actual - sklearn_embed(artifact, texts)).max() < 1e-5


def test_saved_artifact_round_trips_without_pickle(tmp_path):
    artifact = embedding.fit(embedding.read_corpus()[::10], n_components=32, max_features=800)
    path = tmp_path / "model.npz"
    artifact.save(path)
    with np.load(path, allow_pickle=False) as data:
        assert all(data[key].dtype != object for key in data.files)
    loaded = Artifact.load(path)
    assert loaded.vocabulary == artifact.vocabulary
    assert loaded.meta == artifact.meta
    assert np.array_equal(Embedder(loaded).embed(SAMPLES), Embedder(artifact).embed(SAMPLES))


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Ray-marched seas", ["raymarch", "ocean"]),
        ("a raymarcher using sphere tracing", ["raymarch", "raymarch"]),
        ("signed distance fields, SDFs", ["sdf", "sdf"]),
        ("fractal Brownian motion / fractal noise / fbm", ["fbm", "fbm", "fbm"]),
        ("Worley, cellular, voronoi", ["voronoi", "voronoi", "voronoi"]),
        ("dusk at golden hour", ["sunset", "sunset"]),
        ("waves and surf", ["ocean", "ocean"]),
        ("I'd love a shader that looks like colours", []),
    ],
)
def test_normalisation_joins_synonyms(text, tokens):
    assert embedding.normalise(text) == tokens


def test_bigrams_ignore_word_order():
    first = embedding.analyze("ocean at sunset")
    second = embedding.analyze("sunset over the ocean")
    assert sorted(first) == sorted(second) == ["ocean", "ocean sunset", "sunset"]


# ---------------------------------------------------------------------------------------------
# Desire-board similarity
# ---------------------------------------------------------------------------------------------


def test_paraphrased_asks_reach_the_cluster_threshold():
    scores = [cosine(a, b) for a, b in PARAPHRASES]
    print(
        f"\nparaphrases n={len(scores)} min={min(scores):.3f} median={np.median(scores):.3f} "
        f"max={max(scores):.3f}"
    )
    low = [(pair, round(s, 3)) for pair, s in zip(PARAPHRASES, scores, strict=True) if s < 0.82]
    assert not low


def test_harder_paraphrases_stay_related():
    scores = [cosine(a, b) for a, b in HARDER_PARAPHRASES]
    print(
        f"\nharder paraphrases n={len(scores)} min={min(scores):.3f} "
        f"median={np.median(scores):.3f} max={max(scores):.3f} "
        f">= {CLUSTER_THRESHOLD}: {sum(s >= CLUSTER_THRESHOLD for s in scores)}"
    )
    assert min(scores) > 0.6


def test_unrelated_asks_stay_apart():
    scores = [cosine(a, b) for a, b in UNRELATED]
    print(
        f"\nunrelated n={len(scores)} min={min(scores):.3f} median={np.median(scores):.3f} "
        f"max={max(scores):.3f}"
    )
    high = [(pair, round(s, 3)) for pair, s in zip(UNRELATED, scores, strict=True) if s >= 0.5]
    assert not high


# ---------------------------------------------------------------------------------------------
# GLSL code terms
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("sdSphere", "sd sphere"),
        ("fbm", "fbm"),
        ("soft_shadow2", "soft shadow"),
        ("calcAO", "calc ao"),
        ("hash22", "hash"),
        ("opSmoothUnion", "op smooth union"),
    ],
)
def test_split_identifier(name, words):
    assert split_identifier(name) == words


# Which demos each technique detector must fire on, and on no other demo.
DETECTED = {
    "raymarch": {"sdf-garden", "fbm-terrain"},
    "sdf": {"sdf-garden"},
    "fbm": {"fbm-clouds", "fbm-terrain"},
    "domain warp": {"fbm-clouds"},
    "voronoi": {"voronoi-cells"},
    "fractal": {"mandelbrot-zoom", "julia-drift"},
    "mandelbrot": {"mandelbrot-zoom"},
    "julia": {"julia-drift"},
    "kaleidoscope": {"kaleidoscope"},
    "tunnel": {"tunnel"},
    "feedback": {"fading-trails", "reaction-diffusion"},
    "reaction diffusion": {"reaction-diffusion"},
    "multipass": {"fading-trails", "reaction-diffusion"},
    "metaballs": {"metaballs"},
    "particles": {"fading-trails"},
    "soft shadows": {"sdf-garden"},
    "ambient occlusion": {"sdf-garden"},
    "fog": {"sdf-garden", "fbm-terrain"},
    "orbit trap": {"julia-drift"},
    "grid": {"truchet-flow"},
}


@pytest.mark.parametrize("term", sorted(DETECTED))
def test_technique_detectors_on_the_demo_shaders(term):
    found = {slug for slug in DEMOS if term in demo_terms(slug)}
    assert found == DETECTED[term]


def test_flat_plasma_is_not_called_3d():
    terms = demo_terms("plasma")
    for claim in ("raymarch", "sdf", "3d", "fractal", "fbm", "feedback", "voronoi"):
        assert claim not in terms
    assert "2d" in terms and "cosine palette" in terms


def test_code_terms_name_functions_and_hints():
    terms = demo_terms("sdf-garden")
    for word in ("sd torus", "soft shadow", "ambient occlusion", "normal at", "lighting"):
        assert word in terms
    assert "main image" not in terms and "uv" not in terms
    assert "polar" in demo_terms("tunnel") and "texture" in demo_terms("tunnel")


def test_detectors_on_small_snippets():
    march = """
    float scene(vec3 p) { return length(p) - 1.0; }
    void mainImage(out vec4 o, in vec2 f) {
        vec3 p = vec3(0.0, 0.0, -3.0), rd = normalize(vec3(f, 1.0));
        for (int i = 0; i < 64; i++) { float d = scene(p); if (d < 0.001) break; p += rd * d; }
        o = vec4(p, 1.0);
    }"""
    assert "raymarch" in shader_code_terms("", [{"name": "Image", "code": march}])
    octaves = """
    float noise(vec2 p) { return fract(sin(dot(p, vec2(12.9, 78.2))) * 43758.5); }
    void mainImage(out vec4 o, in vec2 f) {
        float v = 0.0, a = 0.5; vec2 p = f / 100.0;
        for (int i = 0; i < 6; i++) { v += a * noise(p); p *= 2.0; a *= 0.5; }
        o = vec4(v);
    }"""
    terms = shader_code_terms("", [{"name": "Image", "code": octaves}])
    assert "fbm" in terms and "raymarch" not in terms
    # A comment that says "raymarching" does not make a shader raymarched.
    flat = "// raymarching soon\nvoid mainImage(out vec4 o, in vec2 f) { o = vec4(f.x); }"
    assert "raymarch" not in shader_code_terms("", [{"name": "Image", "code": flat}])


# ---------------------------------------------------------------------------------------------
# Shader vectors
# ---------------------------------------------------------------------------------------------


def test_shader_text_weights_title_and_tags():
    demo = DEMOS["sdf-garden"]
    text = shader_text(
        demo["title"], demo["description"], demo["tags"], "", demo["version"]["passes"]
    )
    assert text.count("SDF Garden") == 2 and text.count("raymarching, sdf") == 2
    assert demo["description"] in text and "soft shadows" in text


def test_raymarched_demo_is_nearer_raymarched_text_than_the_plasma():
    garden = demo_vector("sdf-garden")
    plasma = demo_vector("plasma")
    text = np.array(embed_one("raymarched signed distance field shapes with soft shadows"))
    assert garden @ text > garden @ plasma + 0.2
    # The other raymarched demo is nearer too.
    assert garden @ demo_vector("fbm-terrain") > garden @ plasma


def test_shader_vectors_find_their_own_kind():
    assert demo_vector("mandelbrot-zoom") @ demo_vector("julia-drift") > 0.4
    assert demo_vector("fbm-clouds") @ demo_vector("fbm-terrain") > 0.4
    query = np.array(embed_one("fluid trails in a feedback buffer"))
    scores = {slug: float(demo_vector(slug) @ query) for slug in DEMOS}
    assert max(scores, key=scores.get) == "fading-trails"


# ---------------------------------------------------------------------------------------------
# The fit command
# ---------------------------------------------------------------------------------------------


def test_fit_command_writes_an_artifact(tmp_path):
    # The full corpus takes 10-40 s to fit; a slice keeps this test quick.
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "slice.txt").write_text("\n".join(embedding.read_corpus()[::4]) + "\n")
    out = tmp_path / "model.npz"
    result = CliRunner().invoke(
        main, ["embeddings", "fit", "--out", str(out), "--corpus", str(corpus)]
    )
    assert result.exit_code == 0, result.output
    assert "512 dimensions" in result.output and "explained variance" in result.output
    artifact = Artifact.load(out)
    assert artifact.components.shape[0] == EMBEDDING_DIM
    assert artifact.meta["n_docs"] == len(embedding.read_corpus()[::4])
    vector = Embedder(artifact).embed_one("raymarched ocean at sunset")
    assert vector is not None and abs(np.linalg.norm(vector) - 1) < 1e-5

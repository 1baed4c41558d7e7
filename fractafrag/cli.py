"""The `fractafrag` command: up, worker, and Flask's own (db, routes, shell)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from fractafrag.config import default_data_dir


def _create_app() -> Flask:
    from fractafrag import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Fractafrag: a self-hostable, realtime community for GLSL shaders."""


@main.command("up", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--data-dir",
    default=None,
    help="Where embedded PostgreSQL/Redis data, secrets and renders live "
    f"[default: $FRACTAFRAG_DATA_DIR or {default_data_dir()}].",
)
@click.option("--demo/--no-demo", default=False, help="Seed demo shaders (once).")
@click.option("--mcp-port", default=3200, show_default=True, type=int,
              help="Port of the MCP bridge (streamable HTTP at /mcp); 0 leaves it off.")
@click.option("--web-processes", default=None, type=click.IntRange(1, 64),
              help="Web processes serving the port (they share Socket.IO through Redis) "
                   "[default: $FRACTAFRAG_WEB_PROCESSES or one per CPU core].")
def up(host: str, port: int, data_dir: str | None, demo: bool, mcp_port: int,
       web_processes: int | None) -> None:
    """Start Fractafrag: database, Redis, workers, web server and MCP bridge; Ctrl-C stops it."""
    from fractafrag.runner import run_up

    raise SystemExit(run_up(host=host, port=port, data_dir=data_dir, demo=demo,
                            mcp_port=mcp_port, web_processes=web_processes))


@main.group("admin")
def admin() -> None:
    """Grant or revoke the admin role (moderation)."""


@admin.command("grant")
@click.argument("username")
def admin_grant(username: str) -> None:
    """Make USERNAME an admin: they may hide and restore content."""
    from fractafrag.services import ServiceError, moderation

    try:
        user = moderation.grant_admin(username)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{user.username} is now an admin.")


@admin.command("revoke")
@click.argument("username")
def admin_revoke(username: str) -> None:
    """Make USERNAME a plain user again."""
    from fractafrag.services import ServiceError, moderation

    try:
        user = moderation.grant_admin(username, admin=False)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"{user.username} is no longer an admin.")


@main.command("worker")
@click.argument("queues", nargs=-1)
def worker(queues: tuple[str, ...]) -> None:
    """Run an RQ worker on the given queues (default: 'default')."""
    import os

    from flask import current_app

    from fractafrag.embedded import nice_session
    from fractafrag.jobs.worker import run_worker

    # Background jobs (vectors, clustering, generation) yield the CPU to the web processes.
    if current_app.config["WORKER_NICE"] > 0:
        niceness = os.nice(current_app.config["WORKER_NICE"])
        nice_session(niceness)  # under `fractafrag up`, the worker leads a session
    run_worker(list(queues) or ["default"])


@main.command("render")
@click.option("--shader", "shader_ids", type=int, multiple=True, help="Shader id (repeatable).")
@click.option("--all", "everything", is_flag=True, help="Every shader.")
def render(shader_ids: tuple[int, ...], everything: bool) -> None:
    """Queue fresh renders (e.g. after a player upgrade)."""
    from fractafrag.services.renders import rerender

    if not shader_ids and not everything:
        raise click.UsageError("Give --shader ID (repeatable) or --all.")
    count = rerender(None if everything else list(shader_ids))
    click.echo(f"queued {count} render(s)")


@main.command("export")
@click.option("--shader", "shader_id", type=int, required=True, help="Shader id.")
@click.option("--format", "fmt", type=click.Choice(["png", "webm", "mp4", "gif"]),
              default="webm", show_default=True)
@click.option("--width", type=click.IntRange(16, 7680), default=1280, show_default=True)
@click.option("--height", type=click.IntRange(16, 4320), default=720, show_default=True)
@click.option("--seconds", type=click.FloatRange(0, 3600), default=5.0, show_default=True)
@click.option("--fps", type=click.IntRange(1, 120), default=30, show_default=True)
@click.option("--start", type=click.FloatRange(0, 3600), default=0.0, show_default=True)
@click.option("--version", "version", type=int, default=None, help="Default: the current one.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Default: shader-<id>.<format> here.")
def export(shader_id: int, fmt: str, width: int, height: int, seconds: float, fps: int,
           start: float, version: int | None, out: str | None) -> None:
    """Render a shader to a still, video or GIF file here (what POST …/exports does)."""
    from pathlib import Path

    from fractafrag.jobs.export import export_to_file
    from render_worker.capture import ShaderRenderError

    target = Path(out or f"shader-{shader_id}.{fmt}")
    try:
        size = export_to_file(shader_id, fmt, width, height, seconds, fps, start, target,
                              version)
    except (ValueError, ShaderRenderError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {target} ({size} bytes)")


@main.group("embeddings")
def embeddings() -> None:
    """Text embeddings: fit the TF-IDF + SVD artifact (and the sentence centre) from the corpus."""


@embeddings.command("fit", with_appcontext=False)
@click.option("--out", "out", default=None, help="Artifact path [default: the committed one].")
@click.option("--corpus", "corpus", default=None, help="Corpus folder of *.txt files.")
def embeddings_fit(out: str | None, corpus: str | None) -> None:
    """Fit the embedding model on the corpus and write the .npz artifact."""
    import time
    from pathlib import Path

    from fractafrag.services import embedding

    started = time.perf_counter()
    documents = embedding.read_corpus(corpus or embedding.CORPUS_DIR)
    if not documents:
        raise click.UsageError("The corpus is empty.")
    artifact = embedding.fit(documents)
    path = Path(out) if out else embedding.ARTIFACT_PATH
    artifact.save(path)
    meta = artifact.meta
    click.echo(
        f"embedding v{meta['version']}: {meta['n_docs']} documents, "
        f"{meta['vocabulary_size']} terms, {meta['dim']} dimensions, "
        f"explained variance {meta['explained_variance']:.3f}"
    )
    size = path.stat().st_size / 1e6
    click.echo(f"wrote {path} ({size:.2f} MB) in {time.perf_counter() - started:.1f} s")
    if out is None and corpus is None:
        from fractafrag.services import desire_embedding, sentence_model

        if sentence_model.available():
            desire_embedding.fit_centre(sentence_model.load())
            click.echo(f"wrote {desire_embedding.CENTRE_PATH} (mean sentence vector of the asks)")
        else:
            click.echo("sentence model not installed: the desire centre artifact is unchanged")


@main.group("desires")
def desires_group() -> None:
    """The desire board."""


@desires_group.command("recluster")
def recluster() -> None:
    """Cluster every open desire again (after changing FRACTAFRAG_DESIRE_THRESHOLD)."""
    from fractafrag.services.clustering import recluster as run

    click.echo(f"reclustered {run()} open desire(s)")


def register_commands(app: Flask) -> None:
    """Make `flask --app wsgi rq-worker` available too."""
    app.cli.add_command(worker, "rq-worker")
    app.cli.add_command(render)
    app.cli.add_command(export)
    app.cli.add_command(embeddings)
    app.cli.add_command(desires_group)

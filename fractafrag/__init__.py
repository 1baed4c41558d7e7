"""Fractafrag: a self-hostable, realtime community for GLSL shaders."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from fractafrag.config import Config
from fractafrag.extensions import socketio_manager
from fractafrag.paths import bundled_dir


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app: configuration, extensions, blueprints. No I/O happens here."""
    app = Flask(
        __name__,
        template_folder=str(bundled_dir("templates")),
        static_folder=str(bundled_dir("static")),
    )
    if config is None:
        config = Config()
    app.config.from_mapping(config.as_dict() if isinstance(config, Config) else config)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    from fractafrag import auth, errors, models  # noqa: F401  (models registers the tables)
    from fractafrag.api import register_api
    from fractafrag.extensions import api, db, jwt, migrate, ping_idle_connections, redis, socketio
    from fractafrag.realtime.handlers import Realtime
    from fractafrag.urls import socket_origin_check

    db.init_app(app)
    with app.app_context():
        ping_idle_connections(db.engine, app.config["DB_IDLE_PING_SECONDS"])
    migrate.init_app(app, db, directory=str(bundled_dir("migrations")))
    redis.init_app(app)
    jwt.init_app(app)
    auth.init_app(app)
    api.init_app(app)
    errors.init_app(app)
    from fractafrag import observability

    observability.init_app(app)
    from fractafrag.services import desire_embedding

    # Without the sentence model's weights (a bare `pip install`): TF-IDF, said out loud.
    desire_embedding.use_available(app.config)
    register_api(api)
    from fractafrag.web import register_web

    register_web(app)
    socketio.init_app(
        app,
        client_manager=socketio_manager(app.config["REDIS_URL"]),
        async_mode=app.config["SOCKETIO_ASYNC_MODE"],
        # Same site only (the Host as sent, port included; forwarded; FRACTAFRAG_PUBLIC_URL):
        # other sites' pages cannot open sockets.
        cors_allowed_origins=socket_origin_check(app.config.get("PUBLIC_URL") or ""),
        max_http_buffer_size=app.config["SOCKET_MAX_FRAME_BYTES"],
        transports=app.config["SOCKET_TRANSPORTS"],
    )
    socketio.on_namespace(Realtime("/"))
    from fractafrag.offload import limit_requests

    # The largest body any route accepts (media uploads may exceed MAX_CONTENT_LENGTH).
    largest_body = max(app.config["MAX_CONTENT_LENGTH"], app.config["MEDIA_MAX_IMAGE_BYTES"],
                       app.config["MEDIA_MAX_AUDIO_BYTES"])
    app.wsgi_app = limit_requests(app.wsgi_app, app.config["WEB_CONCURRENCY"], largest_body)

    from fractafrag.cli import register_commands

    register_commands(app)
    return app

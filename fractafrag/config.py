"""The one configuration object, read from the environment."""

from __future__ import annotations

import math
import os
import secrets
from datetime import timedelta
from typing import Any

from platformdirs import user_data_dir

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


# A whole jam document as base64: five passes and Common at shader_format.MAX_PASS_BYTES
# (256 KiB each), with room for Yjs's own bytes.
JAM_DOCUMENT_BASE64_BYTES = 4 * math.ceil(6 * (256 * 1024 + 1024) / 3)


class ConfigError(ValueError):
    """A setting in the environment that cannot be read; the message names the variable."""


def _raw(name: str) -> str | None:
    """The variable's value, stripped; None when it is unset or blank (the default applies)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    return raw.strip()


def env_flag(name: str, default: bool) -> bool:
    """Read a boolean environment variable: 1/0, true/false, yes/no or on/off (any case).

    Anything else (a typo such as "ture") is refused rather than read as false."""
    raw = _raw(name)
    if raw is None:
        return default
    if raw.lower() in TRUE_WORDS:
        return True
    if raw.lower() in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={raw!r} is neither true nor false: use 1/0, true/false, "
                      "yes/no or on/off")


def env_int(name: str, default: int) -> int:
    """Read a whole-number environment variable; a bad value is refused naming the variable."""
    raw = _raw(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None


def env_float(name: str, default: float) -> float:
    """Read a number environment variable (finite); a bad value is refused naming it."""
    raw = _raw(name)
    if raw is None:
        return float(default)
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise ConfigError(f"{name}={raw!r} is not a finite number")
    return value


def default_data_dir() -> str:
    """Where Fractafrag keeps its data when --data-dir and FRACTAFRAG_DATA_DIR are absent."""
    return user_data_dir("fractafrag", appauthor=False)


def sqlalchemy_url(url: str) -> str:
    """Make a postgres:// or postgresql:// URL use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# Join thresholds of the desire embedders (services/desire_embedding.py), calibrated on the
# labelled asks: cosines of different models are on different scales.
DESIRE_THRESHOLDS = {"sentence": 0.52, "tfidf": 0.82}


class Config:
    """Settings for one app instance; every value comes from the environment or a default."""

    def __init__(self, **overrides: Any) -> None:
        env = os.environ.get
        self.DATA_DIR = env("FRACTAFRAG_DATA_DIR") or default_data_dir()
        self.SQLALCHEMY_DATABASE_URI = sqlalchemy_url(env("DATABASE_URL", ""))
        self.REDIS_URL = env("REDIS_URL", "")
        self.SECRET_KEY = env("SECRET_KEY") or secrets.token_hex(32)
        # A pooled connection idle this long is pinged before use (extensions.py); one in
        # steady use is not, which saves a round trip per request under a crowd.
        self.DB_IDLE_PING_SECONDS = env_float("FRACTAFRAG_DB_IDLE_PING_SECONDS", 5)
        self.SQLALCHEMY_ENGINE_OPTIONS = {
            "pool_size": env_int("FRACTAFRAG_DB_POOL_SIZE", 10),
            # gevent serves thousands of requests at once: more may wait for a connection, but
            # not forever; past pool_timeout the answer is a 503 naming the database as busy.
            "max_overflow": env_int("FRACTAFRAG_DB_MAX_OVERFLOW", 20),
            "pool_timeout": env_float("FRACTAFRAG_DB_POOL_TIMEOUT", 10),
            "connect_args": {"connect_timeout": 5},
        }
        self.PROXY_COUNT = env_int("FRACTAFRAG_PROXY_COUNT", 0)
        # HTTP requests one web process serves at once (others wait their turn; 0: no limit).
        self.WEB_CONCURRENCY = env_int("FRACTAFRAG_WEB_CONCURRENCY", 6)
        # The address people reach the site at; absolute links are built on it when set.
        self.PUBLIC_URL = env("FRACTAFRAG_PUBLIC_URL", "")

        self.API_TITLE = "Fractafrag"
        self.API_VERSION = "v1"
        self.OPENAPI_VERSION = "3.0.3"
        self.OPENAPI_URL_PREFIX = "/api"
        self.OPENAPI_JSON_PATH = "openapi.json"
        self.OPENAPI_SWAGGER_UI_PATH = "docs"
        self.OPENAPI_SWAGGER_UI_URL = "/static/vendor/swagger-ui/"
        self.API_SPEC_OPTIONS = {
            "info": {"description": "REST API of Fractafrag, a community for GLSL shaders."},
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                }
            },
        }

        self.JWT_SECRET_KEY = env("FRACTAFRAG_JWT_SECRET") or self.SECRET_KEY
        self.JWT_ALGORITHM = "HS256"
        self.JWT_DECODE_ALGORITHMS = ["HS256"]
        self.JWT_ACCESS_TOKEN_EXPIRES = timedelta(
            minutes=env_int("FRACTAFRAG_ACCESS_TOKEN_MINUTES", 15))
        self.JWT_REFRESH_TOKEN_EXPIRES = timedelta(
            days=env_int("FRACTAFRAG_REFRESH_TOKEN_DAYS", 30))
        self.JWT_TOKEN_LOCATION = ["headers", "cookies"]
        self.JWT_COOKIE_SECURE = env_flag("FRACTAFRAG_COOKIE_SECURE", False)
        self.JWT_COOKIE_CSRF_PROTECT = True
        self.JWT_COOKIE_SAMESITE = "Lax"

        self.RATELIMIT_ENABLED = env_flag("FRACTAFRAG_RATELIMIT_ENABLED", True)
        self.RATELIMIT_LOGIN_IP = env("FRACTAFRAG_RATELIMIT_LOGIN_IP", "30/1min")
        self.RATELIMIT_LOGIN_ACCOUNT = env("FRACTAFRAG_RATELIMIT_LOGIN_ACCOUNT", "10/5min")
        self.RATELIMIT_REGISTER_IP = env("FRACTAFRAG_RATELIMIT_REGISTER_IP", "10/1h")
        self.RATELIMIT_VOTE = env("FRACTAFRAG_RATELIMIT_VOTE", "120/1min")
        # New shaders (publish, fork, import) and new versions (code edits, restores), per account.
        self.RATELIMIT_PUBLISH = env("FRACTAFRAG_RATELIMIT_PUBLISH", "30/10min")
        self.RATELIMIT_VERSION = env("FRACTAFRAG_RATELIMIT_VERSION", "120/10min")
        # Community writes per account (API and page forms): new desires, comments (and
        # replies), playlists, reports, follows.
        self.RATELIMIT_DESIRE = env("FRACTAFRAG_RATELIMIT_DESIRE", "20/10min")
        self.RATELIMIT_COMMENT = env("FRACTAFRAG_RATELIMIT_COMMENT", "30/10min")
        self.RATELIMIT_PLAYLIST = env("FRACTAFRAG_RATELIMIT_PLAYLIST", "20/10min")
        self.RATELIMIT_REPORT = env("FRACTAFRAG_RATELIMIT_REPORT", "20/1h")
        self.RATELIMIT_FOLLOW = env("FRACTAFRAG_RATELIMIT_FOLLOW", "60/10min")
        self.RATELIMIT_API_KEY = env("FRACTAFRAG_RATELIMIT_API_KEY", "600/1min")
        # REST edits of a jam (POST /jams/<id>/edits, what an agent's jam_edit sends) per user.
        self.RATELIMIT_JAM_EDIT = env("FRACTAFRAG_RATELIMIT_JAM_EDIT", "300/1min")
        self.RATELIMIT_PREVIEW = env("FRACTAFRAG_RATELIMIT_PREVIEW", "30/1min")
        # POST /validate: anonymous callers per address, signed-in ones per account.
        self.RATELIMIT_VALIDATE_IP = env("FRACTAFRAG_RATELIMIT_VALIDATE_IP", "30/1min")
        self.RATELIMIT_VALIDATE_USER = env("FRACTAFRAG_RATELIMIT_VALIDATE_USER", "120/1min")
        # Compiling GLSL (services/compile_gate.py): compiler seconds per validation, all passes
        # together; compilers at once on this host; how long a caller waits for one (then 503);
        # how much lower than the web the compiler runs.
        self.COMPILE_BUDGET_SECONDS = env_float("FRACTAFRAG_COMPILE_BUDGET", 5)
        self.COMPILE_CONCURRENCY = env_int("FRACTAFRAG_COMPILE_CONCURRENCY", 2)
        self.COMPILE_WAIT_SECONDS = env_float("FRACTAFRAG_COMPILE_WAIT", 3)
        # Publishing and new versions (bounded by the account's quota and limits) wait longer:
        # under a crowd the niced compiler is slow, and a refused publish is work lost.
        self.COMPILE_WAIT_PUBLISH_SECONDS = env_float("FRACTAFRAG_COMPILE_WAIT_PUBLISH", 12)
        self.COMPILE_NICE = env_int("FRACTAFRAG_COMPILE_NICE", 10)
        # Where glslang is stricter than browsers (services/browser_check.py): a refusal for one
        # of its known-stricter messages waits at most this long for the render worker's
        # Chromium to compile the version, with at most this many such checks queued at once.
        self.COMPILE_CONFIRM_SECONDS = env_float("FRACTAFRAG_COMPILE_CONFIRM_SECONDS", 5)
        self.COMPILE_CONFIRM_MAX_QUEUED = env_int("FRACTAFRAG_COMPILE_CONFIRM_MAX_QUEUED", 8)

        self.LOG_CONFIGURE = True  # set up this process's log handler (off in embedding code)
        self.LOG_FORMAT = env("FRACTAFRAG_LOG_FORMAT", "json")
        self.LOG_LEVEL = env("FRACTAFRAG_LOG_LEVEL", "INFO").upper()
        self.METRICS_TOKEN = env("FRACTAFRAG_METRICS_TOKEN", "")
        self.MAX_CONTENT_LENGTH = env_int("FRACTAFRAG_MAX_BODY_BYTES", 1024 * 1024)
        # Your own media (services/media.py): bytes of one image / audio / video upload (the
        # upload's body may be this large, whatever FRACTAFRAG_MAX_BODY_BYTES says), a video's
        # longest duration in seconds, an image's or video's largest side in pixels, every
        # account's total stored bytes, uploads per account.
        self.MEDIA_MAX_IMAGE_BYTES = env_int("FRACTAFRAG_MEDIA_MAX_IMAGE_BYTES", 8 * 1024 * 1024)
        self.MEDIA_MAX_AUDIO_BYTES = env_int("FRACTAFRAG_MEDIA_MAX_AUDIO_BYTES", 10 * 1024 * 1024)
        self.MEDIA_MAX_VIDEO_BYTES = env_int("FRACTAFRAG_MEDIA_MAX_VIDEO_BYTES", 32 * 1024 * 1024)
        self.MEDIA_MAX_VIDEO_SECONDS = env_float("FRACTAFRAG_MEDIA_MAX_VIDEO_SECONDS", 60)
        self.MEDIA_MAX_SIDE = env_int("FRACTAFRAG_MEDIA_MAX_SIDE", 2048)
        self.MEDIA_QUOTA_BYTES = env_int("FRACTAFRAG_MEDIA_QUOTA_BYTES", 100 * 1024 * 1024)
        self.RATELIMIT_MEDIA = env("FRACTAFRAG_RATELIMIT_MEDIA", "30/10min")
        # Version diffs (services/diffs.py): both versions together at most these bytes/lines
        # (413 past them), this many seconds of computing (422 past it), this many computed at
        # once per web process; answers cached this long, refusals for too slow this long;
        # the shader page shows at most this many diff lines (the API has the rest).
        self.DIFF_MAX_BYTES = env_int("FRACTAFRAG_DIFF_MAX_BYTES", 1024 * 1024)
        self.DIFF_MAX_LINES = env_int("FRACTAFRAG_DIFF_MAX_LINES", 40000)
        self.DIFF_BUDGET_SECONDS = env_float("FRACTAFRAG_DIFF_BUDGET_SECONDS", 5)
        self.DIFF_CONCURRENCY = env_int("FRACTAFRAG_DIFF_CONCURRENCY", 2)
        self.DIFF_CACHE_SECONDS = env_int("FRACTAFRAG_DIFF_CACHE_SECONDS", 7 * 86400)
        self.DIFF_REFUSAL_CACHE_SECONDS = env_int("FRACTAFRAG_DIFF_REFUSAL_CACHE_SECONDS", 600)
        self.DIFF_PAGE_MAX_LINES = env_int("FRACTAFRAG_DIFF_PAGE_MAX_LINES", 5000)
        self.SOCKETIO_ASYNC_MODE = env("FRACTAFRAG_ASYNC_MODE", "gevent")
        self.SOCKET_EVENTS_PER_10S = env_int("FRACTAFRAG_SOCKET_EVENTS_PER_10S", 50)
        self.SOCKET_MAX_PAYLOAD_BYTES = env_int("FRACTAFRAG_SOCKET_MAX_PAYLOAD_BYTES", 4096)
        # Jam sessions (services/jams.py, realtime/jams.py): Yjs updates per connection per
        # second and their burst (awareness has its own budget); one update's base64 may hold a
        # whole document (every pass at MAX_PASS_BYTES), which a rejoining editor can send.
        self.JAM_UPDATES_PER_SECOND = env_float("FRACTAFRAG_JAM_UPDATES_PER_SECOND", 30)
        self.JAM_UPDATE_BURST = env_int("FRACTAFRAG_JAM_UPDATE_BURST", 60)
        self.JAM_AWARENESS_PER_SECOND = env_float("FRACTAFRAG_JAM_AWARENESS_PER_SECOND", 20)
        self.JAM_AWARENESS_BURST = env_int("FRACTAFRAG_JAM_AWARENESS_BURST", 40)
        self.JAM_MAX_UPDATE_BYTES = env_int("FRACTAFRAG_JAM_MAX_UPDATE_BYTES",
                                            JAM_DOCUMENT_BASE64_BYTES)
        self.JAM_MAX_AWARENESS_BYTES = env_int("FRACTAFRAG_JAM_MAX_AWARENESS_BYTES", 4096)
        # Documents each web process keeps in memory (least recently used ones are dropped and
        # read again from PostgreSQL when needed); log rows folded into the state every so often.
        self.JAM_DOC_CACHE = env_int("FRACTAFRAG_JAM_DOC_CACHE", 64)
        self.JAM_COMPACT_EVERY = env_int("FRACTAFRAG_JAM_COMPACT_EVERY", 500)
        # A frame must carry the largest jam update (plus its event's JSON around it).
        self.SOCKET_MAX_FRAME_BYTES = env_int("FRACTAFRAG_SOCKET_MAX_FRAME_BYTES",
                                              max(65536, self.JAM_MAX_UPDATE_BYTES + 4096))
        # Engine.IO transports the server accepts: "websocket" alone when several web processes
        # share a port without a sticky front (`fractafrag up` sets it then), else both.
        self.SOCKET_TRANSPORTS = [t.strip() for t in env(
            "FRACTAFRAG_SOCKET_TRANSPORTS", "websocket,polling").split(",") if t.strip()]
        # Floods (docs/operations.md, "Realtime"): rooms per connection, Socket.IO sessions
        # per web process and per client address (0: no cap), concurrent room look-ups.
        self.SOCKET_MAX_ROOMS = env_int("FRACTAFRAG_SOCKET_MAX_ROOMS", 16)
        self.SOCKET_MAX_CONNECTIONS = env_int("FRACTAFRAG_SOCKET_MAX_CONNECTIONS", 500)
        self.SOCKET_MAX_PER_IP = env_int("FRACTAFRAG_SOCKET_MAX_PER_IP", 100)
        self.SOCKET_ROOM_LOOKUPS = env_int("FRACTAFRAG_SOCKET_ROOM_LOOKUPS", 3)
        self.PRESENCE_TTL = env_float("FRACTAFRAG_PRESENCE_TTL", 60)
        self.DEFAULT_LICENSE = env("FRACTAFRAG_DEFAULT_LICENSE", "CC-BY-NC-SA-3.0")
        self.FREE_SHADERS_PER_MONTH = env_int("FRACTAFRAG_FREE_SHADERS_PER_MONTH", 5)
        self.DESIRE_EMBEDDER = env("FRACTAFRAG_DESIRE_EMBEDDER", "sentence")
        if self.DESIRE_EMBEDDER not in DESIRE_THRESHOLDS:
            raise ValueError(
                f"FRACTAFRAG_DESIRE_EMBEDDER={self.DESIRE_EMBEDDER!r}: choose one of "
                + ", ".join(DESIRE_THRESHOLDS))
        # Each embedder's cosines live on their own scale, so each has its own join threshold.
        self.DESIRE_CLUSTER_THRESHOLD = env_float(
            "FRACTAFRAG_DESIRE_THRESHOLD", DESIRE_THRESHOLDS[self.DESIRE_EMBEDDER])
        self.DESIRE_HEAT_HALF_LIFE_DAYS = env_float("FRACTAFRAG_DESIRE_HALF_LIFE_DAYS", 7)
        self.CHROMIUM = env("FRACTAFRAG_CHROMIUM", "")
        self.RENDER_TIMEOUT = env_float("FRACTAFRAG_RENDER_TIMEOUT", 30)
        self.RENDER_STALE_AFTER = env_float("FRACTAFRAG_RENDER_STALE_AFTER", 180)
        self.RENDER_MAX_ATTEMPTS = env_int("FRACTAFRAG_RENDER_MAX_ATTEMPTS", 3)
        # How much lower than the web the render worker and its Chromium run (0: the same; 19,
        # the lowest, makes them wait for CPU the web leaves idle).
        self.RENDER_NICE = env_int("FRACTAFRAG_RENDER_NICE", 19)
        # How much lower than the web the default worker runs (background jobs; 0: the same).
        self.WORKER_NICE = env_int("FRACTAFRAG_WORKER_NICE", 19)
        # A test render's budget: at most this long waiting for the worker, and at most this
        # long in the browser (a hung page is killed), whatever RENDER_TIMEOUT says.
        self.RENDER_PREVIEW_TIMEOUT = env_float("FRACTAFRAG_RENDER_PREVIEW_TIMEOUT", 10)
        # Test renders one account may have waiting or running at once; one more is a 429.
        self.RENDER_PREVIEW_MAX_QUEUED = env_int("FRACTAFRAG_RENDER_PREVIEW_MAX_QUEUED", 2)
        # Exports (services/exports.py): stills, videos and GIFs rendered offline, frame by
        # frame. Free accounts up to the FREE sizes, Pro up to the PRO ones (stills larger).
        self.EXPORT_FREE_MAX_WIDTH = env_int("FRACTAFRAG_EXPORT_FREE_MAX_WIDTH", 1280)
        self.EXPORT_FREE_MAX_HEIGHT = env_int("FRACTAFRAG_EXPORT_FREE_MAX_HEIGHT", 720)
        self.EXPORT_FREE_MAX_SECONDS = env_float("FRACTAFRAG_EXPORT_FREE_MAX_SECONDS", 10)
        self.EXPORT_FREE_MAX_FPS = env_int("FRACTAFRAG_EXPORT_FREE_MAX_FPS", 30)
        self.EXPORT_PRO_MAX_WIDTH = env_int("FRACTAFRAG_EXPORT_PRO_MAX_WIDTH", 1920)
        self.EXPORT_PRO_MAX_HEIGHT = env_int("FRACTAFRAG_EXPORT_PRO_MAX_HEIGHT", 1080)
        self.EXPORT_PRO_STILL_MAX_WIDTH = env_int("FRACTAFRAG_EXPORT_PRO_STILL_MAX_WIDTH", 3840)
        self.EXPORT_PRO_STILL_MAX_HEIGHT = env_int("FRACTAFRAG_EXPORT_PRO_STILL_MAX_HEIGHT", 2160)
        self.EXPORT_PRO_MAX_SECONDS = env_float("FRACTAFRAG_EXPORT_PRO_MAX_SECONDS", 60)
        self.EXPORT_PRO_MAX_FPS = env_int("FRACTAFRAG_EXPORT_PRO_MAX_FPS", 60)
        # One export's render time budget in the browser and encoder (seconds).
        self.EXPORT_TIMEOUT = env_float("FRACTAFRAG_EXPORT_TIMEOUT", 600)
        # Exports one account may have queued or rendering at once; one more is a 429.
        self.EXPORT_MAX_QUEUED = env_int("FRACTAFRAG_EXPORT_MAX_QUEUED", 2)
        # Finished exports' files are deleted this many days after they were made.
        self.EXPORT_KEEP_DAYS = env_float("FRACTAFRAG_EXPORT_KEEP_DAYS", 7)
        # Bring-your-own-key AI generation (services/byok.py, services/generation.py).
        # Comma-separated Fernet keys: the first encrypts, all decrypt (rotation). Empty: one
        # key derived from SECRET_KEY with HKDF-SHA256, so a self-hoster needs nothing.
        self.BYOK_KEYS = env("FRACTAFRAG_BYOK_KEYS", "")
        # Let provider base URLs reach private/loopback addresses (a local Ollama).
        self.BYOK_ALLOW_LOCAL = env_flag("FRACTAFRAG_BYOK_ALLOW_LOCAL", False)
        self.BYOK_TIMEOUT = env_float("FRACTAFRAG_BYOK_TIMEOUT", 60)
        self.BYOK_MAX_REPAIRS = env_int("FRACTAFRAG_BYOK_MAX_REPAIRS", 3)
        self.BYOK_MAX_TOKENS = env_int("FRACTAFRAG_BYOK_MAX_TOKENS", 4096)
        self.RATELIMIT_GENERATE = env("FRACTAFRAG_RATELIMIT_GENERATE", "20/10min")
        # Payments with Stripe (services/billing/): the Pro plan and
        # bounty pledges. Without STRIPE_SECRET_KEY payments are off (503, UI hidden).
        self.STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", "")
        # Comma-separated when Connect's events come to a second endpoint (its own secret).
        self.STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", "")
        self.STRIPE_PRICE_PRO = env("STRIPE_PRICE_PRO", "")
        # Another API address (a proxy, or the loopback fake in tests); empty: Stripe's own.
        self.STRIPE_API_BASE = env("STRIPE_API_BASE", "")
        # A payment method that authorises pledges at once (test mode: pm_card_visa); empty
        # (production): pledges are paid on Stripe Checkout, back to FRACTAFRAG_PUBLIC_URL.
        self.STRIPE_TEST_PAYMENT_METHOD = env("STRIPE_TEST_PAYMENT_METHOD", "")

        for key, value in overrides.items():
            setattr(self, key, value)
        if ("DESIRE_EMBEDDER" in overrides and "DESIRE_CLUSTER_THRESHOLD" not in overrides
                and not env("FRACTAFRAG_DESIRE_THRESHOLD")):
            self.DESIRE_CLUSTER_THRESHOLD = DESIRE_THRESHOLDS[self.DESIRE_EMBEDDER]

    def as_dict(self) -> dict[str, Any]:
        """Return the settings as a mapping for app.config.from_mapping."""
        return {key: value for key, value in vars(self).items() if key.isupper()}

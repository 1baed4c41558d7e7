"""`python -m mcp_bridge`: run the Fractafrag MCP bridge over stdio or streamable HTTP.

    python -m mcp_bridge                                   # stdio (what desktop agents launch)
    python -m mcp_bridge --transport http --port 3200      # http://127.0.0.1:3200/mcp

Settings: FRACTAFRAG_URL (default http://127.0.0.1:5000) and FRACTAFRAG_API_KEY, or --url and
--api-key. Logs go to stderr only: over stdio, stdout carries the protocol.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

DEFAULT_URL = "http://127.0.0.1:5000"
log = logging.getLogger("mcp_bridge")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line, with defaults from the environment."""
    parser = argparse.ArgumentParser(
        prog="python -m mcp_bridge",
        description="MCP server letting agents search, validate, test-render and publish "
                    "shaders and fulfil desires on a Fractafrag instance.")
    parser.add_argument("--transport", choices=["stdio", "http"], default="stdio",
                        help="stdio (default) or streamable HTTP at /mcp")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP bind address (127.0.0.1)")
    parser.add_argument("--port", type=int, default=3200, help="HTTP port (3200)")
    parser.add_argument("--url", default=os.environ.get("FRACTAFRAG_URL") or DEFAULT_URL,
                        help="the Fractafrag instance (env FRACTAFRAG_URL; default %(default)s)")
    parser.add_argument("--api-key", default=os.environ.get("FRACTAFRAG_API_KEY") or None,
                        help="an ff_… key made in Settings (env FRACTAFRAG_API_KEY)")
    parser.add_argument("--log-level", default=os.environ.get("FRACTAFRAG_MCP_LOG_LEVEL",
                                                              "WARNING").upper(),
                        choices=["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
                        help="stderr log level (env FRACTAFRAG_MCP_LOG_LEVEL; WARNING)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bridge until the client disconnects (stdio) or SIGINT/SIGTERM (HTTP)."""
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if not args.url.startswith(("http://", "https://")):
        print(f"--url must start with http:// or https://, not {args.url!r}", file=sys.stderr)
        return 2
    from mcp_bridge.server import build_server

    server = build_server(args.url, args.api_key)
    server.settings.log_level = args.log_level
    if not args.api_key:
        log.warning("No API key: only reading works (set FRACTAFRAG_API_KEY or --api-key).")
    if args.transport == "stdio":
        log.info("Fractafrag MCP bridge on stdio, for %s", args.url)
        server.run("stdio")
    else:
        log.warning("Fractafrag MCP bridge at http://%s:%d/mcp, for %s",
                    args.host, args.port, args.url)
        server.run("streamable-http", host=args.host, port=args.port,
                   streamable_http_path="/mcp")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)

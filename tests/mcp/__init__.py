"""Tests of the MCP bridge against a real Fractafrag web process."""

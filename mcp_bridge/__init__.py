"""MCP bridge: lets agents use Fractafrag through its REST API."""

"""API keys for agents and scripts."""

"""Small helpers shared by tests."""


def bearer(token: str) -> dict[str, str]:
    """An Authorization header for token."""
    return {"Authorization": f"Bearer {token}"}

"""Fixtures of the bring-your-own-key tests: loopback fake providers and an app allowed to
reach them (queued jobs run with the `run_jobs` fixture of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from tests.byok.fakes import ANTHROPIC_KEY, OPENAI_KEY, FakeProvider


@pytest.fixture
def local_app(make_app) -> Flask:
    """An app that may send provider requests to loopback (the fakes), with short timeouts."""
    return make_app(BYOK_ALLOW_LOCAL=True, BYOK_TIMEOUT=5.0)


@pytest.fixture
def fake_openai() -> Iterator[FakeProvider]:
    """An OpenAI-compatible fake expecting OPENAI_KEY."""
    fake = FakeProvider("openai", OPENAI_KEY)
    yield fake
    fake.close()


@pytest.fixture
def fake_anthropic() -> Iterator[FakeProvider]:
    """An Anthropic Messages API fake expecting ANTHROPIC_KEY."""
    fake = FakeProvider("anthropic", ANTHROPIC_KEY)
    yield fake
    fake.close()

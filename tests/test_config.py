"""Settings read from the environment: clear spellings only, and errors that name the variable."""

from __future__ import annotations

import pytest

from fractafrag.config import Config, ConfigError, env_flag, env_float, env_int


@pytest.mark.parametrize(("raw", "read"), [
    ("1", True), ("true", True), ("TRUE", True), (" yes ", True), ("On", True),
    ("0", False), ("false", False), ("False", False), ("no", False), ("OFF", False),
])
def test_a_flag_reads_the_clear_spellings(monkeypatch, raw, read):
    monkeypatch.setenv("FRACTAFRAG_TEST_FLAG", raw)
    assert env_flag("FRACTAFRAG_TEST_FLAG", not read) is read


@pytest.mark.parametrize("raw", ["ture", "flase", "2", "y", "enabled", "nope"])
def test_a_flag_refuses_anything_else_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("FRACTAFRAG_TEST_FLAG", raw)
    with pytest.raises(ConfigError) as refused:
        env_flag("FRACTAFRAG_TEST_FLAG", False)
    assert f"FRACTAFRAG_TEST_FLAG={raw!r}" in str(refused.value)


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_unset_or_blank_means_the_default(monkeypatch, raw):
    for name in ("FRACTAFRAG_TEST_FLAG", "FRACTAFRAG_TEST_INT", "FRACTAFRAG_TEST_FLOAT"):
        if raw is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, raw)
    assert env_flag("FRACTAFRAG_TEST_FLAG", True) is True
    assert env_int("FRACTAFRAG_TEST_INT", 7) == 7
    read = env_float("FRACTAFRAG_TEST_FLOAT", 3)
    assert read == 3.0 and isinstance(read, float)


def test_numbers_are_read(monkeypatch):
    monkeypatch.setenv("FRACTAFRAG_TEST_INT", " 42 ")
    monkeypatch.setenv("FRACTAFRAG_TEST_FLOAT", "0.25")
    assert env_int("FRACTAFRAG_TEST_INT", 0) == 42
    assert env_float("FRACTAFRAG_TEST_FLOAT", 0) == 0.25


@pytest.mark.parametrize(("read", "raw", "says"), [
    (env_int, "ten", "is not a whole number"),
    (env_int, "1.5", "is not a whole number"),
    (env_float, "fast", "is not a number"),
    (env_float, "nan", "is not a finite number"),
    (env_float, "inf", "is not a finite number"),
])
def test_a_bad_number_is_refused_naming_the_variable_and_the_value(monkeypatch, read, raw, says):
    monkeypatch.setenv("FRACTAFRAG_TEST_NUMBER", raw)
    with pytest.raises(ConfigError) as refused:
        read("FRACTAFRAG_TEST_NUMBER", 1)
    assert str(refused.value) == f"FRACTAFRAG_TEST_NUMBER={raw!r} {says}"


@pytest.mark.parametrize(("name", "raw", "says"), [
    ("FRACTAFRAG_RATELIMIT_ENABLED", "ture", "FRACTAFRAG_RATELIMIT_ENABLED='ture' is neither"),
    ("FRACTAFRAG_WORKER_NICE", "high", "FRACTAFRAG_WORKER_NICE='high' is not a whole number"),
    ("FRACTAFRAG_RENDER_TIMEOUT", "30s", "FRACTAFRAG_RENDER_TIMEOUT='30s' is not a number"),
])
def test_the_config_refuses_a_bad_setting_by_name(monkeypatch, name, raw, says):
    monkeypatch.setenv(name, raw)
    with pytest.raises(ValueError, match=says.replace("(", r"\(")):
        Config()


def test_the_config_reads_good_settings(monkeypatch):
    monkeypatch.setenv("FRACTAFRAG_RATELIMIT_ENABLED", "off")
    monkeypatch.setenv("FRACTAFRAG_COOKIE_SECURE", "Yes")
    monkeypatch.setenv("FRACTAFRAG_WORKER_NICE", "5")
    monkeypatch.setenv("FRACTAFRAG_RENDER_TIMEOUT", "12.5")
    config = Config()
    assert config.RATELIMIT_ENABLED is False and config.JWT_COOKIE_SECURE is True
    assert config.WORKER_NICE == 5 and config.RENDER_TIMEOUT == 12.5
    assert isinstance(config.COMPILE_BUDGET_SECONDS, float)

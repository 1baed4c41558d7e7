"""Tests that run the shader player in a real headless Chromium (WebGL2 on SwiftShader)."""

"""Jam sessions: live co-editing of a shader, watched by anyone who may see it."""

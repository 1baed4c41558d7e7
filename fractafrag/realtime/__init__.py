"""Realtime: Socket.IO handlers and the one broadcast module."""

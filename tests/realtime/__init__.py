"""Socket.IO tests: real clients against real gunicorn + gevent web processes."""

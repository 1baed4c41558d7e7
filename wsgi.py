"""WSGI entry point: `gunicorn -k gevent -w 1 wsgi:app`."""

from gevent import monkey

# gunicorn's gevent worker patches too; this covers `python wsgi.py` and other servers.
if not monkey.is_module_patched("socket"):
    monkey.patch_all()

from fractafrag import create_app  # noqa: E402

app = create_app()

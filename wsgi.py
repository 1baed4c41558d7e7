"""WSGI entry point: `gunicorn -k gevent -w 1 wsgi:app`."""

import gc

from gevent import monkey

# gunicorn's gevent worker patches too; this covers `python wsgi.py` and other servers.
if not monkey.is_module_patched("socket"):
    monkey.patch_all()

from fractafrag import create_app  # noqa: E402

app = create_app()

# Templates compile on first use; compiled here as the process starts (before the freeze
# below), its first crowd does not wait for each page's compile (~10-50 ms of CPU apiece).
for _name in app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html")):
    app.jinja_env.get_template(_name)

# What is loaded by now (~200k objects: Flask, SQLAlchemy, the models, the schemas) lives as
# long as the process. Frozen, the collector's full passes skip it: one such pass took
# 0.1-0.2 s here, and under gevent it stalls every request of the process at once.
gc.collect()
gc.freeze()

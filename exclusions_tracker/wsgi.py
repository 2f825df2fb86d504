"""The WSGI application gunicorn serves (``gunicorn.conf.py``)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exclusions_tracker.settings")
application = get_wsgi_application()

# The garbage collector, tuned for a server. Its full collections walked every object alive,
# in the middle of whichever request set one off: a list page at 10,000 reviews took 100-200 ms
# longer about one time in twenty (bench/pages.py). What start-up loads (Django, the app's
# modules, its URLs: 120,000 objects) lives as long as the process: loaded now and frozen, out
# of the collector's reach (gc.freeze, as Python's documentation advises for servers). And it
# runs less often: the youngest objects are looked at every 50,000 new ones rather than 700
# (a page makes a few hundred thousand; most are freed at once by their reference counts), a
# full collection once in about 2,000 of those. Garbage in cycles waits longer, a few MB, and
# gunicorn replaces each worker after GUNICORN_MAX_REQUESTS requests.
get_resolver().url_patterns  # noqa: B018 -- imports every view, form and table
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 100)

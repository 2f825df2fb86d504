"""The WSGI application gunicorn serves (``gunicorn.conf.py``)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exclusions_tracker.settings")
application = get_wsgi_application()

# What start-up loads (Django, the app's modules, its URLs: 120,000 objects) lives as long as
# the process, yet every full garbage collection walked all of it, in the middle of a request:
# a list page took 100 ms longer once in about twenty. Loaded now and frozen, out of the
# collector's reach (gc.freeze, as Python's documentation advises for long-lived servers).
get_resolver().url_patterns  # noqa: B018 -- imports every view, form and table
gc.collect()
gc.freeze()

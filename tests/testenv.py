"""Loaded with ``-p`` before Django is configured: the environment the suite runs in.

Production settings (DEBUG off, the manifest static storage over collected files) with the
few changes a plain-HTTP test server needs; README "Two commands" lists them and why.
"""

import os

from tests.collected_static import collected_static_root

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
# The test servers speak plain HTTP on loopback; production sits behind TLS.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# beside it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The worker's renders run niced in production, giving way to web requests; here they would
# wait behind the other test processes on the machine. The tests of niceness set it themselves,
# and the production leg (tests/production) keeps production's value.
os.environ.setdefault("PDF_WORKER_NICENESS", "0")


# xdist's workers inherit the controller's environment, so only the controller collects.
if "STATIC_ROOT" not in os.environ and "PYTEST_XDIST_WORKER" not in os.environ:
    os.environ["STATIC_ROOT"] = str(collected_static_root())

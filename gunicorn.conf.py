"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py exclusions_tracker.wsgi`.

Every value can be overridden from the environment (GUNICORN_*), so several app servers
behind one load balancer can share this file.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threads let one worker overlap database waits; processes use both cores.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "gthread"
# Long PDF packs are rendered by task workers, so a request never needs long; a worker that
# hangs is replaced rather than holding a connection.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# On a restart or deploy (SIGTERM) a worker finishes the requests it holds before it stops:
# long enough for the longest PDF a request may render (PDF_RENDER_TIMEOUT), so a clerk's
# download is never cut off by a deploy.
graceful_timeout = int(os.environ.get("PDF_RENDER_TIMEOUT", 50)) + 10
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# The load balancer's addresses: only they may tell gunicorn the scheme (X-Forwarded-Proto).
# The app takes the client's address from X-Forwarded-For, TRUSTED_PROXY_COUNT entries from the
# right (settings.py), which is only safe when nothing but those proxies can reach gunicorn. So
# an app that trusts proxies and listens beyond loopback must be told who they are, not left
# with the loopback default.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
_LOOPBACK_BINDS = ("127.", "localhost:", "[::1]:", "unix:")
if (
    int(os.environ.get("TRUSTED_PROXY_COUNT") or 0) > 0
    and "GUNICORN_FORWARDED_ALLOW_IPS" not in os.environ
    and not bind.startswith(_LOOPBACK_BINDS)
):
    raise RuntimeError(
        f"TRUSTED_PROXY_COUNT is set and gunicorn binds {bind}: set GUNICORN_FORWARDED_ALLOW_IPS "
        "to the load balancer's addresses, and let only the balancer reach that address"
    )
# gunicorn's runtime control socket is unused here, and its default path (~/.gunicorn/) would be
# shared by every instance on a machine.
control_socket_disable = True

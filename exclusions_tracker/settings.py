"""Settings for the scrutiny recommendations tracker.

Everything that differs between a laptop and production comes from the environment
(see README "Configuration"). Helpers fail loudly on malformed values.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def envbool(name: str, default: bool) -> bool:
    raw = env.str(name, default="")
    if raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


DEBUG = envbool("DEBUG", False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # Only ever used on a developer's machine (DEBUG on).
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_filters",
    "django_tables2",
    "simple_history",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "recommendations",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session middleware, so that it can take its cookie off public pages.
    "exclusions_tracker.middleware.PublicPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Beside authentication, so it sees who is signed in and wraps every response a view or a
    # later middleware gives them; whitenoise answers for static files before it is reached.
    "exclusions_tracker.middleware.PrivateNoStoreMiddleware",
    # Django's LoginRequiredMiddleware, keeping what a signed-out POST typed for after sign-in.
    "exclusions_tracker.middleware.LoginRequiredKeepingFormsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "exclusions_tracker.urls"
WSGI_APPLICATION = "exclusions_tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writers wait for each other instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # Survive a database restart without restarting the app.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Supporting documents and packs: on local disk under MEDIA_ROOT (shared by every app server
# and worker, e.g. over NFS), or in S3-compatible object storage (README "Deployment").
STORAGE_BACKEND = env.str(
    "STORAGE_BACKEND", default="s3" if env.str("AWS_STORAGE_BUCKET_NAME", default="") else "local"
)
if STORAGE_BACKEND == "local":
    # A full or read-only disk gives a clear error and leaves no partial file behind.
    DEFAULT_STORAGE = {"BACKEND": "recommendations.storage.CleanFileSystemStorage"}
elif STORAGE_BACKEND == "s3":
    if not env.str("AWS_STORAGE_BUCKET_NAME", default=""):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME")
    from botocore.config import Config

    # Credentials come from boto3's own chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
    # or the machine's role), never from this file. Objects are private (no ACL: the bucket's
    # own policy) and are only ever read through the app, which checks who is asking. A store
    # that does not answer is given up on well within a proxy's 60 s, so the user gets our
    # 503 page with their form rather than the proxy's timeout.
    DEFAULT_STORAGE = {
        "BACKEND": "recommendations.s3storage.CleanS3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "location": env.str("AWS_LOCATION", default=""),
            "default_acl": None,
            "querystring_auth": True,
            "client_config": Config(
                # "path" for stores that have no per-bucket host names (MinIO, some others).
                s3={"addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="auto")},
                connect_timeout=5,
                read_timeout=20,
                retries={"max_attempts": 2, "mode": "standard"},
            ),
        },
    }
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be local or s3, not {STORAGE_BACKEND!r}")
STORAGES = {
    "default": DEFAULT_STORAGE,
    # Hashed, compressed files served by whitenoise: no separate static server to run.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))

# Background work (large committee packs) on django-tasks' database backend: the queue is a
# table in this database, and `manage.py run_worker` processes run it (README "Deployment").
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    },
}
# A pack with more rows than this is rendered by a worker, not within the request.
PDF_PACK_REQUEST_MAX_ROWS = env.int("PDF_PACK_REQUEST_MAX_ROWS", default=200)
# Wall-clock limits on one render: within a request, and on a worker. The first stays under a
# reverse proxy's usual 60 s read timeout, so a render that overruns ends in our own 503 (and
# is stopped) rather than in the proxy's 504 while it goes on using a core.
PDF_RENDER_TIMEOUT = env.int("PDF_RENDER_TIMEOUT", default=50)
PDF_BACKGROUND_RENDER_TIMEOUT = env.int("PDF_BACKGROUND_RENDER_TIMEOUT", default=900)
# A render's child process may not grow beyond this (a 220-page table was seen near 2 GB).
PDF_RENDER_MEMORY_BYTES = env.int("PDF_RENDER_MEMORY_BYTES", default=2 * 1024**3)
# How long a rendered PDF is kept in the cache (keyed by its content, so never stale).
PDF_CACHE_SECONDS = env.int("PDF_CACHE_SECONDS", default=24 * 60 * 60)
# How long browsers and shared caches may keep a public page, its downloads and feeds.
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=300)
# After a change, the worker re-renders the PDFs it affects once no further change has come
# for this many seconds (a burst of edits is one render).
PDF_PRERENDER_DELAY = env.int("PDF_PRERENDER_DELAY", default=30)
# The worker's renders give way to the web requests on the same machine: their processes run
# at this nice value (0 to 19; higher is lower priority).
PDF_WORKER_NICENESS = env.int("PDF_WORKER_NICENESS", default=10)
if not 0 <= PDF_WORKER_NICENESS <= 19:  # raising priority needs root; above 19 means 19
    raise ImproperlyConfigured(f"PDF_WORKER_NICENESS must be 0 to 19, not {PDF_WORKER_NICENESS}")

# Supporting documents: the largest file officers may attach (the load balancer's request body
# limit should be a little above it).
SUPPORTING_DOCUMENT_MAX_BYTES = env.int("SUPPORTING_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Importing Word, Excel and CSV tables: the largest file, what its zip may unpack to and how
# many parts it may hold (checked before unpacking, against zip bombs), and the most rows.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=100 * 1024 * 1024)
IMPORT_MAX_ZIP_MEMBERS = env.int("IMPORT_MAX_ZIP_MEMBERS", default=1000)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=2000)

# Sessions: end after two hours of inactivity; secure cookies whenever not debugging.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=2 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if envbool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# Login throttling: five wrong passwords for one account from one address lock it for an hour.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(hours=1)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# The client's address, which the lockouts above are keyed by. Behind the load balancer every
# request arrives from the balancer's address, so that alone would let a stranger lock a user
# out everywhere. Each proxy in front of the app appends the address it was reached from to
# X-Forwarded-For, so with TRUSTED_PROXY_COUNT proxies the client is that many entries from the
# right; anything further left was written by the client and is never believed. 0 (no proxy)
# reads REMOTE_ADDR and ignores the header. django-axes asks django-ipware, whose count is of
# the proxies listed in the header: the last proxy's own address is REMOTE_ADDR, hence the - 1.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")
if envbool("BEHIND_TLS_PROXY", False) and "TRUSTED_PROXY_COUNT" not in env:
    # Guessing either way is wrong somewhere: 0 behind a balancer makes every user one address,
    # 1 without a balancer that appends X-Forwarded-For believes whatever a client sends.
    raise ImproperlyConfigured(
        "With BEHIND_TLS_PROXY, set TRUSTED_PROXY_COUNT to the number of proxies that append "
        "X-Forwarded-For in front of the app (1 for one load balancer)"
    )
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR",)
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
    AXES_IPWARE_PROXY_COUNT = None
AXES_IPWARE_PROXY_ORDER = "left-most"
# Count from the right even when the client sent a header of its own (a longer chain): strict
# mode would discard such a chain, and the forger's attempts would count against no address.
IPWARE_STRICT = False

# One process's memory by default; with several app servers, point them all at one shared
# cache so a PDF rendered by one is served by the others, e.g. CACHE_URL=dbcache://tracker_cache
# (then `python manage.py createcachetable`) or redis://host:6379/1.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}


def api_rate(name: str, default: str) -> str:
    """A throttle rate such as "60/minute" (second, minute, hour or day)."""
    raw = env.str(name, default=default)
    number, _, period = raw.partition("/")
    if not (number.isascii() and number.isdecimal()) or period not in {
        "second",
        "minute",
        "hour",
        "day",
    }:
        raise ImproperlyConfigured(
            f"{name} must be a number of requests per second, minute, hour or day, such as "
            f"60/minute, not {raw!r}"
        )
    return raw


# The read-only API (reports/api, README "API"): published data to anyone, what a user sees in
# the app to their token. Throttles count in CACHES["default"] (share it between app servers
# with CACHE_URL so that the limit is per client, not per server), anonymous clients by address
# (TRUSTED_PROXY_COUNT entries from the right of X-Forwarded-For, as the sign-in lockouts).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "reports.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # JSON only: DRF's browsable pages set inline styles, which the CSP refuses; the docs are
    # Swagger UI at /api/v1/docs/, which can try every endpoint.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "reports.api.pagination.Pagination",
    "DEFAULT_THROTTLE_CLASSES": [
        "reports.api.throttling.AnonThrottle",
        "reports.api.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": api_rate("API_ANON_RATE", "60/minute"),
        "user": api_rate("API_USER_RATE", "600/minute"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Scrutiny Tracker API",
    "DESCRIPTION": "Read-only: authorities, committees, reviews, recommendations with their "
    "decision and latest status, progress updates, update reports and meetings. Published data "
    "needs no key; a token (Authorization: Bearer …) reads what its user reads in the app.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from drf-spectacular-sidecar through our static files: no CDN,
    # so the page works offline and under the Content-Security-Policy.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for the choice sets several fields share.
    "ENUM_NAME_OVERRIDES": {
        "DatePrecisionEnum": "recommendations.models.DatePrecision",
        "UpdateStatusEnum": "recommendations.models.ProgressUpdate.Status",
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="scrutiny-tracker@localhost")
# The address reminder emails link to (they are sent from cron, outside any request).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_client_error_tracebacks": {
            "()": "exclusions_tracker.log_filters.NoTracebackForClientErrors"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["no_client_error_tracebacks"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

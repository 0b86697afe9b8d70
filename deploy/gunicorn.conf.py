"""gunicorn configuration for the Lösungskatalog (``gunicorn -c deploy/gunicorn.conf.py
'catalogue:create_app()'``). Every value can be overridden from the environment file
(``GUNICORN_*``) without editing this file.

Topology: nginx on the same host is the one trusted proxy. gunicorn listens on loopback only,
trusts X-Forwarded-* only from 127.0.0.1, and the app (``CATALOGUE_TRUSTED_PROXIES=1``) takes the
client address from the last X-Forwarded-For hop, which nginx sets to the peer it saw.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# CPU-bound Whoosh queries: about two processes per core; each holds its own index searcher.
workers = int(os.environ.get("GUNICORN_WORKERS", max(2, min(2 * multiprocessing.cpu_count(), 8))))
threads = int(os.environ.get("GUNICORN_THREADS", 1))
worker_class = "sync"
# A request running longer than this is killed (and logged); nginx waits a little longer.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
# SIGTERM: stop accepting, let running requests finish for this long, then stop.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 25))
keepalive = 5
# Recycle workers now and then (bounded memory), staggered so they never restart together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
# Only nginx on this host may set X-Forwarded-Proto/-For for gunicorn.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips
# Request line and header limits (uploads go in the body, limited by MAX_CONTENT_LENGTH).
limit_request_line = 8190
limit_request_fields = 100
# Heartbeat files in memory, not on a possibly slow disk.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
preload_app = False  # each worker opens its own database pool and index after the fork
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Client address (from nginx), method, path, protocol, status, size, duration in microseconds,
# worker pid. The path without its query string (%(U)s, not the request line %(r)s): searches and
# need descriptions ("/bedarfe/beschreiben?text=…") travel in the query and are no log material.
access_log_format = (
    '%({x-forwarded-for}i)s %(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(D)sus pid=%(p)s "%(a)s"'
)
proc_name = "loesungskatalog"

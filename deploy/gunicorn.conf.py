"""gunicorn settings for `pserve production.ini` (read through its [server:main] ``config``).

Workers are processes, so every core serves requests; each worker also runs a few threads, so a
slow client or a PDF being built does not hold a whole process. Size: cores + 1 workers by
default (on a 2-core machine 3 served more, with a shorter tail, than 5: bench/load); set
WEB_CONCURRENCY to choose (each worker holds its own page cache and database connections: count
about 80 MB of memory per worker).
"""

import gc
import multiprocessing
import os

bind = os.environ.get("DISCLOSURE_BIND") or "127.0.0.1:6543"  # nginx proxies to it
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() + 1)
worker_class = "gthread"
threads = int(os.environ.get("DISCLOSURE_THREADS") or 4)
keepalive = 5
timeout = 60  # a request still running after a minute is a stuck worker: restart it
graceful_timeout = 30
forwarded_allow_ips = "127.0.0.1,::1"
# nginx keeps the access log; DISCLOSURE_ACCESS_LOG=- writes gunicorn's to stdout as well
accesslog = os.environ.get("DISCLOSURE_ACCESS_LOG") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'


def pre_fork(server, worker):
    # The application is loaded before the workers are forked: move what it built (routes,
    # templates, schemas) out of the collector's sight, so that no worker scans it again and
    # again (long pauses under load), and the pages of memory stay shared.
    gc.freeze()

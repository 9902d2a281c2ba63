"""gunicorn settings for `pserve production.ini` (read through its [server:main] ``config``).

Workers are processes, so every core serves requests; each worker also runs a few threads, so a
slow client or a PDF being built does not hold a whole process. Size: 2 × cores + 1 workers by
default; set WEB_CONCURRENCY to choose (each worker holds its own page cache and database pool:
count about 80 MB of memory per worker).
"""

import multiprocessing
import os

bind = os.environ.get("DISCLOSURE_BIND") or "127.0.0.1:6543"  # nginx proxies to it
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
worker_class = "gthread"
threads = int(os.environ.get("DISCLOSURE_THREADS") or 4)
keepalive = 5
timeout = 60  # a request still running after a minute is a stuck worker: restart it
graceful_timeout = 30
max_requests = 20000  # recycle workers now and then
max_requests_jitter = 2000
forwarded_allow_ips = "127.0.0.1,::1"
# nginx keeps the access log; DISCLOSURE_ACCESS_LOG=- writes gunicorn's to stdout as well
accesslog = os.environ.get("DISCLOSURE_ACCESS_LOG") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'

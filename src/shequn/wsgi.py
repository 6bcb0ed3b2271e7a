import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, the URL map) lives as long as the
# process: kept out of the collector's full passes, which otherwise walk these
# 150,000 objects again each time and pause a request for them (a worker's full
# pass measured 57 ms before, 16 ms after; docs/benchmarks.md).
gc.freeze()

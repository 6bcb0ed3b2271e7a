"""Pages per audience. Each audience module (store, leader, ops, account)
exposes ``urlpatterns`` and is included here when present."""

import importlib

from django.urls import include, path

urlpatterns: list = []

for _mod, _prefix in [
    ("shequn.payments.sim_urls", "paysim/"),
    ("shequn.web.ops.urls", "ops/"),
    ("shequn.web.leader.urls", "leader/"),
    ("shequn.web.account.urls", ""),
    ("shequn.web.store.urls", ""),
]:
    try:
        importlib.import_module(_mod)
    except ModuleNotFoundError as exc:
        if exc.name is None or not _mod.startswith(exc.name):
            raise
        continue
    urlpatterns.append(path(_prefix, include(_mod)))

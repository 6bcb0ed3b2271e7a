from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from shequn.api.root import api
from shequn.web.account.admin_login import throttled_admin_login

admin.site.site_header = _("Shequn administration")
admin.site.site_title = _("Shequn admin")
# The admin's sign-in is throttled like /login/ (per account and address, in Redis).
admin.site.login = throttled_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    # The Digital Links printed on every unit (/01/…, /00/…) and the verify
    # pages first: the busiest public path, matched before thirty-odd others.
    path("", include("shequn.web.verify.urls")),
    path("", include("shequn.web.runtime.urls")),
    path("admin/", admin.site.urls),
    # set_language: the footer's language switch posts here (a cookie remembers it).
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    # The GS1 EPCIS 2.0 REST binding (API keys with the epcis scope).
    path("epcis/", include("shequn.api.epcis.views")),
    path("", include("shequn.web.urls")),
]

from django.contrib import admin
from django.urls import include, path

from shequn.api.root import api

admin.site.site_header = "社群 Shequn 运营后台"
admin.site.site_title = "Shequn admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("shequn.web.urls")),
]

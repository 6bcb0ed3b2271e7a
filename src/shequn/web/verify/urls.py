"""The GS1 Digital Link paths printed in unit and carton QR codes, the verify
entry page, counterfeit reports and the privacy notice. Public pages."""

from django.urls import path, re_path

from shequn.web.verify import views

app_name = "verify"

# AI 10 (lot) and AI 21 (serial) are up to 20 characters; the path segments are
# percent-decoded by Django before they reach the view.
urlpatterns = [
    path("verify/", views.entry, name="entry"),
    path("verify/report/", views.report, name="report"),
    path("verify/reported/", views.reported, name="reported"),
    path("verify/consent/", views.consent, name="consent"),
    path("privacy/", views.privacy, name="privacy"),
    re_path(r"^01/(?P<gtin>[^/]{1,20})/10/(?P<lot>[^/]{1,40})/21/(?P<serial>[^/]{1,40})/?$",
            views.unit, name="unit"),
    re_path(r"^01/(?P<gtin>[^/]{1,20})/21/(?P<serial>[^/]{1,40})/?$", views.unit,
            name="unit_nolot"),
    re_path(r"^00/(?P<sscc>[^/]{1,30})/?$", views.carton, name="carton"),
]

from django.urls import path

from shequn.payments import sim_views

urlpatterns = [path("<uuid:checkout_id>/", sim_views.pay_page, name="paysim")]

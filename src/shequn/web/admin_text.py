"""Interface text of Django's admin that Django 5.2 ships without a zh_Hans
translation (screen-reader labels added in 5.x). Listed here so that makemessages
puts them in our catalogue, which LOCALE_PATHS places before Django's own; never
imported, the marks are all it is for."""

from django.utils.translation import gettext_noop

ADMIN_TEXT = (
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Model name"),
    gettext_noop("Search"),
)

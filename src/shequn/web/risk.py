"""The risk page of the brand console (/brand/risk/: the brand's own signals)
and of ops (/ops/risk/: all): signals per day by kind (chart), the list with
each signal's evidence, the units and orders behind it, dismissal with a reason,
and a CSV export of what the filters show."""

from __future__ import annotations

import html as htmllib
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shequn.catalog.models import Organization
from shequn.core import spreadsheet
from shequn.core.errors import DomainError
from shequn.trace import signals, verify
from shequn.trace.models import Signal
from shequn.web import charts

COLORS = [charts.RED, charts.BLUE, charts.ORANGE, charts.GREY_BLUE, "#52c41a", "#722ed1",
          "#13c2c2"]
CSV_LIMIT = 50_000
# The latest counterfeit reports (buyers' reports of codes that are no genuine
# code): what the notice of each report sends its readers here to see.
REPORTS_SHOWN = 100


def page(request: HttpRequest, org: Organization | None, template: str, *,
         unit_orders: bool) -> HttpResponseBase:
    status = request.GET.get("status", "open")
    kind = request.GET.get("kind", "")
    rows = signals.listing(org, status=status, kind=kind)
    if request.GET.get("format") == "csv":
        return _csv(rows)
    labels, by_kind = signals.per_day(org)
    names = dict(Signal.Kind.choices)
    chart = charts.spec([d[5:] for d in labels], *[
        charts.series(str(names.get(k, k)), v, color=COLORS[i % len(COLORS)])
        for i, (k, v) in enumerate(sorted(by_kind.items()))], integer=True)
    series = [line["data"] for line in chart["series"]]
    day_rows = [(day, [values[i] for values in series]) for i, day in enumerate(labels)]
    return render(request, template, {
        "nav": "risk", "day_rows": day_rows, "signals": rows[:200], "total": rows.count(),
        "status": status,
        "kind": kind, "kinds": Signal.Kind.choices, "chart": chart,
        "unit_orders": unit_orders, "reports": verify.reports_of(org)[:REPORTS_SHOWN],
        # A brand's page offers no dismissal of what only operators close.
        "operators_only": signals.OPERATOR_KINDS if org is not None else ()})


def dismiss(request: HttpRequest, org: Organization | None, pk: int, back: str
            ) -> HttpResponse:
    try:
        signals.dismiss(pk, request.user, request.POST.get("note", ""), org=org)
    except DomainError as err:
        if err.status == 404:
            from django.http import Http404

            raise Http404("signal not found") from err
        messages.error(request, err.message)
    else:
        messages.success(request, _("Signal dismissed."))
    return redirect(back)


def _local(at: Any) -> str:
    """A time as the page shows it (Beijing time, to the minute)."""
    return str(timezone.localtime(at).strftime("%Y-%m-%d %H:%M"))


def _evidence_text(evidence: dict[str, Any]) -> str:
    """The sentence the page shows for a signal's evidence, as plain text."""
    html = render_to_string("_risk_evidence.html", {"e": evidence})
    # The page's text, not its markup: entities (&lt; of a "<" in a value) read
    # as the characters they stand for.
    return " ".join(htmllib.unescape(strip_tags(html)).split())


def _csv(rows: Any) -> StreamingHttpResponse:
    names = dict(Signal.Kind.choices)

    def table() -> Any:
        yield [_("Signal"), _("Kind"), _("Brand"), _("Status"), _("Opened"), _("Updated"),
               _("Evidence"), pgettext("count", "Units"), _("Orders"), _("Note")]
        for s in rows[:CSV_LIMIT]:
            units = " ".join(f"{u.gtin}/{u.serial}" for u in s.units.all())
            yield [s.pk, names.get(s.kind, s.kind), s.org.display_name if s.org else "",
                   s.get_status_display(), _local(s.created_at), _local(s.updated_at),
                   _evidence_text(s.evidence), units, " ".join(s.order_numbers), s.note]

    def lines() -> Any:
        yield "\ufeff"  # Excel opens UTF-8 CSV with Chinese text correctly with a BOM
        yield from spreadsheet.csv_lines(table())

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="signals.csv"'
    return response

"""Operator review queue for the catalog (/ops/reviews/): new products brands
submitted and change requests of tax-relevant fields of products on sale. Each
shows the fields customs and the tax engine read and, for a change, the old and
new values with the CBEC tax per unit at the current price before and after.
Approve or reject with a note (catalog.editing writes the audit log); the brand's
staff get a notice. Included from ops/urls.py with
``path("", include("shequn.web.ops.reviews_views"))``."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_POST

from shequn.accounts.roles import OPERATOR, role_required
from shequn.brands.models import Membership
from shequn.catalog import editing
from shequn.catalog.models import SKU, ChangeRequest, Product
from shequn.core import notices
from shequn.core.errors import DomainError
from shequn.taxes.engine import composite_rate, effective_consumption_tax_rate, q2

log = logging.getLogger("shequn.web.ops")
operator_only = role_required(OPERATOR)


def _tax_per_unit(price: Decimal, fields: dict[str, Any]) -> Decimal | None:
    """CBEC tax (70 % of VAT and consumption tax, no tariff) on one unit at ``price``."""
    try:
        ct = effective_consumption_tax_rate(
            str(fields["consumption_tax_rule"]), Decimal(str(fields["consumption_tax_rate"])),
            price, Decimal(str(fields["net_content"])), str(fields["net_content_unit"]))
        return q2(price * composite_rate(Decimal(str(fields["vat_rate"])), ct))
    except (DomainError, ArithmeticError, KeyError, ValueError):
        return None


def _sku_tax(sku: SKU) -> Decimal | None:
    return _tax_per_unit(sku.price, {f: getattr(sku, f) for f in editing.SKU_TAX_FIELDS})


def _change_row(cr: ChangeRequest) -> dict[str, Any]:
    before = after = None
    if cr.sku is not None:
        current = {f: getattr(cr.sku, f) for f in editing.SKU_TAX_FIELDS}
        proposed = dict(current)
        proposed.update({f: new for f, (_old, new) in cr.changes.items() if f in current})
        before, after = _tax_per_unit(cr.sku.price, current), _tax_per_unit(cr.sku.price,
                                                                             proposed)
    return {"cr": cr, "diff": cr.diff(),
            "tax_before": before, "tax_after": after,
            "new_sku": "active" in cr.changes}


def _staff(product: Product) -> list[int]:
    orgs = {product.brand_id, product.seller_id}
    return list(Membership.objects.filter(organization_id__in=orgs, active=True)
                .values_list("user_id", flat=True))


@require_GET
@operator_only
def reviews(request: HttpRequest) -> HttpResponse:
    pending = list(Product.objects.filter(review_state=Product.ReviewState.PENDING)
                   .select_related("brand", "seller", "category")
                   .prefetch_related("skus", "images").order_by("created_at", "id")[:100])
    products = [{"p": p, "skus": [{"s": s, "tax": _sku_tax(s)} for s in p.skus.all()]}
                for p in pending]
    changes = [_change_row(cr) for cr in ChangeRequest.objects.filter(
        state=ChangeRequest.State.PENDING).select_related(
        "product", "product__brand", "sku", "requested_by").order_by("requested_at", "id")[:200]]
    decided = list(ChangeRequest.objects.exclude(state=ChangeRequest.State.PENDING)
                   .select_related("product", "sku", "decided_by")
                   .order_by("-decided_at")[:20])
    return render(request, "ops/reviews.html", {"nav": "reviews", "products": products,
                                                "changes": changes, "decided": decided})


@require_POST
@operator_only
def review_product(request: HttpRequest, product_id: int, action: str) -> HttpResponse:
    if action not in ("approve", "reject"):
        raise Http404("unknown action")
    try:
        product = editing.decide_product(product_id, request.user, action == "approve",
                                         request.POST.get("note", ""))
    except DomainError as err:
        log.info("ops product review %s %s refused: %s", action, product_id, err.code)
        messages.error(request, err.message)
        return redirect(reverse("ops:reviews"))
    message = (gettext_noop("Product {name} was approved and may now be sold")
               if action == "approve" else
               gettext_noop("Product {name} was rejected: {note}"))
    notices.notify(_staff(product), "catalog.review", message,
                   f"/brand/products/{product.pk}/", name=product.name,
                   note=request.POST.get("note", "")[:200])
    messages.success(request, _("Approved") if action == "approve" else _("Rejected"))
    return redirect(reverse("ops:reviews"))


@require_POST
@operator_only
def review_change(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    if action not in ("approve", "reject"):
        raise Http404("unknown action")
    try:
        cr = editing.decide_change(request_id, request.user, action == "approve",
                                   request.POST.get("note", ""))
    except DomainError as err:
        log.info("ops change review %s %s refused: %s", action, request_id, err.code)
        messages.error(request, err.message)
        return redirect(reverse("ops:reviews"))
    product = cr.product
    message = (gettext_noop("The change to {name} was approved and applies now")
               if action == "approve" else
               gettext_noop("The change to {name} was rejected: {note}"))
    notices.notify(_staff(product), "catalog.review", message,
                   f"/brand/products/{product.pk}/", name=product.name, note=cr.note)
    messages.success(request, _("Approved") if action == "approve" else _("Rejected"))
    return redirect(reverse("ops:reviews"))


urlpatterns = [
    path("reviews/", reviews, name="reviews"),
    path("reviews/products/<int:product_id>/<slug:action>/", review_product,
         name="review_product"),
    path("reviews/changes/<int:request_id>/<slug:action>/", review_change,
         name="review_change"),
]

"""Buyer's return request (申请退货) for a delivered order: items and quantities,
a preset reason, up to six photos; and the photos themselves, shown only to the
buyer who sent them (operators see them in the admin's order pages)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from shequn.core import images
from shequn.core.errors import DomainError
from shequn.orders import returns
from shequn.orders.errors import OrderError
from shequn.orders.models import AfterSale, AfterSalePhoto
from shequn.orders.selectors import get_order_for_user
from shequn.web.store.forms import parse_int, return_field_for_error
from shequn.web.store.views import domain_errors


def _chosen_lines(request: HttpRequest, left: dict[int, int]) -> list[tuple[int, int]]:
    wanted = []
    for pk, most in left.items():
        if most <= 0 or not request.POST.get(f"line_{pk}"):
            continue
        raw = request.POST.get(f"qty_{pk}")
        wanted.append((pk, parse_int(raw, default=-1)))
    if not wanted:
        raise OrderError.NO_RETURN_LINES.error()
    return wanted


def _photos(files: list[UploadedFile]) -> list[bytes]:
    if len(files) > returns.MAX_RETURN_PHOTOS:
        raise OrderError.TOO_MANY_RETURN_PHOTOS.error(max=returns.MAX_RETURN_PHOTOS)
    out = []
    for i, upload in enumerate(files):
        # Refuse by size before reading the file into memory.
        if upload.size is not None and upload.size > images.MAX_UPLOAD_BYTES:
            raise OrderError.RETURN_PHOTO_TOO_LARGE.error(photo=i + 1)
        out.append(upload.read())
    return out


def _line_row(request: HttpRequest, line: Any, left: int, *, sole: bool) -> dict[str, Any]:
    """An item of the form, ticked and with the quantity the buyer sent when the
    form comes back with an error (at first: a sole item ticked, all its units)."""
    qty, checked = left, sole
    if request.method == "POST":
        checked = bool(request.POST.get(f"line_{line.pk}"))
        wanted = parse_int(request.POST.get(f"qty_{line.pk}"), default=0)
        if 1 <= wanted <= left:
            qty = wanted
    return {"line": line, "left": left, "choices": range(1, left + 1), "qty": qty,
            "checked": checked}


@login_required
@domain_errors
def order_return(request: HttpRequest, number: str) -> HttpResponse:
    order = get_order_for_user(request.user, number)
    left = returns.returnable_quantities(order)
    order_lines = list(order.lines.all())
    lines = [_line_row(request, line, left.get(line.pk, 0), sole=len(order_lines) == 1)
             for line in order_lines]
    error = None
    errors: dict[str, DomainError] = {}
    posted: dict[str, Any] = {}
    if request.method == "POST":
        posted = {"reason_code": request.POST.get("reason_code", ""),
                  "reason": request.POST.get("reason", "")}
        try:
            wanted = _chosen_lines(request, left)
            photos = _photos(request.FILES.getlist("photos"))
            returns.request_return(request.user, order.pk, wanted, posted["reason"],
                                   reason_code=posted["reason_code"], photos=photos)
        except DomainError as err:
            if err.status >= 500:
                raise
            error = err
            # Shown beside the field it is about, like the checkout's forms.
            errors = {return_field_for_error(err.code, err.detail): err}
        else:
            return redirect("store:order", number=order.number)
    return render(request, "store/order_return.html", {
        "order": order, "lines": lines, "errors": errors, "tab": "orders", "posted": posted,
        "reasons": AfterSale.Reason.choices, "max_photos": returns.MAX_RETURN_PHOTOS,
        "requests": list(order.after_sales.prefetch_related("photos")),
        "returnable": returns.can_request_return(order),
    }, status=error.status if error else 200)


@login_required
@domain_errors
def return_photo(request: HttpRequest, number: str, photo_id: int, size: str) -> HttpResponse:
    order = get_order_for_user(request.user, number)  # another buyer's order: 404
    photo = AfterSalePhoto.objects.filter(pk=photo_id, after_sale__order=order).first()
    if photo is None:
        raise Http404("no such photo")
    field = photo.thumb if size == "thumb" else photo.image
    try:
        with field.open("rb") as fh:
            data = fh.read()
    except OSError:
        raise Http404("photo file missing") from None
    resp = HttpResponse(data, content_type="image/jpeg")
    resp["Cache-Control"] = "private, max-age=3600"
    return resp


urlpatterns = [
    path("orders/<str:number>/return/", order_return, name="order_return"),
    path("orders/<str:number>/return/photos/<id:photo_id>/<str:size>.jpg", return_photo,
         name="return_photo"),
]

"""Product pictures, public: the store, the cart, share pages and posters show them to
anyone. The address carries the picture's SHA-256 prefix, so the answer never
changes and may be cached by browsers and CDNs for a year."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

from shequn.catalog.models import ProductImage

MAX_AGE = 365 * 24 * 3600


@require_GET
def product_image(request: HttpRequest, image_id: int, digest: str, size: str) -> HttpResponse:
    image = ProductImage.objects.filter(pk=image_id).first()
    if (image is None or size not in ("thumb", "full") or len(digest) < 16
            or not image.sha256.startswith(digest)):
        raise Http404("no such picture")
    etag = f'"{image.sha256[:32]}-{size}"'
    if request.headers.get("If-None-Match") == etag:
        resp = HttpResponse(status=304)
    else:
        data = image.read(thumb=size == "thumb")
        if data is None:
            raise Http404("picture missing from storage")
        resp = HttpResponse(data, content_type="image/jpeg")
    resp["ETag"] = etag
    resp["Cache-Control"] = f"public, max-age={MAX_AGE}, immutable"
    resp["X-Content-Type-Options"] = "nosniff"
    resp._csp_exempt = True  # type: ignore[attr-defined]
    return resp


urlpatterns = [
    path("<int:image_id>-<str:digest>/<str:size>.jpg", product_image, name="product_image"),
]

"""Product pictures, public: the store, the cart, share pages and posters show them to
anyone. The address carries the picture's SHA-256 prefix, so the answer never
changes and may be cached by browsers and CDNs for a year."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.views.decorators.http import require_GET

from shequn.catalog.models import ProductImage, product_images

MAX_AGE = 365 * 24 * 3600


def picture_url(image: ProductImage, *, thumb: bool = False) -> str:
    return reverse("product_image", kwargs={
        "image_id": image.pk, "digest": image.sha256[:16], "size": "thumb" if thumb else "full"})


def picture_bytes(image: ProductImage, *, thumb: bool = False) -> bytes | None:
    field = image.thumb if thumb else image.image
    try:
        with product_images.open(field.name, "rb") as fh:
            return bytes(fh.read())
    except (OSError, ValueError):
        return None


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
        data = picture_bytes(image, thumb=size == "thumb")
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

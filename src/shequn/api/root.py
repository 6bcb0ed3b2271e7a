"""django-ninja API v1. Each domain adds its router in ``register``; errors
come out as ``{"code", "message", "message_en"}`` (ARCHITECTURE §6)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from shequn.core.errors import CommonError, DomainError

api = NinjaAPI(
    title="Shequn API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    description="社群 cross-border social-commerce platform",
)


def _body(err: DomainError) -> dict:
    return err.as_dict()


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, _body(exc), status=exc.status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    malformed = any(e.get("type") == "json_invalid" for e in exc.errors) or any(
        "Cannot parse request body" in str(e.get("msg", "")) for e in exc.errors)
    err = (CommonError.MALFORMED_JSON if malformed else CommonError.INVALID_INPUT).error()
    body = _body(err)
    body["errors"] = [{"loc": [str(x) for x in e.get("loc", [])], "msg": str(e.get("msg", ""))}
                      for e in exc.errors]
    return api.create_response(request, body, status=err.status)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, _body(CommonError.AUTH_REQUIRED.error()), status=401)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {400: CommonError.MALFORMED_JSON, 401: CommonError.AUTH_REQUIRED,
            403: CommonError.FORBIDDEN, 404: CommonError.NOT_FOUND,
            429: CommonError.RATE_LIMITED}.get(exc.status_code, CommonError.INVALID_INPUT)
    body = _body(code.error())
    body["detail"] = {"reason": str(exc)}
    return api.create_response(request, body, status=exc.status_code)


def register() -> None:
    """Attach the domain routers; each module exposes ``router``."""
    import importlib

    for mod, prefix in [
        ("shequn.api.tax", "/v1/tax"),
        ("shequn.api.catalog", "/v1/catalog"),
        ("shequn.api.auth", "/v1/auth"),
        ("shequn.api.cart", "/v1/cart"),
        ("shequn.api.identities", "/v1/me"),
        ("shequn.api.checkout", "/v1/checkout"),
        ("shequn.api.orders", "/v1/orders"),
        ("shequn.api.payments", "/v1/payments"),
        ("shequn.api.ops", "/v1/ops"),
        ("shequn.api.distribution", "/v1/leaders"),
        ("shequn.api.commission", "/v1/commission"),
        ("shequn.api.customs", "/v1/customs"),
    ]:
        try:
            module = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
            continue  # router not written yet
        api.add_router(prefix, module.router)


register()

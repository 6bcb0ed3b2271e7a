"""django-ninja API v1. Each domain adds its router in ``register``; errors
come out as ``{"code", "message", "message_en"}`` (ARCHITECTURE §6)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from shequn.api import auth as auth_api
from shequn.api import (
    brand_catalog,
    brand_grants,
    brand_sales,
    brand_stock,
    cart,
    catalog,
    checkout,
    commission,
    customs,
    distribution,
    identities,
    ops,
    orders,
    payments,
    tax,
)
from shequn.api.errors import ApiError
from shequn.api.parser import StrictJsonParser
from shequn.api.schemas import MONEY_ERROR
from shequn.core.errors import CommonError, DomainError

# Refusals any operation may answer before its own code runs (ApiGuardMiddleware,
# the body parser, parameter validation, sign-in and CSRF), declared once here
# so the published schema lists every status an operation can return.
_EDGE = {"400": "Malformed body or characters that cannot be stored",
         "413": "Body over the size limit", "415": "Not a JSON body",
         "422": "Invalid input"}
_SIGNED_IN = {"401": "Sign-in required", "403": "Forbidden (role or CSRF)"}
_HAS_PATH_PARAMS = {"404": "Not found"}


class ShequnAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        ref = {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}}
        for path, operations in schema.get("paths", {}).items():
            for op in operations.values():
                extra = dict(_EDGE)
                if op.get("security"):
                    extra.update(_SIGNED_IN)
                if "{" in path:
                    extra.update(_HAS_PATH_PARAMS)
                # ninja keys the declared statuses by int; JSON keys are strings.
                responses = {str(k): v for k, v in op.get("responses", {}).items()}
                op["responses"] = responses
                for status, text in extra.items():
                    responses.setdefault(status, {"description": text, **ref})
        return schema


api = ShequnAPI(
    title="Shequn API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    description="社群 cross-border social-commerce platform",
    parser=StrictJsonParser(),
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
    amounts_only = all(e.get("type") == MONEY_ERROR for e in exc.errors)
    err = (CommonError.MALFORMED_JSON if malformed
           else ApiError.BAD_AMOUNT if exc.errors and amounts_only
           else CommonError.INVALID_INPUT).error()
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


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, _body(CommonError.NOT_FOUND.error()), status=404)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Normally refused by ApiGuardMiddleware from Content-Length already.
    return api.create_response(request, _body(ApiError.TOO_LARGE.error()), status=413)


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return api.create_response(request, _body(ApiError.UNSUPPORTED_MEDIA.error()), status=415)


def register() -> None:
    """Attach the domain routers; each module exposes ``router``."""
    for prefix, module in [
        ("/v1/tax", tax),
        ("/v1/catalog", catalog),
        ("/v1/auth", auth_api),
        ("/v1/cart", cart),
        ("/v1/me", identities),
        ("/v1/checkout", checkout),
        ("/v1/orders", orders),
        ("/v1/payments", payments),
        ("/v1/ops", ops),
        ("/v1/leaders", distribution),
        ("/v1/commission", commission),
        ("/v1/customs", customs),
        ("/v1/partner/catalog", brand_catalog),
        ("/v1/partner/grants", brand_grants),
        ("/v1/partner/stock", brand_stock),
        ("/v1/partner/sales", brand_sales),
    ]:
        api.add_router(prefix, module.router)


register()

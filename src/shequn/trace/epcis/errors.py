"""Errors of the EPCIS repository, answered as RFC 7807 problem details with
the binding's exception types (and Shequn's ``code`` / ``message_en``)."""

from __future__ import annotations

from shequn.core.errors import CodedError
from shequn.core.errors import msgid as _


class EpcisError(CodedError):
    INVALID_JSON = ("epcis_invalid_json", _("The body is not a JSON document"), 400)
    INVALID_DOCUMENT = ("epcis_invalid_document",
                        _("The document is not a valid EPCIS 2.0 document"), 400)
    TOO_LARGE = ("epcis_too_large",
                 _("The document is larger than the repository accepts"), 413)
    TOO_MANY_EVENTS = ("epcis_too_many_events",
                       _("The document has more events than the repository accepts"), 413)
    FOREIGN_GTIN = ("epcis_foreign_gtin",
                    _("The document names goods of another organization"), 403)
    UNKNOWN_PARAMETER = ("epcis_unknown_parameter", _("Unknown query parameter"), 400)
    BAD_PARAMETER = ("epcis_bad_parameter", _("A query parameter has an invalid value"), 400)
    BAD_TOKEN = ("epcis_bad_page_token", _("The page token is invalid or expired"), 400)
    CAPTURE_NOT_FOUND = ("epcis_capture_not_found", _("Capture job not found"), 404)
    EVENT_NOT_FOUND = ("epcis_event_not_found", _("Event not found"), 404)
    DUPLICATE_EVENT = ("epcis_duplicate_event", _("An event with this eventID exists"), 409)
    UNKNOWN_EVENT_TYPE = ("epcis_unknown_event_type", _("Unknown event type"), 404)
    QUERY_TOO_LARGE = ("epcis_query_too_large",
                       _("The query matches more events than maxEventCount allows"), 413)
    NOT_ACCEPTABLE = ("epcis_not_acceptable",
                      _("The repository cannot answer in the media type or EPCIS/CBV version "
                        "asked for"), 406)
    TOO_MANY_CAPTURES = ("epcis_too_many_captures",
                         _("Too many capture requests from this organization; try again in "
                           "a minute"), 429)


# The binding's exception type of each error (epcis-rest-openapi.yaml).
PROBLEM_TYPES = {
    "epcis_invalid_json": "epcisException:ValidationException",
    "epcis_invalid_document": "epcisException:ValidationException",
    "epcis_too_large": "epcisException:CaptureLimitExceededException",
    "epcis_too_many_events": "epcisException:CaptureLimitExceededException",
    "epcis_too_many_captures": "epcisException:CaptureLimitExceededException",
    "epcis_foreign_gtin": "epcisException:SecurityException",
    "epcis_unknown_parameter": "epcisException:QueryParameterException",
    "epcis_bad_parameter": "epcisException:QueryParameterException",
    "epcis_bad_page_token": "epcisException:QueryParameterException",
    "epcis_query_too_large": "epcisException:QueryTooLargeException",
    "epcis_not_acceptable": "epcisException:NotAcceptableException",
    "epcis_capture_not_found": "epcisException:NoSuchResourceException",
    "epcis_event_not_found": "epcisException:NoSuchResourceException",
    "epcis_duplicate_event": "epcisException:ResourceAlreadyExistsException",
    "epcis_unknown_event_type": "epcisException:NoSuchResourceException",
}

# The binding's exception type of any other error (an API key refused, a path
# that names nothing…), by its HTTP status; Shequn's own code stays in ``code``.
STATUS_TYPES = {
    400: "epcisException:ValidationException",
    401: "epcisException:SecurityException",
    403: "epcisException:SecurityException",
    404: "epcisException:NoSuchResourceException",
    406: "epcisException:NotAcceptableException",
    409: "epcisException:ResourceAlreadyExistsException",
    413: "epcisException:CaptureLimitExceededException",
    414: "epcisException:URITooLongException",
    415: "epcisException:UnsupportedMediaTypeException",
    422: "epcisException:ValidationException",
}


def problem_type(code: str, status: int) -> str:
    """The ``type`` of the problem details answering an error: one of the
    exception types the binding defines, never Shequn's own code."""
    if code in PROBLEM_TYPES:
        return PROBLEM_TYPES[code]
    if status in STATUS_TYPES:
        return STATUS_TYPES[status]
    # RFC 7807 §4.2: no more semantics than the HTTP status itself (405…).
    return "about:blank" if status < 500 else "epcisException:ImplementationException"

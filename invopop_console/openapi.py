"""What the OpenAPI document says about errors, the same for every operation.

Views document their successes and the errors that only they give (a 409 for a key used by
another request); the errors that follow from an operation's shape are added here, so that
no view can forget one: every operation can answer 401 (no valid token) and 503 (the database
is unreachable for a moment), one with path ids 404, one with query parameters or a body 422,
one with a body 400, 413 and 415. All of them in the API's one error format (invopop_console/
api.py). Text query parameters say that they take no NUL character. Added by a
drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS).

The parameters that every list takes are described here once, too.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

# The parameters of every list (api.paginate and its like), described once.
CREATED_AT = OpenApiParameter(
    "created_at",
    OpenApiTypes.DATETIME,
    description="Only what was created at or before this moment (ISO 8601; UTC without a zone)",
)
CURSOR = OpenApiParameter("cursor", str, description="The next_cursor of the previous page")
LIMIT = OpenApiParameter(
    "limit", int, description="How many per page: 20 when absent or below 1, at most 100"
)
PAGE = [CREATED_AT, CURSOR, LIMIT]

ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR = {
    "type": "object",
    "description": "Every error of the API.",
    "required": ["key", "message", "fields"],
    "properties": {
        "key": {"type": "string", "description": "Stable, such as not-found or invalid"},
        "message": {"type": "string"},
        "fields": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "What is wrong, by JSON pointer into the body (/<param> for a "
            "query parameter)",
        },
    },
}
WHY = {
    400: "The body is not valid JSON",
    401: "No token, or not a valid one",
    404: "No such object in the token's workspace",
    409: "A conflict with the object as it is",
    413: "The body is over API_MAX_BODY_BYTES",
    415: "A content type the operation does not take",
    422: "Invalid fields or parameters, by JSON pointer",
    503: "The database cannot be reached for a moment: try again after Retry-After",
}
NO_NUL = "^[^\\x00]*$"
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait"}}


def document_errors(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for status in error_statuses(operation):
                _document(operation["responses"], status)
            for parameter in operation.get("parameters", []):
                _no_nul(parameter)
            operation["responses"]["503"]["headers"] = RETRY_AFTER
    return result


def error_statuses(operation: dict) -> list[int]:
    """The errors that an operation of this shape can answer."""
    parameters = {parameter["in"] for parameter in operation.get("parameters", [])}
    statuses = {503}
    if operation.get("security") and {} not in operation["security"]:
        statuses.add(401)
    if "path" in parameters:
        statuses.add(404)
    if "query" in parameters:
        statuses.add(422)
    if "requestBody" in operation:
        statuses |= {400, 413, 415, 422}
    statuses |= {int(status) for status in operation["responses"] if status[0] == "4"}
    return sorted(statuses)


def _no_nul(parameter: dict) -> None:
    """A text query parameter takes no NUL character (a 422: PostgreSQL can store none, nor
    compare one); the schema says so, rather than leave it to be found out."""
    schema = parameter.get("schema", {})
    constrained = schema.keys() & {"format", "enum", "pattern"}
    if parameter["in"] == "query" and schema.get("type") == "string" and not constrained:
        schema["pattern"] = NO_NUL


def _document(responses: dict, status: int) -> None:
    response = responses.setdefault(str(status), {"description": WHY.get(status, "")})
    response["description"] = response.get("description") or WHY.get(status, "")
    response.setdefault("content", {"application/json": {"schema": ERROR_REF}})

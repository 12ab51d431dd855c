"""The OpenAPI document at /api/schema/ and its browsable UI at /api/docs/."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_with_bearer_auth(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/utils/v1/ping" in schema["paths"]
    assert schema["components"]["securitySchemes"]["BearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_the_docs_page_is_served_without_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/api/schema/" in body
    assert "cdn." not in body and "jsdelivr" not in body


def test_every_operation_documents_its_errors_in_the_one_error_format(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    error = {"$ref": "#/components/schemas/Error"}
    assert schema["components"]["schemas"]["Error"]["required"] == ["key", "message", "fields"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            expected = {"401", "503"}
            if "{" in path:
                expected.add("404")
            if "requestBody" in operation:
                expected |= {"400", "413", "415", "422"}
            assert expected <= set(responses), (method, path, sorted(responses))
            for status in expected:
                assert responses[status]["content"]["application/json"]["schema"] == error
            assert "Retry-After" in responses["503"]["headers"]


def test_list_parameters_say_what_the_api_does_with_them(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    for path in ("/transform/v1/jobs", "/transform/v1/workflows", "/silo/v1/entries"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["created_at"]["schema"] == {"type": "string", "format": "date-time"}
        assert parameters["limit"]["schema"]["type"] == "integer"
        assert "minimum" not in parameters["limit"]["schema"]  # held to 1..100, not refused
        assert parameters["cursor"]["schema"]["pattern"] == "^[^\\x00]*$"  # no NUL: a 422

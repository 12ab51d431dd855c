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

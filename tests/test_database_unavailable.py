"""While the database cannot be reached (PostgreSQL restarting), the API answers 503 in its
error format with Retry-After, not a 500 HTML page: the connection really fails here, to a
database that is not there."""

import uuid

import pytest
from conftest import free_port
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_down():
    """The default connection pointed at a database that does not answer; yields the
    function that brings it back (called again at the end)."""
    saved = dict(connection.settings_dict)

    def restore():
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = f"/nonexistent-{uuid.uuid4().hex}/console.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()))
    yield restore
    restore()


def assert_unavailable(response):
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"].isdigit()
    assert response.json()["key"] == "unavailable"
    assert set(response.json()) == {"key", "message", "fields"}


def test_creating_a_job_while_the_database_is_down_is_a_503_to_retry(api, database_down):
    body = {"workflow_id": str(uuid.uuid4()), "args": {"a": "b"}}
    assert_unavailable(api.post("/transform/v1/jobs", body, format="json"))


@pytest.mark.parametrize(
    "path", ["/silo/v1/entries", "/transform/v1/workflows", "/utils/v1/ping", "/sequence/v1/series"]
)
def test_every_api_view_answers_503_while_the_database_is_down(api, database_down, path):
    assert_unavailable(api.get(path))


@pytest.fixture
def logged_in(client, owner, workspace):
    client.force_login(owner)
    return client


def test_a_console_page_answers_503_too(logged_in, database_down):
    response = logged_in.get("/w/acme/")
    assert response.status_code == 503 and response["Retry-After"].isdigit()
    assert response["Content-Type"].startswith("text/plain")


def test_the_api_answers_again_once_the_database_is_back(api, database_down):
    assert api.get("/utils/v1/ping").status_code == 503
    database_down()
    assert api.get("/utils/v1/ping").status_code == 200

"""Bad input is refused with the field it is in, never a 500, and nothing stored changes
(issue 13): triggers, workflow bodies, the editor, the silo's new-entry form."""

import json
import uuid

import pytest
from django.urls import reverse
from engine_helpers import INVOICE, state, workflow

from silo.models import SiloEntry
from workflows import definition as definitions
from workflows.models import EditSession, Trigger, Workflow
from workflows.triggers import TriggerError, check_cron, interval_seconds

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def flow(workspace):
    return workflow(workspace, [state("received")])


def raw(client, method: str, url: str, text: str):
    return getattr(client, method)(url, text, content_type="application/json")


# --- Schedules


TOO_LONG = [
    ('{"kind": "schedule", "interval": 1e308}', "/interval"),
    ('{"kind": "schedule", "interval": 99999999999999999999999}', "/interval"),
    ('{"kind": "schedule", "interval": "99999999999999999999999"}', "/interval"),
    ('{"kind": "schedule", "interval": 60.5}', "/interval"),
    ('{"kind": "schedule", "interval": true}', "/interval"),
    ('{"kind": "schedule", "interval": "hourly", "factor": 1e30}', "/factor"),
    ('{"kind": "schedule", "interval": "hourly", "factor": 99999999999999999999}', "/factor"),
    ('{"kind": "schedule", "interval": "hourly", "factor": 0}', "/factor"),
    ('{"kind": "schedule", "interval": "hourly", "factor": "many"}', "/factor"),
    ('{"kind": "schedule", "cron": "0 0 30 2 *"}', "/cron"),
    ('{"kind": "schedule", "cron": "0 0 31 4,6 *"}', "/cron"),
]


@pytest.mark.parametrize(("body", "pointer"), TOO_LONG)
def test_a_schedule_that_cannot_run_is_a_422_naming_the_field(api, flow, body, pointer):
    response = raw(api, "post", f"/transform/v1/workflows/{flow.id}/triggers", body)

    assert response.status_code == 422, response.content[:300]
    assert pointer in response.json()["fields"]
    assert not Trigger.objects.exists()


@pytest.mark.parametrize(("body", "pointer"), TOO_LONG)
def test_a_schedule_changed_into_one_that_cannot_run_is_a_422_and_kept(api, flow, body, pointer):
    base = f"/transform/v1/workflows/{flow.id}/triggers"
    made = api.post(base, {"kind": "schedule", "interval": "daily"}, format="json").json()

    response = raw(api, "patch", f"{base}/{made['id']}", body)

    assert response.status_code == 422 and pointer in response.json()["fields"]
    assert Trigger.objects.get().interval == 86400


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"interval": "99999999999999999999999"}, "interval"),
        ({"interval": "1e308"}, "interval"),
        ({"interval": "hourly", "factor": "1e30"}, "factor"),
        ({"interval": "hourly", "factor": "99999999999999999999"}, "factor"),
        ({"cron": "0 0 30 2 *"}, "cron"),
    ],
)
def test_the_console_refuses_a_schedule_that_cannot_run_naming_the_field(
    client, owner, workspace, flow, fields, name
):
    client.force_login(owner)
    url = reverse("trigger_create", args=[workspace.slug, flow.id])

    response = client.post(url, {"kind": "schedule", **fields}, follow=True)

    assert response.status_code == 200
    assert f"The trigger was not added: {name}:" in response.content.decode()
    assert not Trigger.objects.exists()


@pytest.mark.parametrize(
    ("interval", "factor", "field"),
    [(1e308, None, "/interval"), (10**23, None, "/interval"), ("hourly", 1e30, "/factor")],
)
def test_intervals_beyond_the_longest_are_refused(interval, factor, field):
    with pytest.raises(TriggerError) as raised:
        interval_seconds(interval, factor)
    assert raised.value.field == field


def test_a_cron_expression_that_never_comes_is_refused():
    with pytest.raises(TriggerError, match="never"):
        check_cron("0 0 30 2 *")


def test_a_stored_schedule_that_never_comes_is_disabled_and_the_others_still_fire(flow):
    from datetime import timedelta

    from django.utils import timezone

    from workflows.triggers import fire_due_schedules

    due = timezone.now() - timedelta(minutes=1)
    never = Trigger.objects.create(
        workspace=flow.workspace,
        workflow=flow,
        kind="schedule",
        cron="0 0 30 2 *",
        next_run_at=due,
    )
    hourly = Trigger.objects.create(
        workspace=flow.workspace, workflow=flow, kind="schedule", interval=3600, next_run_at=due
    )

    assert fire_due_schedules() == 1

    never.refresh_from_db(), hourly.refresh_from_db()
    assert not never.enabled and hourly.next_run_at > timezone.now()


@pytest.mark.parametrize(
    ("config", "pointer"),
    [
        ({"interval": 99999999999999999999999}, "/steps/0/config/interval"),
        ({"interval": "hourly", "factor": 10**30}, "/steps/0/config/factor"),
    ],
)
def test_cron_subscribe_with_an_interval_too_long_is_a_problem_of_the_workflow(config, pointer):
    steps = [{"id": "s", "provider": "cron.subscribe", "config": config}]

    problems = definitions.validate({"name": "x", "steps": steps})

    assert pointer in [problem.path for problem in problems]


def test_cron_subscribe_with_an_interval_too_long_goes_ko_instead_of_failing(workspace, flow):
    from types import SimpleNamespace

    from engine_helpers import entry

    from jobs import operations
    from providers import registry
    from providers.base import StepContext

    job = SimpleNamespace(workflow_id=flow.id, pk=uuid.uuid4())
    config = {"interval": "hourly", "factor": 10**30}
    context = StepContext(workspace, job, entry(workspace), {}, config, {}, [], "ref", 1)
    context.operations = operations  # as the engine gives them

    outcome = registry.get("cron.subscribe").run(context)

    assert (outcome.status, outcome.code) == ("KO", "invalid-interval")
    assert not Trigger.objects.exists()


# --- Workflow bodies


def put(api, text: str, workflow_id=None):
    return raw(api, "put", f"/transform/v1/workflows/{workflow_id or uuid.uuid4()}", text)


@pytest.mark.parametrize(
    ("text", "pointer"),
    [
        ('{"name": "\\ud800", "steps": []}', "/name"),
        (
            '{"name": "x", "steps": [{"id": "a", "provider": "silo.state", "name": "\\udc00"}]}',
            "/steps/0/name",
        ),
        ('{"name": "x", "\\ud800": 1}', "/\\ud800"),
        (
            '{"name": "x", "steps": [{"id": "a", "provider": "silo.state", "timeout": NaN}]}',
            "/steps/0/timeout",
        ),
    ],
)
def test_a_workflow_body_with_what_cannot_be_kept_is_a_422_naming_the_field(api, text, pointer):
    response = put(api, text)

    assert response.status_code == 422
    assert pointer in response.json()["fields"]
    assert not Workflow.objects.exists()


@pytest.mark.parametrize(
    ("steps", "rescue", "pointer"),
    [
        ([None], [], "/steps/0"),
        ([], [1], "/rescue/0"),
        (["silo.state"], [], "/steps/0"),
        (
            [{"id": "a", "provider": "silo.state", "next": [{"steps": [5]}]}],
            [],
            "/steps/0/next/0/steps/0",
        ),
        ([{"id": "a", "provider": "silo.state", "next": ["OK"]}], [], "/steps/0/next/0"),
    ],
)
def test_steps_that_are_not_objects_are_a_422_and_not_stored(api, flow, steps, rescue, pointer):
    body = {"name": "x", "steps": steps, "rescue": rescue}

    created = api.put(f"/transform/v1/workflows/{uuid.uuid4()}", body, format="json")
    changed = api.patch(f"/transform/v1/workflows/{flow.id}", body, format="json")

    assert created.status_code == 422 and pointer in created.json()["fields"]
    assert changed.status_code == 422 and pointer in changed.json()["fields"]
    assert Workflow.objects.get().steps == flow.steps


@pytest.mark.parametrize("step_id", [{}, [], 5, None])
def test_a_jump_to_a_step_id_that_is_not_text_is_a_422_not_a_500(api, step_id):
    step = {"id": "a", "provider": "silo.state", "next": [{"status": "OK", "step_id": step_id}]}

    response = put(api, json.dumps({"name": "x", "steps": [step]}))

    assert response.status_code == 422, response.content[:300]
    assert "/steps/0/next/0/step_id" in response.json()["fields"]
    assert not Workflow.objects.exists()


@pytest.mark.parametrize("next_blocks", [5, "OK", {"status": "OK"}])
def test_next_that_is_not_a_list_is_a_422_not_a_500(api, next_blocks):
    step = {"id": "a", "provider": "silo.state", "next": next_blocks}

    response = put(api, json.dumps({"name": "x", "steps": [step]}))

    assert response.status_code == 422, response.content[:300]
    assert "/steps/0/next" in response.json()["fields"]
    assert not Workflow.objects.exists()


@pytest.mark.parametrize(
    ("where", "pointer"),
    [('"code": "\\ud800", ', "/data/doc/code"), ('"\\udfff": "x", ', "/data/doc/\\udfff")],
)
def test_an_entry_with_a_lone_surrogate_is_a_422_naming_the_field(api, where, pointer):
    data = json.dumps(INVOICE).replace('"doc": {', '"doc": {' + where, 1)

    response = raw(api, "post", "/silo/v1/entries", '{"data": ' + data + "}")

    assert response.status_code == 422
    assert pointer in response.json()["fields"]
    assert not SiloEntry.objects.exists()


# --- The editor


@pytest.fixture
def editor(client, owner, workspace):
    found = Workflow(workspace=workspace)
    found.save_draft(
        {
            "name": "Edited",
            "schema": "bill/invoice",
            "steps": [
                state("one") | {"next": [{"status": "OK", "steps": [state("inner")]}]},
                {"id": "m", "name": "Modify", "provider": "silo.modify", "config": {}},
            ],
            "rescue": [state("error")],
        }
    )
    client.force_login(owner)
    page = reverse("workflow_editor", args=[workspace.slug, found.id])

    def act(action, **data):
        before = found.definition()
        response = client.post(f"{page}{action}/", data, **HX)
        assert response.status_code == 200, response.content[-600:]
        session = EditSession.objects.get(workflow=found)
        assert session.definition == before, "the working copy did not change"
        return response.content.decode()

    return act


@pytest.mark.parametrize(
    ("text", "pointer"),
    [
        (
            '{"name": "x", "steps": [{"id": "a", "provider": "silo.state", "timeout": 1e400}]}',
            "/steps/0/timeout",
        ),
        ('{"name": "x", "steps": [], "x-n": NaN}', "/x-n"),
        ('{"name": "x", "steps": [], "x-n": -Infinity}', "/x-n"),
        ('{"name": "a\\u0000b", "steps": []}', "/name"),
        ('{"name": "\\ud800", "steps": []}', "/name"),
        (DEEP, ""),
        ('{"name": "x", "steps": [], "x": %s}' % ("[" * 80 + "]" * 80), "/x/0/0"),
    ],
)
def test_developer_mode_refuses_what_cannot_be_kept_naming_where(editor, text, pointer):
    html = editor("json", definition=text)

    assert f"<code>{pointer or '/'}" in html


@pytest.mark.parametrize(
    "fields",
    [
        {"step": "/rescue/-5", "container": "/steps"},
        {"step": "/steps/0", "container": "/rescue/-5"},
        {"step": "/steps/²", "container": "/steps"},
        {"step": "/steps/0", "container": "/steps/²/next/0/steps"},
        {"step": "/steps/1", "container": "/steps/0/next/-1/steps"},
        {"step": "/steps/1", "container": "/steps/0/next/9/steps"},
        {"step": "/steps/1", "container": "/steps/0/config/steps"},
        {"step": "/steps/1", "container": "/name/steps"},
        {"step": "/steps/1", "container": ""},
        {"step": "", "container": "/steps"},
        {"step": "/steps/01", "container": "/rescue"},
        {"step": "/rescue/0", "container": "steps"},
        {"step": "/steps/1", "container": "/steps/1/next/0/steps"},
    ],
)
def test_a_move_with_a_bad_pointer_says_so_and_changes_nothing(editor, fields):
    html = editor("move", index="-5", **fields)

    assert '<div class="flash bad" role="alert">' in html


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("settings", {"name": "a\x00b"}),
        ("step", {"step": "/steps/0", "name": "a\x00b"}),
        ("step", {"step": "/steps/1", "/data": DEEP}),
        ("step", {"step": "/steps/1", "/data": '{"a": NaN}'}),
        ("nudge", {"step": "/steps/²", "direction": "up"}),
        ("delete", {"step": "/steps/-1"}),
        ("duplicate", {"step": "/"}),
        ("uncondition", {"block": "/steps/0/next/²"}),
        ("condition", {"step": "/steps/0", "status": "\x00"}),
    ],
)
def test_other_edits_with_bad_input_change_nothing(editor, action, fields):
    html = editor(action, **fields)

    assert '<div class="flash bad" role="alert">' in html or "has-error" in html


# --- The silo's new-entry form


def new_entry(client, workspace, **data):
    return client.post(reverse("entry_create", args=[workspace.slug, "invoices"]), data)


@pytest.mark.parametrize(
    ("document", "pointer"),
    [
        (DEEP, "/"),
        (json.dumps(INVOICE)[:-1] + ', "x": %s}' % ("[" * 100 + "]" * 100), "/x/0/0"),
        (json.dumps(INVOICE)[:-1] + ', "x": NaN}', "/x"),
        (json.dumps(INVOICE)[:-1] + ', "x": 1e400}', "/x"),
        (json.dumps(INVOICE).replace('"Sample Consumer"', '"\\ud800"'), "/doc/customer/name"),
    ],
)
def test_a_new_entry_that_cannot_be_kept_is_refused_naming_where(
    client, owner, workspace, document, pointer
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(owner)
    pasted = new_entry(client, workspace, document=document)
    upload = SimpleUploadedFile("deep.json", document.encode(), "application/json")
    uploaded = new_entry(client, workspace, upload=upload)

    for response in (pasted, uploaded):
        assert response.status_code == 422
        pointers = [where for where, _ in response.context["form"].problems]
        assert any(where.startswith(pointer) for where in pointers), pointers
    assert not SiloEntry.objects.exists()


# --- Query parameters PostgreSQL cannot take (schemathesis found them on PostgreSQL only)

LISTS = ["/transform/v1/workflows", "/transform/v1/jobs", "/silo/v1/entries"]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("query", ["schema=a%00b", "folder=%00", "cursor=x%00", "a%00=1"])
def test_a_query_parameter_with_nul_is_a_422_naming_it(api, url, query):
    response = api.get(f"{url}?{query}")

    assert response.status_code == 422, response.content[:300]
    name = query.split("=")[0].replace("%00", "")
    assert response.json()["fields"] == {f"/{name}": "must not contain the NUL character"}


def test_a_console_page_with_nul_in_its_query_is_a_400(client, workspace):
    client.force_login(workspace.memberships.first().user)
    response = client.get(f"/w/{workspace.slug}/silo/?q=%00")

    assert response.status_code == 400
    assert b"NUL" in response.content


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    "moment",
    [
        "9252-09-29T20:47:39-22:25",
        "2905-05-08T10:05:21+17:53",
        "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:00:00+05:00",
    ],
)
def test_any_offset_python_reads_lists_instead_of_a_500(api, flow, url, moment):
    response = api.get(url, {"created_at": moment})

    assert response.status_code == 200, response.content[:300]
    assert isinstance(response.json()["list"], list)


def test_an_offset_beyond_postgresqls_is_the_same_moment_in_utc(api, flow):
    response = api.get("/transform/v1/workflows", {"created_at": "2000-01-01T00:00:00-22:00"})
    assert response.json()["list"] == []  # 2000-01-01T22:00Z: long before `flow`
    response = api.get("/transform/v1/workflows", {"created_at": "9999-12-31T23:00:00-22:00"})
    assert [row["id"] for row in response.json()["list"]] == [str(flow.id)]

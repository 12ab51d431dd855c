"""The workflows of the transform API, as Invopop's transform_v1.

    GET   /transform/v1/workflows        200 TransformWorkflowCollection (?schema, ?limit,
                                             ?cursor, ?created_at), newest first
    GET   /transform/v1/workflows/{id}   200 TransformWorkflow, with versions[]
    PUT   /transform/v1/workflows/{id}   200 TransformWorkflow: create with the client's
                                             UUID, or replace the definition (an upsert)
    PATCH /transform/v1/workflows/{id}   200 TransformWorkflow: only the given fields change

The reference has no POST. The body is the workflow definition (unknown top-level fields are
kept) plus `draft` and `disabled`. `draft: false` publishes the definition as a new version
(or 422, with every problem by pointer, and nothing saved); `draft: true` saves it with its
problems listed; without `draft`, see put_workflow and patch_workflow. Another workspace's
workflow, and a path id that is not a UUID, are 404s.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response

from invopop_console import api
from invopop_console import openapi as api_doc
from invopop_console.accounts.access import get_owned, owned_or_none

from . import definition as definitions
from . import openapi, secrets, serializers
from .models import InvalidDefinition, RefusedDefinition, Workflow


@extend_schema(
    operation_id="list_workflows",
    parameters=[OpenApiParameter("schema", str, description="Only this schema's"), *api_doc.PAGE],
    responses={200: openapi.COLLECTION},
)
@api_view(["GET"])
def all_workflows(request):
    found = Workflow.objects.filter(workspace=request.workspace)
    schema = request.query_params.get("schema") or ""
    if schema:
        found = found.filter(schema=schema)
    since = api.created_at_param(request)
    if since is not None:
        found = found.filter(created_at__lte=since)
    page = api.paginate(request, found, serializers.workflow_json)
    return Response(serializers.collection_json(page, schema, since, next_created_at(found, page)))


def next_created_at(found, page: dict) -> datetime | None:
    """When the next page starts: the creation time of its first workflow."""
    if not page["next_cursor"]:
        return None
    created, pk = api.decode_cursor(page["next_cursor"])
    after = found.filter(Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk))
    return after.order_by("-created_at", "-pk").values_list("created_at", flat=True).first()


@extend_schema(methods=["GET"], responses={200: openapi.WORKFLOW})
@extend_schema(
    methods=["PUT", "PATCH"], request=openapi.WORKFLOW_IN, responses={200: openapi.WORKFLOW}
)
@api_view(["GET", "PUT", "PATCH"])
def one_workflow(request, workflow_id):
    pk = api.parse_id(workflow_id)
    if request.method == "PUT":
        return put_workflow(request, pk)
    if request.method == "PATCH":
        return patch_workflow(request, pk)
    return detail(get_owned(Workflow, request.workspace, what="workflow", pk=pk))


def put_workflow(request, pk):
    """PUT: create the workflow with the client's UUID, or replace the whole definition of
    the existing one: an upsert. The reference documents PUT as "create with the given UUID"
    and PATCH as the update; answering a repeated PUT (a retry, a definition pasted again)
    with a replacement rather than an error is what makes PUT safe to repeat.

    Without `draft`, the definition is published when it can be (Invopop's default) and
    otherwise saved as a draft with its problems listed, so any pasted template is kept.
    Without `disabled`, the flag stays as it is (false for a new workflow). Both answer 200,
    the only status the reference gives. An id of another workspace's workflow is a 404: it
    is never overwritten, nor is its existence revealed."""
    wanted = serializers.workflow_request(api.json_body(request))
    try:
        with transaction.atomic():
            workflow = owned_or_none(Workflow.objects.select_for_update(), request.workspace, pk=pk)
            if workflow is None:
                workflow = new_workflow(request.workspace, pk)
            # A definition fetched here comes with its inline secrets masked: keep them.
            workflow.apply_definition(secrets.unmasked(wanted.definition, workflow.definition()))
            settle(workflow, wanted.draft, wanted.disabled)
    except IntegrityError:
        raise raced(request.workspace, pk) from None
    except InvalidDefinition as exc:
        raise unpublishable(exc) from None
    return detail(workflow)


def patch_workflow(request, pk):
    """PATCH (TransformUpdateWorkflow): the given top-level fields replace theirs, the rest
    stay. Without `draft`, a draft stays a draft, and a published workflow stays published
    when its definition can be (publishing an unchanged definition makes no new version),
    else it becomes a draft with its problems listed: disabling a workflow whose definition
    no longer validates is never refused."""
    wanted = serializers.workflow_request(api.json_body(request))
    try:
        with transaction.atomic():
            workflow = get_owned(
                Workflow.objects.select_for_update(), request.workspace, what="workflow", pk=pk
            )
            before = workflow.definition()
            workflow.apply_definition(secrets.unmasked({**before, **wanted.definition}, before))
            draft = True if wanted.draft is None and workflow.draft else wanted.draft
            settle(workflow, draft, wanted.disabled)
    except InvalidDefinition as exc:
        raise unpublishable(exc) from None
    return detail(workflow)


def settle(workflow: Workflow, draft: bool | None, disabled: bool | None) -> None:
    """Save the workflow, and publish it unless `draft`; with `draft` None, publish it when
    its definition has no errors. Call inside the transaction: a refused publish
    (InvalidDefinition) must roll the save back."""
    if disabled is not None:
        workflow.disabled = disabled
    if draft is None:
        draft = bool(definitions.errors(workflow.problems()))
    if draft:
        workflow.draft = True
    workflow.save()
    if not draft:
        workflow.publish()


def new_workflow(workspace, pk) -> Workflow:
    if Workflow.objects.filter(pk=pk).exists():
        raise api.not_found("workflow")  # another workspace's: never overwritten nor revealed
    return Workflow(id=pk, workspace=workspace)


def raced(workspace, pk) -> Exception:
    """A concurrent PUT created the same id first."""
    if not Workflow.objects.filter(pk=pk, workspace=workspace).exists():
        return api.not_found("workflow")
    return api.conflict("The workflow was created by another request meanwhile; try again")


def unpublishable(exc: InvalidDefinition) -> api.ApiError:
    what = "kept" if isinstance(exc, RefusedDefinition) else "published"
    return api.invalid(
        serializers.problem_fields(exc.problems),
        f"The workflow cannot be {what}: {len(exc.problems)} problem(s)",
    )


def detail(workflow: Workflow) -> Response:
    return Response(serializers.workflow_json(workflow, serializers.versions_of(workflow)))

"""silo.close: the digest of the document in head.dig, an ES256 JWS of the head in sigs."""

import base64
import hashlib
import json
from copy import deepcopy

import pytest
from engine_helpers import INVOICE, run, start, start_on, state, step, trace

from providers.models import SigningKey
from providers.sign import canonical, seal, signing_key, verify
from silo.models import SiloEntryVersion

pytestmark = pytest.mark.django_db


def invoice_with(**doc) -> dict:
    data = deepcopy(INVOICE)
    data["doc"].update(doc)
    return data


def close(name="sign") -> dict:
    return step("silo.close", name=name)


def part(jws: str, index: int) -> bytes:
    text = jws.split(".")[index]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signed_job(workspace):
    job = run(start(workspace, [close()], data=invoice_with(code="INV-1")))
    assert job.status == "OK", trace(job)
    return job


def test_closing_signs_the_envelope_with_a_digest_and_a_jws_of_the_head(workspace):
    job = signed_job(workspace)
    envelope = job.silo_entry.data
    head = envelope["head"]
    expected = hashlib.sha256(canonical(envelope["doc"])).hexdigest()
    assert head["dig"] == {"alg": "sha256", "val": expected}
    assert head["uuid"] == INVOICE["head"]["uuid"]
    [jws] = envelope["sigs"]
    key = SigningKey.objects.get(workspace=workspace)
    assert json.loads(part(jws, 0)) == {"alg": "ES256", "kid": key.kid}
    assert json.loads(part(jws, 1)) == head
    assert len(part(jws, 2)) == 64  # raw r || s, not DER
    assert verify(envelope, workspace)


def test_closing_marks_the_entry_signed_in_a_new_version(workspace):
    job = signed_job(workspace)
    silo_entry = job.silo_entry
    assert silo_entry.signed
    assert silo_entry.version == 2
    latest = SiloEntryVersion.objects.get(entry=silo_entry, number=2)
    assert (latest.signed, latest.job_id, latest.data) == (True, job.id, silo_entry.data)
    assert trace(job) == [("sign", ["RUN", "OK"])]


def test_a_head_without_a_uuid_gets_one(workspace):
    data = invoice_with(code="INV-1")
    del data["head"]
    job = run(start(workspace, [close()], data=data))
    envelope = job.silo_entry.data
    assert len(envelope["head"]["uuid"]) == 36
    assert verify(envelope, workspace)


def test_an_invoice_without_a_code_is_refused_and_the_job_ends_ko_through_rescue(workspace):
    job = run(start(workspace, [close(), state("sent")], rescue=[state("error")]))
    assert job.status == "KO"
    assert [name for name, _ in trace(job)] == ["sign", "state error"]
    assert job.faults[0]["code"] == "not-signable"
    assert "code" in job.faults[0]["message"]
    assert not job.silo_entry.signed
    assert job.silo_entry.version == 1


def test_a_document_without_a_schema_is_refused(workspace):
    data = invoice_with(code="INV-1")
    del data["doc"]["$schema"]
    job = run(start(workspace, [close()], data=data))
    assert job.status == "KO"
    assert job.faults[0]["code"] == "not-signable"


def test_numbering_then_closing_signs_the_numbered_invoice(workspace):
    number = step("sequence.enumerate", {"name": "Invoice", "prefix": "INV-", "padding": 6})
    job = run(start(workspace, [number, close()]))
    assert job.status == "OK", trace(job)
    assert job.silo_entry.data["doc"]["code"] == "000001"
    assert verify(job.silo_entry.data, workspace)


def test_an_entry_already_signed_is_skipped(workspace):
    silo_entry = signed_job(workspace).silo_entry
    job = run(start_on(silo_entry, [close("sign again")]))
    assert job.status == "OK"
    assert trace(job) == [("sign again", ["RUN", "SKIP"])]
    assert job.intents.get().events.last().message == "already signed"
    silo_entry.refresh_from_db()
    assert silo_entry.version == 2


def test_changing_the_document_after_signing_breaks_verification(workspace):
    envelope = deepcopy(signed_job(workspace).silo_entry.data)
    assert verify(envelope, workspace)
    envelope["doc"]["totals"]["payable"] = "1.00"
    assert not verify(envelope, workspace)


def test_changing_the_head_after_signing_breaks_verification(workspace):
    envelope = deepcopy(signed_job(workspace).silo_entry.data)
    envelope["head"]["uuid"] = "0190f2a4-5c1b-7000-8000-000000000002"
    assert not verify(envelope, workspace)


def test_a_forged_signature_does_not_verify(workspace):
    envelope = deepcopy(signed_job(workspace).silo_entry.data)
    header, payload, signature = envelope["sigs"][0].split(".")
    envelope["sigs"] = [f"{header}.{payload}.{signature[::-1]}"]
    assert not verify(envelope, workspace)
    envelope["sigs"] = ["not a jws"]
    assert not verify(envelope, workspace)


def test_each_workspace_signs_with_its_own_key(workspace, other_workspace):
    mine, theirs = signing_key(workspace), signing_key(other_workspace)
    assert mine.kid != theirs.kid
    assert mine.private_pem != theirs.private_pem
    assert signing_key(workspace).pk == mine.pk  # made once, then reused
    envelope = seal(invoice_with(code="INV-1"), workspace)
    assert verify(envelope, workspace)
    assert not verify(envelope, other_workspace)


def test_the_private_key_stays_out_of_the_admin_lists(admin_client, workspace):
    key = signing_key(workspace)
    page = admin_client.get("/admin/providers/signingkey/").content.decode()
    assert key.kid in page
    detail = admin_client.get(f"/admin/providers/signingkey/{key.pk}/change/").content.decode()
    assert "PUBLIC KEY" in detail
    assert "PRIVATE" not in page + detail

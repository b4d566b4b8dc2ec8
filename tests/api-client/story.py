"""A client developer's story, told with the Python client that openapi-python-client
generates from Lodge's OpenAPI description, used unchanged: sign in, start a case, log an
incident with a person known only by a username, upload a screenshot, share the case with a
support worker, make a police link, make a report file and download it.

Run by the test suite (crates/cli/tests/it/api_client.rs) with the generated package
`lodge_api_client` on PYTHONPATH and LODGE_URL, LODGE_USERNAME, LODGE_PASSWORD, LODGE_WORKER
and LODGE_SCREENSHOT in the environment. Prints one JSON line of what it made; any response
that is not the one the description promises stops it with an error.
"""

import hashlib
import json
import os
import time

from lodge_api_client import AuthenticatedClient, Client
from lodge_api_client.api.cases import create_case
from lodge_api_client.api.evidence import upload_evidence
from lodge_api_client.api.incidents import create_incident
from lodge_api_client.api.integrity import create_report_file, download_report_file, get_report_file
from lodge_api_client.api.people import create_person
from lodge_api_client.api.session import create_session
from lodge_api_client.api.sharing import create_police_link, grant
from lodge_api_client.models import (
    CaseInput,
    EvidenceUpload,
    GrantAccess,
    Identifier,
    IdentifierKind,
    IncidentInput,
    NewGrant,
    NewPoliceLink,
    PersonInput,
    ReportChoices,
    ReportFormat,
    ReportRequest,
    SessionRequest,
    WhenInput,
    WhenKind,
)
from lodge_api_client.types import File


def expect(response, status):
    """The parsed body of a response that has the promised status."""
    if response.status_code != status:
        raise SystemExit(f"expected {status}, got {response.status_code}: {response.content!r}")
    return response.parsed


url = os.environ["LODGE_URL"]
public = Client(base_url=url, raise_on_unexpected_status=True)
signed = expect(
    create_session.sync_detailed(
        client=public,
        body=SessionRequest(username=os.environ["LODGE_USERNAME"], password=os.environ["LODGE_PASSWORD"]),
    ),
    200,
)
client = AuthenticatedClient(base_url=url, token=signed.token, raise_on_unexpected_status=True)

case = expect(create_case.sync_detailed(client=client, body=CaseInput(title="Messages from darkwolf")), 201)
person = expect(
    create_person.sync_detailed(
        case.id,
        client=client,
        body=PersonInput(
            label="darkwolf",
            identifiers=[Identifier(kind=IdentifierKind.USERNAME, value="@darkwolf_99", platform="Instagram")],
        ),
    ),
    201,
)
incident = expect(
    create_incident.sync_detailed(
        case.id,
        client=client,
        body=IncidentInput(
            occurred=WhenInput(kind=WhenKind.EXACT, at="2025-05-03T21:15:00+01:00[Europe/London]"),
            platform="Instagram",
            description="He messaged me from a new account after I blocked the last one.",
            people=[person.id],
        ),
    ),
    201,
)

with open(os.environ["LODGE_SCREENSHOT"], "rb") as f:
    shot = f.read()
exhibits = expect(
    upload_evidence.sync_detailed(
        case.id,
        client=client,
        body=EvidenceUpload(
            incident=incident.id,
            file=[File(payload=shot, file_name="screenshot.png", mime_type="image/png")],
        ),
    ),
    201,
)

granted = expect(
    grant.sync_detailed(
        case.id, client=client, body=NewGrant(username=os.environ["LODGE_WORKER"], access=GrantAccess.READ)
    ),
    201,
)
link = expect(
    create_police_link.sync_detailed(
        case.id,
        client=client,
        body=NewPoliceLink(label="PC Smith", days=30, report=ReportChoices(subject_name="Ruby")),
    ),
    201,
)

made = expect(
    create_report_file.sync_detailed(
        case.id, client=client, body=ReportRequest(subject_name="Ruby", format_=ReportFormat.PDF)
    ),
    202,
)
for _ in range(600):
    made = expect(get_report_file.sync_detailed(case.id, made.id, client=client), 200)
    if made.state not in ("queued", "running"):
        break
    time.sleep(0.2)
if made.state != "done":
    raise SystemExit(f"the report file was not made: {made.state} {made.error}")
pdf = download_report_file.sync_detailed(case.id, made.id, client=client)
if pdf.status_code != 200:
    raise SystemExit(f"the report file did not download: {pdf.status_code}")

print(
    json.dumps(
        {
            "case": str(case.id),
            "incident": str(incident.id),
            "person_in_incident": [str(p) for p in incident.body.people],
            "exhibit_sha256": exhibits[0].body.sha256,
            "screenshot_sha256": hashlib.sha256(shot).hexdigest(),
            "granted": granted.username,
            "police_link": link.link,
            "report_sha256": made.sha256,
            "downloaded_sha256": hashlib.sha256(pdf.content).hexdigest(),
            "downloaded_starts": pdf.content[:5].decode("latin-1"),
        }
    )
)

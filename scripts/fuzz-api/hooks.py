"""Schemathesis hooks for scripts/fuzz-api.sh.

Blocking queries: a query with `index` above the current index parks until its `wait` runs
out, up to 300 s (Caravan's default and cap). Fuzzing would spend its budget waiting, so a
case that asks for an index gets `wait=10ms`, unless its `wait` is certainly invalid (it has a
character no Go duration has), which the server answers at once with `400 Invalid wait time`.

`/v1/volume/csi/{volume_id}/{action}` stands for the actions no route names (answered
`404 resource not found`); a generated `claim`, `detach`, `create` or `delete` would name another
operation, so such cases are dropped.

Accepted answers, each one documented in docs/openapi.yaml and docs/api.md, that the checks
cannot tell from a fault; every other failure fails the run:
- a 500 from a volume write whose body is one of Nomad's volume refusals (Nomad answers them
  with 500, and Caravan keeps its status: `volume not found: V`, `validation: …`, …);
- a 501 from the operations that need a controller plugin, with Caravan's text;
- `GET /v1/plugins` with a `type` other than `csi`: 200 with an empty body and no content type,
  as Nomad answers, which OpenAPI cannot describe beside the JSON answer of `type=csi`.
"""

import re

import schemathesis

NOT_A_DURATION = re.compile(r"[^0-9.+\-a-zµμ]")

VOLUME_WRITES = {
    "registerVolumes",
    "registerVolumesPost",
    "registerVolume",
    "deregisterVolume",
    "detachVolume",
    "claimVolume",
}
# CSIVolumeError's texts (Sources/CaravanModel/Volumes/CSIVolumeError.swift).
NOMAD_VOLUME_REFUSAL = re.compile(
    r"^(validation: |no CSI plugin named: |no healthy controllers for CSI plugin: |volume identity cannot be updated: "
    r"|unable to update volume: |volume not found: |volume in use: |alloc \".*\" failed to claim volume "
    r"|volume is currently unschedulable$|volume max claims reached$|cannot change attachment mode of claimed volume$"
    r"|node not found: |node .* has no healthy node plugin |node .* has reached its maximum volumes for plugin "
    r"|node .* is outside the volume's topologies$|volume .* is in nonexistent namespace |volume .* already holds )",
    re.S,
)

CONTROLLER_OPERATIONS = {
    "listExternalVolumes",
    "listSnapshots",
    "createSnapshot",
    "createSnapshotPost",
    "deleteSnapshot",
    "createVolume",
    "deleteVolume",
}
NEEDS_CONTROLLER = "Caravan does not call CSI controller plugins: "


NAMED_ACTIONS = {"claim", "detach", "create", "delete"}


@schemathesis.hook
def filter_case(context, case):
    action = (case.path_parameters or {}).get("action")
    return not (isinstance(action, str) and action in NAMED_ACTIONS)


@schemathesis.hook
def map_case(context, case):
    query = case.query
    if isinstance(query, dict) and "index" in query:
        wait = query.get("wait")
        if not (isinstance(wait, str) and NOT_A_DURATION.search(wait)):
            query["wait"] = "10ms"
    return case


@schemathesis.hook
def filter_failure(context, failure, case, response):
    operation = case.operation.definition.raw.get("operationId")
    body = response.content.decode("utf-8", "replace")
    kind = type(failure).__name__
    if kind == "ServerError":
        if response.status_code == 500 and operation in VOLUME_WRITES and NOMAD_VOLUME_REFUSAL.match(body):
            return False
        if response.status_code == 501 and operation in CONTROLLER_OPERATIONS and body.startswith(NEEDS_CONTROLLER):
            return False
    if operation == "listPlugins" and response.status_code == 200 and body == "":
        plugin_type = (case.query or {}).get("type")
        if plugin_type is not None and plugin_type != "csi":
            return False
    return True

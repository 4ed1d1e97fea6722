"""Prints the requests of a schemathesis NDJSON report by operation, with their status codes,
then its scenarios by outcome; exits 1 if a check failed (a response the spec does not allow, a
5xx). Schemathesis's own errors (a flaky test case, an internal exception) are printed and do
not fail the run: they say nothing about the server.

    python count.py REPORT.ndjson...
"""

import collections
import json
import sys


def main(paths):
    requests = collections.defaultdict(collections.Counter)
    outcomes = collections.Counter()
    errors = []
    for path in paths:
        with open(path, encoding="utf-8") as report:
            for line in report:
                event = json.loads(line)
                for kind in ("NonFatalError", "FatalError"):
                    if kind in event:
                        value = event[kind].get("value") or {}
                        errors.append(f"{value.get('type', kind)}: {str(value.get('message', ''))[:160]}")
                finished = event.get("ScenarioFinished")
                if not finished:
                    continue
                outcomes[finished.get("status", "unknown")] += 1
                recorder = finished["recorder"]
                for interaction in (recorder.get("interactions") or {}).values():
                    response = interaction.get("response") or {}
                    requests[recorder["label"]][response.get("status_code", "no answer")] += 1
    total = sum(sum(statuses.values()) for statuses in requests.values())
    print(f"{total} requests")
    for label in sorted(requests, key=lambda label: (label.split(" ", 1)[1], label)):
        statuses = requests[label]
        detail = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items(), key=lambda item: str(item[0])))
        print(f"  {label:<52} {sum(statuses.values()):>7}   ({detail})")
    print("scenarios: " + ", ".join(f"{outcome} {count}" for outcome, count in sorted(outcomes.items())))
    for error in errors:
        print(f"  schemathesis error (not a finding): {error}")
    return 1 if outcomes["failure"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

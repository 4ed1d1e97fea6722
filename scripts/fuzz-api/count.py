"""Prints the requests of a schemathesis NDJSON report by operation, with their status codes.

    python count.py REPORT.ndjson...
"""

import collections
import json
import sys


def main(paths):
    requests = collections.defaultdict(collections.Counter)
    for path in paths:
        with open(path, encoding="utf-8") as report:
            for line in report:
                event = json.loads(line)
                finished = event.get("ScenarioFinished")
                if not finished:
                    continue
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


if __name__ == "__main__":
    main(sys.argv[1:])

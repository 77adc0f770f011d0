"""The embedded local runtime behind `make run` and the end-to-end tests.

- `resources`: the tables and queues of `infra/resources.json`, created for real (moto).
- `lambda_events`: real Lambda event shapes (SQS, scheduled) and a Lambda context.
- `pollers`: SQS pollers and the schedule runner that invoke the app's handlers as Lambda would.
- `stack`: `LocalStack`, moto server + resources + HTTP API + pollers, on loopback only.
"""

from pathlib import Path

# Where `make run` tells the CLI how to reach it (endpoint, table and queue names).
LOCAL_STATE = Path(__file__).resolve().parents[1] / ".local-state" / "env.json"

"""The embedded local runtime behind `make run` and the end-to-end tests.

- `resources`: the tables and queues of `infra/resources.json`, created for real (moto).
- `lambda_events`: real Lambda event shapes (SQS, scheduled) and a Lambda context.
- `pollers`: SQS pollers and the schedule runner that invoke the app's handlers as Lambda would.
- `stack`: `LocalStack`, moto server + resources + HTTP API + pollers, on loopback only.
"""

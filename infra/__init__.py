"""Deployment: the merge template for `chalice package` and the packaging step.

- `resources.json`: the table and queues, shared with the local runtime (single source of truth).
- `compose.py`: builds the merge template of a stage from `resources.json`, the app's handlers
  and the deployment settings (alarms, parameters, event-source options, environment).
- `package.py`: `make package`: compose, `chalice package`, add `data/` to the Lambda zip.
"""

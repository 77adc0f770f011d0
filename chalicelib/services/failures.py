"""Failures that decide what a queue does with a message."""


class PermanentFailure(Exception):
    """The message can never succeed (an unknown dossier, a broken contract): dead-letter it
    now, with this reason, instead of retrying it."""


class ChangedMeanwhile(Exception):
    """The dossier changed between read and write: let the queue redeliver and try again."""

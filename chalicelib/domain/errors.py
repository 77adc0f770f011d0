"""Domain errors. Each names the field at fault so the HTTP layer can build a problem+json."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused something."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, message_vi: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # What an official reads (domain/refusals.py); empty: their page says it by kind.
        self.message_vi = message_vi


class InvalidInput(DomainError):
    """A value is malformed or out of range."""

    code = "invalid_input"


class IllegalTransition(DomainError):
    """An action that the state machine does not allow from where the dossier is."""

    code = "illegal_transition"

    def __init__(
        self, message: str, *, action: str, status: int, field: str = "action", message_vi: str = ""
    ) -> None:
        super().__init__(message, field=field, message_vi=message_vi)
        self.action = action
        self.status = status


class NotPermitted(IllegalTransition):
    """The actor lacks the role, or is not at the unit that holds the dossier."""

    code = "not_permitted"


class CatalogError(DomainError):
    """The procedure catalog is invalid; names the procedure and the field."""

    code = "invalid_catalog"

    def __init__(self, message: str, *, procedure: str | None, field: str | None) -> None:
        where = f"procedure {procedure}" if procedure else "catalog"
        super().__init__(f"{where}: {field or '-'}: {message}", field=field)
        self.procedure = procedure
        self.reason = message

"""Bodies of the notification webhooks: providers' delivery receipts and opt-outs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chalicelib.intake.checks import normalise_phone
from chalicelib.intake.errors import CheckFailed


class DeliveryReceipt(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider: Annotated[str, Field(min_length=1, max_length=40)]
    message_id: Annotated[str, Field(min_length=1, max_length=200)]
    status: Literal["delivered", "failed", "expired", "rejected", "read"]
    at: datetime | None = None
    error: Annotated[str | None, Field(max_length=500)] = None


class OptOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phone: str
    opted_out: bool = True
    source: Annotated[str, Field(max_length=200)] = "sms reply"

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        try:
            return normalise_phone(value)
        except CheckFailed as exc:
            raise ValueError(exc.reason) from exc

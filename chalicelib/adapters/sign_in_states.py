"""Sign-ins under way (ports/sign_in_states.py): in the table, and in memory.

`PK=SIGNIN#<sha256 of the state>`, `SK=S`, the nonce, the PKCE verifier and the way back,
`expires_at` (epoch seconds, DynamoDB's TTL, which deletes late: `take` checks the expiry).
Taking is one conditional-free delete that returns the old item: of two callbacks with the same
state, one gets it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from chalicelib.adapters import aws
from chalicelib.ports.sign_in_states import PendingSignIn


def state_key(state: str) -> str:
    return "SIGNIN#" + hashlib.sha256(state.encode()).hexdigest()


class DynamoSignInStates:
    def __init__(self, table_name: str) -> None:
        self.table_name = table_name

    def keep(self, state: str, pending: PendingSignIn, *, expires_at: datetime) -> None:
        aws.client("dynamodb").put_item(
            TableName=self.table_name,
            Item={
                "PK": {"S": state_key(state)},
                "SK": {"S": "S"},
                "nonce": {"S": pending.nonce},
                "verifier": {"S": pending.verifier},
                "back_to": {"S": pending.back_to},
                "expires_at": {"N": str(int(expires_at.timestamp()))},
            },
            ConditionExpression="attribute_not_exists(PK)",
        )

    def take(self, state: str, *, now: datetime) -> PendingSignIn | None:
        taken = aws.client("dynamodb").delete_item(
            TableName=self.table_name,
            Key={"PK": {"S": state_key(state)}, "SK": {"S": "S"}},
            ReturnValues="ALL_OLD",
        )
        item = taken.get("Attributes")
        if not item or int(item["expires_at"]["N"]) <= now.timestamp():
            return None
        return PendingSignIn(
            nonce=item["nonce"]["S"], verifier=item["verifier"]["S"], back_to=item["back_to"]["S"]
        )


class MemorySignInStates:
    """The fake: the same promises (tests/contract/test_sign_in_states_contract.py)."""

    def __init__(self) -> None:
        self.pending: dict[str, tuple[PendingSignIn, datetime]] = {}

    def keep(self, state: str, pending: PendingSignIn, *, expires_at: datetime) -> None:
        key = state_key(state)
        if key in self.pending:
            raise ValueError("state already in use")
        self.pending[key] = (pending, expires_at)

    def take(self, state: str, *, now: datetime) -> PendingSignIn | None:
        kept = self.pending.pop(state_key(state), None)
        if kept is None or kept[1] <= now:
            return None
        return kept[0]

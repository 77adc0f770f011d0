"""The national portal's envelope around one DongBoHoSoMC item, as the document describes it.

chalicelib/intake/parse.py reads the envelope itself (to name its fields' faults as the portal
sends them); this model only describes it. Apart from request_models.py: it loads the DVCQG
schema, which the app loads only for the routes that parse one (cold start).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from chalicelib.intake.dvcqg import DongBoHoSoMC


class DongBoHoSoMCEnvelope(BaseModel):
    service: Literal["DongBoHoSoMC"] = "DongBoHoSoMC"
    # "True": a correction of a dossier sent before (docs/dvcqg-contract.md §9).
    isUpdating: Literal["True", "False"] = "False"
    data: Annotated[list[DongBoHoSoMC], Field(min_length=1, max_length=1)]

"""The base of every model of the product description: frozen, no unknown keys, enums as values."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FactModel(BaseModel):
    """A part of the product description; an unknown key is an input error, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=True)

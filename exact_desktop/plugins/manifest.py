"""What a plugin's `--describe` must print, checked when the plugin is added, not when it runs.

    {"name": "My detector", "author": "...",
     "products": [{"name": "Nucleus", "vector_type": 2, "color_code": "#FF0000"}],
     "parameters": [{"name": "threshold", "type": "float", "default": 0.5, "min": 0, "max": 1}]}

`products` are the annotation types the plugin writes (vector_type as EXACT numbers them, 1-8);
`parameters` are what `plugin run --param NAME=VALUE` and the run dialog offer. A mistake is
refused with the field's place in the manifest (`parameters[0].default: ...`).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from exact_desktop.model.entities import VectorType
from exact_desktop.plugins.jobs import convert

NAME_LIMIT = 100
_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")


class ManifestError(ValueError):
    """The manifest is not one exact-desktop can use; the message names each field."""


def _plain_name(value: str, what: str) -> str:
    """A name shown in menus, terminals and file names: printable, no path, not blank."""
    if not value.strip():
        raise ValueError(f"{what} must not be blank")
    if len(value) > NAME_LIMIT:
        raise ValueError(f"{what} is longer than {NAME_LIMIT} characters")
    if not value.isprintable():
        raise ValueError(f"{what} must not hold control characters (terminal escapes, new lines): {value!r}")
    if "/" in value or "\\" in value or value.strip() in (".", ".."):
        raise ValueError(f"{what} must not hold / or \\ or be . or ..: {value!r}")
    return value


class ProductSpec(BaseModel):
    """An annotation type the plugin writes."""

    model_config = ConfigDict(extra="allow")
    name: str
    vector_type: int = VectorType.BOUNDING_BOX
    color_code: str = "#FF0000"

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _plain_name(value, "the type's name")

    @field_validator("vector_type", mode="before")
    @classmethod
    def _vector_type(cls, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value not in set(VectorType):
            kinds = ", ".join(f"{int(v)} {v.name.lower()}" for v in VectorType)
            raise ValueError(f"must be one of EXACT's vector types ({kinds}), got {value!r}")
        return value

    @field_validator("color_code")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not _COLOUR.fullmatch(value):
            raise ValueError(f"must be a colour like #FF0000, got {value!r}")
        return value


class ParameterSpec(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    type: Literal["int", "float", "bool", "str"] = "str"
    default: Any = None
    min: int | float | None = None
    max: int | float | None = None
    choices: list[Any] | None = None
    help: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> ParameterSpec:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is above max ({self.max:g})")
        if self.default is None:
            return self
        try:
            default = convert(self.default, self.type)
        except ValueError as err:
            raise ValueError(f"default: {err}") from None
        if (self.min is not None and default < self.min) or (self.max is not None and default > self.max):
            raise ValueError(f"default {default!r} is outside min {self.min} .. max {self.max}")
        if self.choices is not None and default not in self.choices:
            raise ValueError(f"default {default!r} is not one of the choices {self.choices}")
        return self


class Manifest(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    author: str = ""
    package: str = ""
    contact: str = ""
    abouturl: str = ""
    products: list[ProductSpec] = []
    parameters: list[ParameterSpec] = []

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _plain_name(value, "the plugin's name")

    @model_validator(mode="after")
    def _unique(self) -> Manifest:
        for what, names in (("parameters", [p.name for p in self.parameters]),
                            ("products", [p.name for p in self.products])):  # fmt: skip
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"{what}: each name once, but {', '.join(twice)} appears twice")
        return self


def check_manifest(raw: Any, script: str) -> dict[str, Any]:
    """The manifest as stored: checked, with defaults filled in; ManifestError names every mistake."""
    if not isinstance(raw, dict):
        raise ManifestError(f"{script}: --describe printed {type(raw).__name__}, not a JSON object")
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(f"{_place(e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in err.errors())
        raise ManifestError(f"{script}: its manifest (--describe) is not valid: {problems}") from None
    return manifest.model_dump(exclude_none=True)


def _place(loc: tuple[int | str, ...]) -> str:
    """('parameters', 0, 'default') -> 'parameters[0].default'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "manifest"

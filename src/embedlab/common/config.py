"""The pipeline's configuration checked against workflow/schemas/config.schema.yaml.

`snakemake --config key=value` hands over nested values as YAML read without types, so
`neighbors='{k: 20}'` arrives as ``{"k": "20"}``. `check_config` first gives such strings the type
the schema asks for (only where it asks for a non-string type, so a string key stays a string),
then fills in the schema's defaults as ``snakemake.utils.validate(set_default=True)`` does, and
validates. A problem becomes one short `ConfigError` per line, naming the key path, the value and
the constraint (``neighbors.k = -3: minimum is 1``), instead of jsonschema's dump of the schema.
A key of an earlier embedlab (`OLD_KEYS`, a `glove:` section) stops with one line naming the key
that replaced it.
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator

Schema = Mapping[str, Any]


class ConfigError(ValueError):
    """A configuration value that cannot work; the message names the key and what to set."""


MAX_ERRORS = 2  # lines of problems shown at once; the rest are counted
ADVICE = "Fix it in the --configfile or --config; config/README.md describes every key."


def load_schema(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The schema file as a dict (YAML or JSON). Every Snakemake start reads it: with libyaml's
    parser where PyYAML has it (the same result, a seventh of the time: 8 ms, not 57)."""
    with open(path, encoding="utf-8") as fh:
        schema = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(schema, dict):
        raise ConfigError(f"{path}: not a JSON schema (expected a mapping at the top)")
    return schema


def schema_types(schema: Schema) -> set[str]:
    """The JSON types a (sub)schema allows; empty when it does not say."""
    kind = schema.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def json_type(value: object) -> str:
    """The JSON schema type name of a parsed value ('integer' for whole numbers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _allowed(value: object, types: set[str]) -> bool:
    kind = json_type(value)
    return kind in types or (kind == "integer" and "number" in types)


def _parse_string(text: str, types: set[str]) -> object:
    """`text` as the YAML value it spells, if that has a type the schema allows; else `text`."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, str) and "number" in types:
        try:  # YAML 1.1 wants a dot in floats ('1.0e3'); accept what Python's float() does
            number = float(value)
        except ValueError:
            return text
        value = number if math.isfinite(number) else value
    return value if not isinstance(value, str) and _allowed(value, types) else text


def coerce(value: object, schema: Schema) -> object:
    """A copy of `value` with strings parsed as YAML where `schema` wants a non-string type;
    an empty string stays one where strings are allowed (YAML would read it as null, and
    `name: ''` would silently mean `name: null`)."""
    types = schema_types(schema)
    if isinstance(value, str):
        if types and types - {"string"} and not (value.strip() == "" and "string" in types):
            value = _parse_string(value, types)
        if isinstance(value, str):
            return value
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        return {key: coerce(item, properties.get(key, {})) for key, item in value.items()}
    if isinstance(value, list):
        items = schema.get("items", {})
        return [coerce(item, items if isinstance(items, dict) else {}) for item in value]
    return value


def _with_defaults(validator_class: type[Validator]) -> type[Validator]:
    """A validator that fills in defaults on its way down, as snakemake.utils.validate does
    (https://python-jsonschema.readthedocs.io/en/latest/faq/), on copies of the defaults."""
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(
        validator: Validator, properties: Schema, instance: object, schema: Schema
    ) -> Iterator[ValidationError]:
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return validators.extend(validator_class, {"properties": set_defaults})


DefaultingValidator = _with_defaults(Draft202012Validator)


def show(value: object, limit: int = 60) -> str:
    """A value as the error message shows it: strings quoted, the rest as JSON, cut at `limit`."""
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def key_path(path: Iterable[object]) -> str:
    """'neighbors.k', 'vectors.sources[1].dims'; '(top level)' for the whole config."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "(top level)"


ARTICLES = {"integer": "an integer", "array": "a list", "object": "a mapping", "null": "null"}


def type_phrase(kind: str | list[str]) -> str:
    kinds = [kind] if isinstance(kind, str) else list(kind)
    return " or ".join(ARTICLES.get(k, f"a {k}") for k in kinds)


def describe(error: ValidationError) -> str:
    """One line: the key path, the value and the constraint it breaks."""
    where = key_path(list(error.absolute_path))
    value = show(error.instance)
    rule = error.validator_value
    if error.validator == "additionalProperties":
        schema = error.schema if isinstance(error.schema, dict) else {}
        known = list(schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(known))
        prefix = "" if where == "(top level)" else where + "."
        keys = ", ".join(prefix + str(name) for name in unknown)
        return f"unknown key {keys} (known: {', '.join(known)})"
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = ", ".join(str(k) for k in rule if k not in error.instance)
        return f"{where}: key {missing} is required (config/README.md says what it takes)"
    phrases = {
        "type": lambda: f"must be {type_phrase(rule)}",
        "enum": lambda: "must be one of " + ", ".join(show(v) for v in rule),
        "minimum": lambda: f"minimum is {rule}",
        "maximum": lambda: f"maximum is {rule}",
        "exclusiveMinimum": lambda: f"must be greater than {rule}",
        "exclusiveMaximum": lambda: f"must be less than {rule}",
        "minItems": lambda: f"needs at least {rule} item{'s' if rule != 1 else ''}",
        "maxItems": lambda: f"takes at most {rule} items",
        "uniqueItems": lambda: "items must not repeat",
        "minLength": lambda: "must not be empty" if rule == 1 else f"needs {rule}+ characters",
    }
    phrase = phrases.get(str(error.validator))
    return f"{where} = {value}: {phrase() if phrase else error.message}"


def config_errors(config: dict[str, Any], schema: Schema) -> list[str]:
    """Fill in defaults in `config` (in place) and describe each problem in one line."""
    validator = DefaultingValidator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.absolute_path])
    return [describe(error) for error in errors]


# keys of an earlier embedlab and the keys that replaced them (config/README.md describes these)
OLD_KEYS = {
    "analysis.pca_components": "analysis.kmeans.pca_components",
    "vectors.download_retries": "downloads.retries",
    "vectors.timeout_s": "downloads.timeout_s",
}


def reject_old_keys(config: Mapping[str, Any]) -> None:
    """A config written for an earlier embedlab stops with one line naming the new keys: the
    `glove:` section (before issue 10) and the keys of `OLD_KEYS` (before issue 18)."""
    if "glove" in config:
        raise ConfigError(
            "the `glove:` section is now `vectors:` (its `source` goes into a list, "
            "`vectors: {sources: [{source: ...}]}`; config/README.md describes every key)"
        )
    given = set(given_keys(config))
    moved = [f"`{old}` is now `{new}`" for old, new in OLD_KEYS.items() if old in given]
    if moved:
        raise ConfigError("; ".join(moved) + " (config/README.md describes every key)")


def check_config(config: dict[str, Any], schema: Schema) -> dict[str, Any]:
    """A copy of `config` with typed values and defaults filled in; ConfigError naming each
    problem (an old key: `reject_old_keys`; else at most MAX_ERRORS lines of problems, then a
    line of advice)."""
    checked = coerce(config, schema)
    if not isinstance(checked, dict):
        raise ConfigError(f"{show(config)} is not a mapping of keys to values")
    reject_old_keys(checked)
    problems = config_errors(checked, schema)
    if problems:
        shown = problems[:MAX_ERRORS]
        if len(problems) > MAX_ERRORS:
            shown[-1] += f" (and {len(problems) - MAX_ERRORS} more)"
        raise ConfigError("\n".join([*shown, ADVICE]))
    return checked


def given_keys(config: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of every key the user's config holds, before defaults are filled in (so the
    jobs can tell a value the user set from a default that may adapt to the data)."""
    keys: list[str] = []
    for key, value in config.items():
        path = f"{prefix}{key}"
        keys.append(path)
        if isinstance(value, Mapping):
            keys.extend(given_keys(value, f"{path}."))
    return keys

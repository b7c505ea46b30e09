"""Checks the shipped JSON Schema (schema/pudo.schema.json and
schema/pudo.override.schema.json) with an independent validator, Python's
`jsonschema`, against the shipped example and every configuration fixture:

- good configurations must validate;
- each bad-input fixture whose mistake a schema can see (unknown key, wrong
  type, bad enum, value below a minimum...) must be rejected, at the places
  listed in EXPECTED;
- fixtures whose mistake is beyond a schema (YAML syntax, duplicates after
  expansion, references, cycles, identifiers, templates) are listed in
  OUT_OF_SCOPE with the reason; those that parse must still validate (the
  schema must not reject what is only a later error).

Every fixture folder must be listed: a new one fails this check until it is
classified. YAML is read as YAML 1.2 (the core schema pudo's parser uses):
`yes`, `no`, `on` and `off` are strings. Exits non-zero on any failure.

Usage: python schema_check.py REPO_ROOT
"""

import json
import re
import sys
from pathlib import Path

import jsonschema
import yaml


# --- YAML 1.2 core schema on top of PyYAML's safe loader (YAML 1.1) ---------


class Yaml12Loader(yaml.SafeLoader):
    pass


Yaml12Loader.yaml_implicit_resolvers = {}
for tag, pattern, first in [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
]:
    Yaml12Loader.add_implicit_resolver(tag, re.compile(pattern), list(first))


def _int12(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith("0x"):
        return int(text[2:], 16)
    if text.startswith("0o"):
        return int(text[2:], 8)
    return int(text, 10)


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _int12)


def _string_keys(value):
    """Keys as pudo reads them: text (`true`, `1`), as in JSON."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = k if isinstance(k, str) else json.dumps(k)
            out[key] = _string_keys(v)
        return out
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


def load_yaml(path):
    return _string_keys(yaml.load(path.read_text(encoding="utf-8"), Loader=Yaml12Loader))


# --- Expectations ------------------------------------------------------------

# Bad fixtures with schema-level mistakes: every file of the fixture is
# checked; for each file, the (instance path, part of the message) pairs that
# must be among the errors. Paths are dot-joined ("" is the document).
EXPECTED = {
    "bad_branch_pattern": {
        # `protected: yes` is the string "yes" in YAML 1.2. (The invalid
        # glob `feature/[abc` is beyond a schema.)
        "base.yaml": [("environments.PROD.protected", "'yes' is not of type 'boolean'")],
    },
    "bad_grant_target": {
        # `schema DB` (a schema without its database) and the future type
        # `gadgets` are beyond a schema.
        "base.yaml": [
            ("roles.R.grants.0.on", "'table DB.S.T'"),
            ("roles.R.grants.3.privileges", "should be non-empty"),
            ("roles.R.grants.4.privileges.0", "'USAGE; DROP'"),
        ],
    },
    "empty_file": {
        "base.yaml": [("", "None is not of type 'object'")],
    },
    "invalid_warehouse_size": {
        # `size: x-small` is fine.
        "base.yaml": [
            ("warehouses.PUDO_${env}_WH.size", "'HUGE'"),
            ("warehouses.OTHER_${env}_WH.scaling_policy", "'cheap'"),
        ],
    },
    "negative_auto_suspend": {
        "base.yaml": [
            ("warehouses.PUDO_${env}_WH.auto_suspend", "-60 is less than the minimum of 0"),
            ("warehouses.PUDO_${env}_WH.max_cluster_count", "0 is less than the minimum of 1"),
        ],
    },
    "promotion_errors": {
        # A bad comparison, a missing key, unknown keys, a bad enum. (An
        # undeclared environment, an unknown variable and a value that is
        # not a number after the comparison are beyond a schema.)
        "base.yaml": [
            ("promotion.checks.0.expect", "does not match"),
            ("promotion.checks.2", "'query' is a required property"),
            ("promotion.checks.2", "'threshold' was unexpected"),
            ("promotion.missing_baseline", "'maybe' is not one of"),
            ("connection", "'warehous' was unexpected"),
        ],
    },
    "unknown_key": {
        "base.yaml": [
            ("", "'warehouse' was unexpected"),
            ("warehouses.PUDO_${env}_WH", "'auto_suspnd' was unexpected"),
            ("roles.PUDO_${env}_ROLE", "'membr_of' was unexpected"),
            ("roles.PUDO_${env}_ROLE.grants.0", "'privilege' was unexpected"),
        ],
    },
    "task_graph_rules": {
        # The other mistakes (a child with a schedule, a cycle, owners) are
        # rules across keys, which pudo checks and a schema cannot.
        "base.yaml": [("databases.DB.schemas.S.tasks.BAD_STATE.state", "'running'")],
    },
    "wrong_type": {
        "base.yaml": [
            ("databases.PUDO_MLOPS.schemas", "is not of type 'object'"),
            ("warehouses.PUDO_${env}_WH.auto_resume", "'sometimes'"),
            ("warehouses.PUDO_${env}_WH.auto_suspend", "'soon'"),
            ("warehouses.PUDO_${env}_WH.comment", "42 is not of type 'string'"),
            ("roles.PUDO_${env}_ROLE.member_of", "'SYSADMIN' is not of type 'array'"),
        ],
    },
}

# Good configurations: every file must validate.
GOOD = {
    "missing_override": "base.yaml is complete; dev.override.yaml holds only a comment",
    "override_did_you_mean": "near-miss override keys are warnings, not errors",
}

# Bad fixtures whose mistake a schema cannot see. `None`: the files are not
# YAML a schema can read (they are skipped); otherwise they must validate.
OUT_OF_SCOPE = {
    "binary_file": (None, "not a YAML text file"),
    "tab_indent": (None, "YAML syntax: a tab in the indentation"),
    "unbalanced_bracket": (None, "YAML syntax: an unclosed `[`"),
    "yaml_syntax": (None, "YAML syntax: a misaligned key"),
    "override_syntax": ({"base.yaml"}, "YAML syntax in prod.override.yaml (base.yaml is checked)"),
    "duplicate_names": ("all", "two names that expand to the same identifier"),
    "env_in_shared": ("all", "`${env}` inside a shared resource"),
    "invalid_identifier": ("all", "identifiers (resource names are free strings in the schema)"),
    "override_changes_shared": ("all", "an override that changes a shared resource"),
    "role_cycle": ("all", "a cycle in the role hierarchy"),
    "undeclared_reference": ("all", "references to undeclared objects"),
    "unknown_variable": ("all", "unknown variables (known only after reading `vars:`)"),
}


# --- Checking ----------------------------------------------------------------


def error_tree(error):
    """(path, message) of an error and of every error inside it (anyOf)."""
    yield ".".join(str(p) for p in error.absolute_path), error.message
    for sub in error.context or ():
        yield from error_tree(sub)


def validator_for(path, schemas):
    return schemas["override" if path.name.endswith(".override.yaml") else "base"]


def main(root):
    root = Path(root)
    failures = []
    schemas = {}
    for name, file in [("base", "pudo.schema.json"), ("override", "pudo.override.schema.json")]:
        schema = json.loads((root / "schema" / file).read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        schemas[name] = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )

    def check_valid(path):
        errors = list(validator_for(path, schemas).iter_errors(load_yaml(path)))
        if errors:
            failures.append(f"{path.relative_to(root)}: expected valid, got:")
            for e in errors:
                for p, m in error_tree(e):
                    failures.append(f"    at `{p}`: {m}")
        return not errors

    checked = 0
    # The shipped example.
    for path in sorted((root / "environments").glob("*.yaml")):
        check_valid(path)
        checked += 1

    fixtures_dir = root / "tests" / "fixtures" / "config"
    fixtures = sorted(p.name for p in fixtures_dir.iterdir() if p.is_dir())
    listed = set(EXPECTED) | set(GOOD) | set(OUT_OF_SCOPE)
    for name in fixtures:
        if name not in listed:
            failures.append(
                f"fixture `{name}` is not classified: add it to EXPECTED, GOOD or "
                "OUT_OF_SCOPE in scripts/schema_check.py"
            )
    for name in sorted(listed - set(fixtures)):
        failures.append(f"fixture `{name}` is listed in scripts/schema_check.py but does not exist")

    for name in fixtures:
        files = sorted((fixtures_dir / name / "environments").glob("*.yaml"))
        if name in GOOD:
            for path in files:
                check_valid(path)
                checked += 1
        elif name in OUT_OF_SCOPE:
            which, _reason = OUT_OF_SCOPE[name]
            for path in files:
                if which == "all" or (which is not None and path.name in which):
                    check_valid(path)
                    checked += 1
        elif name in EXPECTED:
            expected = EXPECTED[name]
            for path in files:
                checked += 1
                rel = path.relative_to(root)
                want = expected.get(path.name)
                if want is None:
                    check_valid(path)
                    continue
                found = [
                    pm
                    for e in validator_for(path, schemas).iter_errors(load_yaml(path))
                    for pm in error_tree(e)
                ]
                if not found:
                    failures.append(f"{rel}: expected to be rejected, but it validates")
                    continue
                for want_path, want_message in want:
                    if not any(p == want_path and want_message in m for p, m in found):
                        failures.append(
                            f"{rel}: no error at `{want_path}` containing {want_message!r}; errors:"
                        )
                        failures.extend(f"    at `{p}`: {m}" for p, m in found)

    # A few hand-written cases the fixtures do not cover.
    for doc, kind, ok, what in extra_cases():
        errors = list(schemas[kind].iter_errors(doc))
        if ok and errors:
            failures.append(f"extra case `{what}`: expected valid, got {[e.message for e in errors]}")
        if not ok and not errors:
            failures.append(f"extra case `{what}`: expected to be rejected, but it validates")
        checked += 1

    if failures:
        print("schema check FAILED:", file=sys.stderr)
        for line in failures:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"schema check: {checked} documents as expected (jsonschema {jsonschema_version()})")
    return 0


def jsonschema_version():
    from importlib.metadata import version

    return version("jsonschema")


def extra_cases():
    envs = {"DEV": {"branches": ["dev"]}}

    def base(**sections):
        return {"environments": envs, **sections}

    wh = lambda **attrs: base(warehouses={"W": attrs})  # noqa: E731
    role = lambda **attrs: base(roles={"R": attrs})  # noqa: E731
    return [
        (wh(size="x-small", type="snowpark_optimized", scaling_policy=" economy "), "base", True, "keyword spellings"),
        (wh(size="2X-Large"), "base", True, "size 2X-Large"),
        (wh(size="${var.size}", auto_suspend="${var.n}", auto_resume="${var.b}"), "base", True, "templates"),
        (wh(auto_suspend=" 60 ", auto_resume="TRUE", min_cluster_count="1"), "base", True, "numeric and boolean strings"),
        (wh(min_cluster_count="0"), "base", False, "numeric string below the minimum"),
        (wh(auto_suspend="-5"), "base", False, "negative numeric string"),
        (wh(auto_resume="yes"), "base", False, "`yes` is not a boolean"),
        (wh(size="${env"), "base", False, "an unclosed template is no template"),
        (wh(size=None), "base", False, "null attribute in base"),
        (base(warehouses={"W": None}, vars=None, external=None), "base", True, "null entry and sections in base"),
        (role(grants=[{"on": "account", "remove": True}]), "base", False, "remove: true in base"),
        (role(grants=[{"on": "account"}]), "base", False, "grant without privileges"),
        (role(grants=[{"on": "future tables in schema D.S", "privileges": ["select", "create  table"]}]), "base", True, "future grant"),
        ({"warehouses": {"W": {"size": "LARGE"}}}, "base", False, "base without environments"),
        (base(environments={"shared": {}}), "base", False, "SHARED is reserved"),
        (base(environments={}), "base", False, "no environment"),
        (base(vars={"1x": 1}), "base", False, "invalid variable name"),
        (base(vars={"x": [1]}), "base", False, "list variable"),
        (base(external={"tables": ["T"]}), "base", False, "unknown external key"),
        (None, "override", True, "empty override"),
        ({"warehouses": {"W": None, "V": {"size": None, "comment": "c"}}}, "override", True, "nulls in an override"),
        ({"roles": {"R": {"grants": [{"on": "warehouse W", "remove": True}]}}}, "override", True, "remove in an override"),
        ({"roles": {"R": {"grants": [{"on": "warehouse W"}]}}}, "override", False, "override grant without privileges"),
        ({"environments": envs}, "override", False, "environments in an override"),
        ({"warehouses": {"W": {"sise": "L"}}}, "override", False, "unknown key in an override"),
    ]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))

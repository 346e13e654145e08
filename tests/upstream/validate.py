#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Validate JSON documents against a schema of docs/openapi.yaml with a real JSON Schema
validator (Debian's python3-jsonschema, Draft 2020-12: what OpenAPI 3.1 schemas are).

  validate.py OPENAPI --check                 every schema under components/schemas is valid
                                              2020-12, and the document's examples validate
  validate.py OPENAPI SCHEMA FILE...          each FILE (one JSON document) against
                                              components/schemas/SCHEMA

Exit 0 when everything is valid; 1 with each error on stderr (file, path, message); 2 for bad
usage. date-time is checked as RFC 3339 (the format is asserted, not just annotated).
"""
import datetime
import json
import re
import sys

import jsonschema
import yaml

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def format_checker():
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def date_time(value):
        if not isinstance(value, str):
            return True
        if not RFC3339.match(value):
            raise ValueError("not RFC 3339")
        datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        return True

    return checker


def validator(doc, name):
    if name not in doc.get("components", {}).get("schemas", {}):
        sys.exit("validate.py: no schema %r in components/schemas" % name)
    root = dict(doc)  # the whole document is the resource, so "#/components/..." resolves
    root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    root["$ref"] = "#/components/schemas/" + name
    return jsonschema.Draft202012Validator(root, format_checker=format_checker())


def report(label, v, instance):
    errors = sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path))
    for e in errors:
        # oneOf over event types: name the branch that matched the type, not every branch
        best = jsonschema.exceptions.best_match([e])
        path = "/".join(str(p) for p in best.absolute_path)
        sys.stderr.write("%s: /%s: %s\n" % (label, path, best.message[:400]))
    return not errors


def check(doc):
    ok = True
    for name, schema in doc["components"]["schemas"].items():
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.exceptions.SchemaError as e:
            sys.stderr.write("schema %s: %s\n" % (name, e.message))
            ok = False
    for name, example in doc["components"].get("examples", {}).items():
        if name in doc["components"]["schemas"]:
            ok = report("example " + name, validator(doc, name), example["value"]) and ok
    return ok


def main(argv):
    if len(argv) == 3 and argv[2] == "--check":
        return 0 if check(load(argv[1])) else 1
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    doc = load(argv[1])
    v = validator(doc, argv[2])
    ok = True
    for path in argv[3:]:
        with open(path, encoding="utf-8") as f:
            ok = report(path, v, json.load(f)) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

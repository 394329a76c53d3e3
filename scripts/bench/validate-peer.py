"""Peer for `pnpm bench:validate`: the upstream structural check, as the portal runs it.

yaml.safe_load, replace_formatted_strings (tiltseries/tomograms at depth 0, sources at depth 1),
then jsonschema against upstream's ingestion_config_models.schema.json. Prints one JSON line.
"""
import json
import re
import sys
import time

import jsonschema
import yaml

FLOAT = re.compile(r"^float\s*{[a-zA-Z0-9_-]+}\s*$")
INT = re.compile(r"^int\s*{[a-zA-Z0-9_-]+}\s*$")
PERMITTED = {"tiltseries": 0, "tomograms": 0, "sources": 1}


def replace_one(value):
    if "{" not in value or "}" not in value:
        return value
    if FLOAT.match(value):
        return 1.0
    if INT.match(value):
        return 1
    return value


def replace(data, depth=0, permitted=False):
    for key, value in data.items():
        here = permitted or (key in PERMITTED and depth == PERMITTED[key])
        if isinstance(value, dict):
            data[key] = replace(value, depth + 1, here)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    value[i] = replace(item, depth + 1, here)
                elif isinstance(item, str) and here:
                    value[i] = replace_one(item)
        elif isinstance(value, str) and here:
            data[key] = replace_one(value)
    return data


def main():
    schema_path, files = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    with open(schema_path) as fh:
        validator = jsonschema.Draft201909Validator(json.load(fh))
    valid = invalid = 0
    for path in files:
        try:
            with open(path) as fh:
                data = yaml.safe_load(fh)
            replace(data)
            ok = validator.is_valid(data)
        except yaml.YAMLError:
            ok = False
        valid += ok
        invalid += not ok
    print(json.dumps({"seconds": time.perf_counter() - start, "valid": valid, "invalid": invalid, "files": len(files)}))


main()

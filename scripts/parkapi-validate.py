#!/usr/bin/env python3
"""Validates car park documents with ParkAPI's own validators (parkapi-sources): each item must pass
`StaticParkingSiteInput`, and, when it has realtime data, `RealtimeParkingSiteInput`, as ParkAPI v3 would read it.

    .venv-parkapi/bin/python scripts/parkapi-validate.py FILE...

Each FILE holds a JSON list of car park documents. Prints every failure and exits 1 if there is any.
"""
import json
import sys

from parkapi_sources.models import RealtimeParkingSiteInput, StaticParkingSiteInput
from validataclass.exceptions import ValidationError
from validataclass.validators import DataclassValidator

VALIDATORS = {"static": DataclassValidator(StaticParkingSiteInput),
              "realtime": DataclassValidator(RealtimeParkingSiteInput)}


def main(paths):
    checked = failures = 0
    for path in paths:
        with open(path) as file:
            items = json.load(file)
        for item in items:
            kinds = ["static"] + (["realtime"] if item.get("has_realtime_data") else [])
            for kind in kinds:
                checked += 1
                try:
                    VALIDATORS[kind].validate(item)
                except ValidationError as error:
                    failures += 1
                    print(f"{path}: {item.get('id')}: {kind}: {error.to_dict()}")
    print(f"{checked} validations, {failures} failures")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""Reads and changes credentials.yaml for the end-to-end tests: the one place
they parse YAML (JSON they read with jq).

    credentials.py get FILE PROFILE FIELD     prints the field ('' when absent)
    credentials.py expire FILE PROFILE        makes the access token look an hour
                                              expired to the client (the server
                                              still takes it)
    credentials.py copy FILE PROFILE TO       copies the profile's entry to profile TO,
                                              as a person copying the file's lines would
    credentials.py set FILE PROFILE FIELD VALUE  sets one field, as a hostile server or
                                              a hand edit could have
"""
import datetime
import json
import os
import sys

import yaml


def load(path):
    try:
        with open(path, encoding="utf-8") as stream:
            return yaml.safe_load(stream) or {}
    except FileNotFoundError:
        return {}


def entry(document, profile):
    return (document.get("profiles") or {}).get(profile) or {}


# The tokens of an entry kept by the reference helper (store json-file), from its items file.
def secret(path, stored, field):
    items_path = os.environ.get("COMPOZY_CREDENTIAL_JSON_FILE") or os.path.join(
        os.path.dirname(path), "credential-items.json")
    try:
        with open(items_path, encoding="utf-8") as stream:
            items = json.load(stream)["items"]
    except FileNotFoundError:
        return ""
    return ((items.get(stored.get("secret_ref", "")) or {}).get("secrets") or {}).get(field, "")


def main(command, path, profile, *rest):
    document = load(path)
    if command == "get":
        stored = entry(document, profile)
        value = stored.get(rest[0], "")
        if rest[0] in ("access_token", "refresh_token") and stored.get("store") == "json-file":
            value = secret(path, stored, rest[0])
        print(" ".join(value) if isinstance(value, list) else value)
    elif command == "expire":
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        stamp = lambda hours: (now - datetime.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
        entry(document, profile).update(expires_at=stamp(1), obtained_at=stamp(2))
        with open(path, "w", encoding="utf-8") as stream:
            yaml.safe_dump(document, stream, default_flow_style=False)
    elif command == "copy":
        document["profiles"][rest[0]] = dict(entry(document, profile))
        with open(path, "w", encoding="utf-8") as stream:
            yaml.safe_dump(document, stream, default_flow_style=False)
    elif command == "set":
        entry(document, profile)[rest[0]] = rest[1]
        with open(path, "w", encoding="utf-8") as stream:
            yaml.safe_dump(document, stream, default_flow_style=False)
    else:
        sys.exit(f"credentials.py: unknown command {command!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])

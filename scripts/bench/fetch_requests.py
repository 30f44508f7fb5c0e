#!/usr/bin/env python3
"""The original article's Python approach, for comparison with aad-fetch: requests with
one kept-alive session, follow @odata.nextLink, print each record as one JSON line.

usage: fetch_requests.py URL   (the token in AAD_ACCESS_TOKEN)
"""
import json
import os
import sys

import requests


def main():
    url = sys.argv[1]
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + os.environ["AAD_ACCESS_TOKEN"]
    out = sys.stdout
    while url:
        response = session.get(url)
        response.raise_for_status()
        page = response.json()
        for record in page.get("value", []):
            out.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
            out.write("\n")
        url = page.get("@odata.nextLink")


if __name__ == "__main__":
    main()

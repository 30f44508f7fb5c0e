#!/usr/bin/env python3
"""NDJSON to XML with xml.sax.saxutils.XMLGenerator, streaming: the Python baseline of
scripts/bench-format.sh. Same shape as aad-format --to xml: <records><record>...,
arrays as repeated <item>, nil="true" for null.

Usage: to_xml.py < records.ndjson > out.xml
"""

import json
import sys
from xml.sax.saxutils import XMLGenerator

NIL = {"nil": "true"}
NO_ATTRS = {}


def element(out, name, value):
    if value is None:
        out.startElement(name, NIL)
        out.endElement(name)
    elif isinstance(value, dict):
        out.startElement(name, NO_ATTRS)
        for key, child in value.items():
            element(out, key, child)
        out.endElement(name)
    elif isinstance(value, list):
        out.startElement(name, NO_ATTRS)
        for child in value:
            element(out, "item", child)
        out.endElement(name)
    else:
        out.startElement(name, NO_ATTRS)
        if isinstance(value, bool):
            value = "true" if value else "false"
        out.characters(str(value))
        out.endElement(name)


def main():
    out = XMLGenerator(sys.stdout, encoding="utf-8", short_empty_elements=True)
    out.startDocument()
    out.startElement("records", NO_ATTRS)
    for line in sys.stdin:
        if line.strip():
            element(out, "record", json.loads(line))
            out.ignorableWhitespace("\n")
    out.endElement("records")
    out.endDocument()


if __name__ == "__main__":
    main()

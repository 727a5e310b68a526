"""Cross-checks our codice fiscale results against python-codicefiscale.

Reads a JSON list of cases on stdin: {"cf", "valid"} and, for valid ones, the person data
{"cognome", "nome", "sesso", "data", "luogo", "base"}. Prints a JSON list of disagreements.
"""
import json
import sys

from codicefiscale import codicefiscale as cf

disagreements = []
for case in json.load(sys.stdin):
    code = case["cf"]
    theirs = cf.is_valid(code)
    if theirs != case["valid"]:
        disagreements.append({"cf": code, "ours": case["valid"], "theirs": theirs})
        continue
    if not theirs:
        continue
    d = cf.decode(code)
    y, m, dd = (int(x) for x in case["data"].split("-"))
    bd = d["birthdate"]
    if (bd.year % 100, bd.month, bd.day) != (y % 100, m, dd):
        disagreements.append({"cf": code, "field": "birthdate", "theirs": str(bd)})
    if d["gender"] != case["sesso"]:
        disagreements.append({"cf": code, "field": "sesso", "theirs": d["gender"]})
    if (d.get("birthplace") or {}).get("code") != case["luogo"]:
        disagreements.append({"cf": code, "field": "luogo", "theirs": d.get("birthplace")})
    encoded = cf.encode(
        lastname=case["cognome"],
        firstname=case["nome"],
        gender=case["sesso"],
        birthdate=case["data"],
        birthplace=case["luogo"],
    )
    if encoded != case["base"]:
        disagreements.append({"cf": code, "field": "encode", "theirs": encoded, "ours": case["base"]})
print(json.dumps(disagreements))

#!/usr/bin/env python3
"""Checks an AEF workbook written by ledger6 against the JSON report.

    python3 tests/aef_xlsx.py REPORT.json WORKBOOK.xlsx

Opens the workbook with openpyxl (Debian's python3-openpyxl, a reader
independent of the libxlsxwriter that wrote it), builds from the JSON report
(GET /v1/a6/aef/{party}?year=...) the cells the template's layout puts where
(docs/API.md, "The AEF workbook"), and compares every cell of every sheet:
the sheet names and order, titles, headings, values and that nothing else is
written. Exit 0 when all match, 1 with one line per difference, 2 on usage.
Run by tests/test_a6_api.c (test_aef_workbook).
"""
import json
import sys

import openpyxl

CARP_FILLS = "{Information in this field is populated by the CARP}"
CARP_LINK = "{Link to be produced by the CARP}"

T1 = ["Party", "Version", "Reported year", "Date of submission", "Review status of the initial report",
      "Result of the consistency check of this AEF submission", "First year of the NDC implementation period",
      "Last year of the NDC implementation period",
      "Reference to the Article 6 technical expert review report of the initial report"]
T2 = ["Authorization ID", "Date of authorization", "Cooperative approach ID", "Version of the authorization", "",
      "Authorized quantity", "Metric", "Applicable GWP value(s)", "Applicable non-GHG metric", "Sector(s)",
      "Activity type(s)", "Purposes for authorization", "Authorized Party(ies) ID", "Authorized entity(ies) ID",
      "OIMP authorized by the Party", "Authorized timeframe", "Authorization terms and conditions",
      "Authorization documentation", "First transfer definition for OIMP", "Additional explanatory information"]
T3 = ["Action date", "Action type", "Action subtype", "Cooperative approach ID", "Authorization ID",
      "First transferring participating Party ID", "Party ITMO registry ID", "First ID", "Last ID", "",
      "Underlying unit registry ID", "First unit ID", "Last unit ID", "", "Metric", "Applicable GWP value(s)",
      "Applicable non-GHG metric", "Quantity (t CO2 eq)", "Quantity (in non-GHG metric)", "", "Mitigation type",
      "Vintage", "", "Transferring participating Party ID", "Acquiring participating Party ID", "",
      "Purpose for which the ITMO has been used towards or cancelled for OIMP",
      "Using/cancelling participating Party ID", "Using/cancelling authorized entity ID",
      "Calendar year for which the ITMOs are used towards the Party's NDC", "", "Result of the consistency checks",
      "Additional explanatory information"]
T4 = ["Cooperative approach ID", "Authorization ID", "First transferring participating Party ID",
      "Party ITMO registry ID", "First ID", "Last ID", "", "Underlying unit registry ID", "First unit ID",
      "Last unit ID", "", "Metric", "Applicable GWP value(s)", "Applicable non-GHG metric", "Quantity (t CO2 eq)",
      "Quantity (in non-GHG metric)", "", "Mitigation type", "Vintage"]
T5 = ["Date of the authorization", "Name", "Country of incorporation", "Identification number",
      "Cooperative approach ID", "Conditions", "Change and revocation conditions",
      "Additional explanatory information"]


def is_party(s):
    return isinstance(s, str) and len(s) == 3 and s.isalpha() and s.isupper()


def joined(items, sep, skip_ndc=False):
    items = [x for x in items if not (skip_ndc and x == "NDC")]
    return sep.join(items) if items else None


def version_note(v):
    ch = v["changes"]
    if not isinstance(ch, dict):
        return None
    if ch.get("revoked") is True:
        return "revoked"
    note = "amended from %s: %s" % (v["effective_from"] or "", ", ".join(ch.keys()))
    if v["reason"]:
        note += "; " + v["reason"]
    return note


def auth_rows(aef):
    """Table 2: one row per version of each authorization, with that version's terms."""
    rows = []
    for v in aef["authorization_versions"]:
        a = v["terms"]
        rec = {
            "Authorization ID": v["authorization"],
            "Date of authorization": v["date"],
            "Cooperative approach ID": a["approach"],
            "Version of the authorization": v["version"],
            "Authorized quantity": a["quantity"],
            "Metric": "GHG",
            "Purposes for authorization": joined(a["purposes"], ", "),
            "Authorized Party(ies) ID": joined(a["authorized_parties"], ", "),
            "Authorized entity(ies) ID": joined(a["authorized_entities"], "; "),
            "OIMP authorized by the Party": joined(a["purposes"], ", ", True),
            "Authorized timeframe": "%d-%d" % (a["year_from"], a["year_to"]),
            "Authorization terms and conditions": "vintages %d-%d; %s the NDC's scope" % (
                a["vintage_from"], a["vintage_to"], "within" if a["in_ndc_scope"] else "outside"),
            "First transfer definition for OIMP": a["first_transfer_event"] or None,
            "Additional explanatory information": version_note(v),
        }
        rows.append(rec)
    return rows


def action_rows(aef):
    rows = []
    for x in aef["actions"]:
        uc = x["action"] in ("Use", "Cancellation")
        user = x["using_party_or_entity"] or None
        rows.append({
            "Action date": x["date"],
            "Action type": x["action"],
            "Cooperative approach ID": x["cooperative_approach"],
            "Authorization ID": x["authorization"],
            "First transferring participating Party ID": x["first_transferring_party"] or None,
            "Party ITMO registry ID": x["registry"] or None,
            "First ID": x["first_id"],
            "Last ID": x["last_id"],
            "Metric": "GHG",
            "Quantity (t CO2 eq)": x["quantity"],
            "Vintage": x["vintage"],
            "Transferring participating Party ID": x["transferring_party"] or None,
            "Acquiring participating Party ID": x["acquiring_party"] or None,
            "Purpose for which the ITMO has been used towards or cancelled for OIMP":
                (x["purpose"] or None) if uc else None,
            "Using/cancelling participating Party ID": user if uc and is_party(user) else None,
            "Using/cancelling authorized entity ID": user if uc and user and not is_party(user) else None,
            "Calendar year for which the ITMOs are used towards the Party's NDC":
                x["year"] if x["action"] == "Use" else None,
        })
    return rows


def holding_rows(aef):
    return [{"Metric": "GHG", "Quantity (t CO2 eq)": h["quantity"], "Vintage": h["vintage"]} for h in aef["holdings"]]


def entity_rows(aef):
    auths = {a["id"]: a for a in aef["authorizations"]}
    rows = []
    for e in aef["authorized_entities"]:
        a = auths.get(e["authorization"])
        rows.append({
            "Date of the authorization": a["ts"][:10] if a else None,
            "Name": e["entity"],
            "Cooperative approach ID": a["approach"] if a else None,
            "Additional explanatory information": "authorization %d" % e["authorization"],
        })
    return rows


def expected(aef):
    """{sheet name: {(row, col): value}} with 1-based rows and columns."""
    s = aef["submission"]
    t1 = {(1, 1): "Table 1: Submission"}
    v1 = [s["party"], "1.0", s["year"], None, CARP_FILLS, CARP_FILLS, s["ndc_first_year"], s["ndc_last_year"],
          CARP_LINK]
    for i, (label, v) in enumerate(zip(T1, v1)):
        t1[(i + 2, 1)] = label
        if v is not None:
            t1[(i + 2, 2)] = v
    sheets = {"Table 1 Submission": t1}
    for name, title, labels, rows in (
            ("Table 2 Authorizations", "Table 2: Authorizations", T2, auth_rows(aef)),
            ("Table 3 Actions", "Table 3: Actions", T3, action_rows(aef)),
            ("Table 4 Holdings", "Table 4: Holdings", T4, holding_rows(aef)),
            ("Table 5 Auth. entities", "Table 5: Authorized entities", T5, entity_rows(aef))):
        cells = {(1, 1): title}
        for c, label in enumerate(labels):
            if label:
                cells[(2, c + 1)] = label
        for r, rec in enumerate(rows):
            assert set(rec) <= set(labels), set(rec) - set(labels)
            for c, label in enumerate(labels):
                v = rec.get(label) if label else None
                if v is not None:
                    cells[(r + 3, c + 1)] = v
        sheets[name] = cells
    return sheets


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        aef = json.load(f)
    wb = openpyxl.load_workbook(argv[2])
    want = expected(aef)
    bad = []
    if wb.sheetnames != list(want):
        bad.append("sheets %r, want %r" % (wb.sheetnames, list(want)))
    for name, cells in want.items():
        if name not in wb.sheetnames:
            continue
        ws = wb[name]
        got = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None and cell.value != "":
                    got[(cell.row, cell.column)] = cell.value
        for k in sorted(set(cells) | set(got)):
            w, g = cells.get(k), got.get(k)
            # Numbers come back as int or float; compare them as numbers.
            if isinstance(w, int) and isinstance(g, (int, float)) and not isinstance(g, bool) and g == w:
                continue
            if w != g:
                bad.append("%s!%s: %r, want %r" % (name, ws.cell(k[0], k[1]).coordinate, g, w))
    for line in bad[:20]:
        print(line)
    if len(bad) > 20:
        print("... and %d more" % (len(bad) - 20))
    n = sum(len(c) for c in want.values())
    print("aef_xlsx: %d cells compared, %d differences" % (n, len(bad)), file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

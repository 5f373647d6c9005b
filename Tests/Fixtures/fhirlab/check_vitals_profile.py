#!/usr/bin/env python3
# Copied unchanged (below this line) from the project's research vectors, shared/vectors/fhir/check_vitals_profile.py
# (written for vhr's FHIR research, 2026-11-23), so the tests never read outside the repo.
"""Offline checks of the FHIR R4 vital-signs / bp / heartrate profile rules that the
structural validators (fhir.resources, fhirkit-rs, pyfhircheck without the
hl7.fhir.r4.core package) do not enforce.  Uses fhirpathpy (PyPI).

Usage: python3 check_vitals_profile.py FILE.json [...]   (exit 1 on any failure)
Rules are transcribed by hand from the R4 profiles
http://hl7.org/fhir/StructureDefinition/vitalsigns, .../bp, .../heartrate
(vs-1, vs-2, vs-3, fixed LOINC codes, UCUM units) plus the kiosk's own
idempotency rule (exactly one identifier, used by request.ifNoneExist)."""
import json, sys
from fhirpathpy import evaluate
from fhirpathpy.models import models

def fp(resource, expr):
    # the R4 model lets FHIRPath resolve choice types (effective[x], value[x])
    return evaluate(resource, expr, {}, models["r4"])

UCUM = "http://unitsofmeasure.org"
VS = [
  ("status in vitals binding", "status in ('registered' | 'preliminary' | 'final' | 'amended')"),
  ("category vital-signs", "category.coding.where(system='http://terminology.hl7.org/CodeSystem/observation-category' and code='vital-signs').exists()"),
  ("subject present", "subject.exists()"),
  ("effective[x] present", "effective.exists()"),
  ("vs-1 dateTime precise to day", "effective.ofType(dateTime).empty() or effective.ofType(dateTime).toString().length() >= 10"),
  ("vs-2 value or component or DAR", "(component.empty() and hasMember.empty()) implies (dataAbsentReason.exists() or value.exists())"),
  ("vs-3 each component has value or DAR", "component.all(value.exists() or dataAbsentReason.exists())"),
  ("UCUM quantities complete", f"(value.ofType(Quantity) | component.value.ofType(Quantity)).all(value.exists() and unit.exists() and system='{UCUM}' and code.exists())"),
  ("kiosk: exactly one identifier (idempotency key)", "identifier.count() = 1 and identifier.system.exists() and identifier.value.exists()"),
]
BP = [
  ("bp code 85354-9", "code.coding.where(system='http://loinc.org' and code='85354-9').exists()"),
  ("systolic 8480-6 in mm[Hg]", f"component.where(code.coding.where(system='http://loinc.org' and code='8480-6').exists()).count() = 1 and component.where(code.coding.where(code='8480-6').exists()).value.ofType(Quantity).all(system='{UCUM}' and code='mm[Hg]')"),
  ("diastolic 8462-4 in mm[Hg]", f"component.where(code.coding.where(system='http://loinc.org' and code='8462-4').exists()).count() = 1 and component.where(code.coding.where(code='8462-4').exists()).value.ofType(Quantity).all(system='{UCUM}' and code='mm[Hg]')"),
]
HR = [
  ("heart rate code 8867-4", "code.coding.where(system='http://loinc.org' and code='8867-4').exists()"),
  ("heart rate unit /min", f"value.ofType(Quantity).all(system='{UCUM}' and code='/min')"),
]
PROFILES = {"http://hl7.org/fhir/StructureDefinition/bp": BP,
            "http://hl7.org/fhir/StructureDefinition/heartrate": HR}

def check_obs(obs, where):
    fails = []
    rules = list(VS)
    for p in obs.get("meta", {}).get("profile", []):
        rules += PROFILES.get(p, [])
    for name, expr in rules:
        if fp(obs, expr) != [True]:
            fails.append(f"{where}: FAIL {name}")
    return fails

def check(doc, where):
    fails = []
    if doc.get("resourceType") == "Observation":
        fails += check_obs(doc, where)
    elif doc.get("resourceType") == "Bundle" and doc.get("type") == "transaction":
        for i, e in enumerate(doc.get("entry", [])):
            r = e.get("resource", {})
            req = e.get("request", {})
            if req.get("method") == "POST" and r.get("identifier"):
                idf = r["identifier"][0]
                want = f"identifier={idf['system']}|{idf['value']}"
                if req.get("ifNoneExist") != want:
                    fails.append(f"{where}.entry[{i}]: FAIL ifNoneExist != {want}")
            fails += check(r, f"{where}.entry[{i}]") if r.get("resourceType") == "Observation" else []
    return fails

if __name__ == "__main__":
    allf = []
    for path in sys.argv[1:]:
        f = check(json.load(open(path)), path)
        print(f"{path}: {'OK' if not f else 'FAIL'}")
        for x in f: print("  ", x)
        allf += f
    sys.exit(1 if allf else 0)

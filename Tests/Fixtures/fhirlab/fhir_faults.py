"""mitmproxy addon: HTTP faults in front of the FHIR server, switchable while the proxy runs.

Start:  mitmdump --mode reverse:http://127.0.0.1:SERVER -s fhir_faults.py \
            --set fault_control=CONTROL.json --set fault_stats=STATS.json

The addon reads CONTROL.json (if it exists) on every request, so a test switches faults by
rewriting that file (write a temporary file and rename it over, so a request never sees half a
file). A missing file, or {"mode": "off"}, passes everything through. Modes:

  {"mode": "503", "retry_after": 2}    answer 503 with Retry-After; the server never sees it
  {"mode": "reset_before"}             drop the connection before the request reaches the server
  {"mode": "reset_after"}              forward, let the server commit, then drop the connection
                                       instead of answering: the client cannot know it was stored
  {"mode": "delay", "seconds": 5}      hold the request that long before forwarding it
  {"mode": "delay_after", "seconds": 5}  forward at once, hold the response that long
  {"mode": "random", "seed": 7, "p": 0.3, "faults": ["503", "reset_before", "reset_after"]}
                                       each request faulted with probability p, by a seeded PRNG

Optional keys in every mode:
  "times": N          fault only the next N matching requests of this control, then pass
  "methods": ["POST"] fault only these methods (default: every method)
  "retry_after", "seconds"  as above (defaults 1 and 5)

STATS.json is rewritten after every request: {"generation", "serial", "requests", "passed",
"faulted": {mode: n}}. A new control (a changed file) starts a new generation with fresh counters,
so a test can check that the fault it asked for really happened; "serial" echoes the control's
own "serial" key, which the Swift helper bumps on every change.
"""

import asyncio
import json
import os
import random

from mitmproxy import ctx, http

FAULTS = ("503", "reset_before", "reset_after", "delay", "delay_after")


class FhirFaults:
    def __init__(self):
        self.signature = None
        self.control = {"mode": "off"}
        self.generation = 0
        self.rng = random.Random(0)
        self.requests = 0
        self.passed = 0
        self.faulted = {}
        self.budget = None

    def load(self, loader):
        loader.add_option("fault_control", str, "", "JSON file naming the current fault")
        loader.add_option("fault_stats", str, "", "JSON file the addon writes its counters to")

    def _refresh(self):
        """Re-reads the control file when it changed; a change resets the counters."""
        path = ctx.options.fault_control
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError:
            raw = b'{"mode": "off"}'
        if raw == self.signature:
            return
        try:
            control = json.loads(raw)
        except ValueError:
            # A file being written by hand: keep the previous control until it parses.
            return
        self.signature = raw
        self.control = control
        self.generation += 1
        self.rng = random.Random(control.get("seed", 0))
        self.requests = 0
        self.passed = 0
        self.faulted = {}
        self.budget = control.get("times")

    def _choose(self, flow):
        """The fault for this request, or None to pass it through."""
        control = self.control
        mode = control.get("mode", "off")
        methods = control.get("methods")
        if mode == "off" or (methods and flow.request.method not in methods):
            return None
        if self.budget is not None and self.budget <= 0:
            return None
        if mode == "random":
            if self.rng.random() >= float(control.get("p", 0.3)):
                return None
            mode = self.rng.choice(control.get("faults", ["503", "reset_before", "reset_after"]))
        if mode not in FAULTS:
            ctx.log.error(f"fhir_faults: unknown mode {mode!r}; passing through")
            return None
        if self.budget is not None:
            self.budget -= 1
        return mode

    def _count(self, fault):
        if fault is None:
            self.passed += 1
        else:
            self.faulted[fault] = self.faulted.get(fault, 0) + 1
        path = ctx.options.fault_stats
        if not path:
            return
        stats = {"generation": self.generation, "serial": self.control.get("serial"), "requests": self.requests,
                 "passed": self.passed, "faulted": self.faulted}
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w") as f:
            json.dump(stats, f)
        os.replace(tmp, path)

    async def request(self, flow: http.HTTPFlow):
        self._refresh()
        self.requests += 1
        fault = self._choose(flow)
        flow.metadata["fhir_fault"] = fault
        self._count(fault)
        if fault == "503":
            retry_after = str(self.control.get("retry_after", 1))
            body = json.dumps({"resourceType": "OperationOutcome", "issue": [
                {"severity": "error", "code": "transient", "diagnostics": "fault proxy: 503"}]})
            flow.response = http.Response.make(
                503, body, {"Retry-After": retry_after, "Content-Type": "application/fhir+json"})
        elif fault == "reset_before":
            flow.kill()
        elif fault == "delay":
            await asyncio.sleep(float(self.control.get("seconds", 5)))

    async def response(self, flow: http.HTTPFlow):
        fault = flow.metadata.get("fhir_fault")
        if fault == "reset_after":
            flow.kill()
        elif fault == "delay_after":
            await asyncio.sleep(float(self.control.get("seconds", 5)))


addons = [FhirFaults()]

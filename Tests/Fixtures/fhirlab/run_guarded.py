"""Runs a console script of this venv (sekmet, mitmdump) in-process, and ends it when the process
that started it goes away, so a test binary that crashes or is killed leaves no server behind.

Usage: python run_guarded.py SCRIPT [ARGS...]   (SCRIPT: a console_scripts name, e.g. sekmet)

A watchdog thread polls the parent pid; when the parent dies the child is re-parented and the
guard exits at once (os._exit: the server's state is a temporary directory nobody will read).
"""
import os
import sys
import threading
import time
from importlib.metadata import entry_points


def watch(parent):
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: run_guarded.py SCRIPT [ARGS...]")
    name = sys.argv[1]
    found = entry_points(group="console_scripts", name=name)
    if not found:
        sys.exit(f"run_guarded.py: no console script {name!r} in this venv; run scripts/install-fhir-lab.sh")
    threading.Thread(target=watch, args=(os.getppid(),), daemon=True).start()
    sys.argv = [name, *sys.argv[2:]]
    sys.exit(next(iter(found)).load()())


if __name__ == "__main__":
    main()

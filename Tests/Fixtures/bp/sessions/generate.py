#!/usr/bin/env python3
"""Writes the recorded IEEE 11073 BP sessions in this folder (see README.md).

Agent APDUs come verbatim from the vectors in ../antidote.json and ../freescale-phdc-bpm.json, or are
built with the same layout as antidote.H241_ID_02BC.bp_measurement (standard configuration 0x02BC,
fixed scan report) with other values and times. Manager APDUs are what a manager with system id
11 22 33 44 55 66 77 88 must answer, byte for byte. Run it from anywhere: python3 generate.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = {}
for name in ("antidote.json", "freescale-phdc-bpm.json"):
    with open(os.path.join(HERE, "..", name)) as f:
        for v in json.load(f)["vectors"]:
            VECTORS[v["id"]] = bytes.fromhex(v["hex"].replace(" ", ""))

MANAGER = bytes.fromhex("1122334455667788")


def hexline(b):
    return " ".join(f"{x:02x}" for x in b)


def u16(n):
    return n.to_bytes(2, "big")


def aare(result):
    # antidote.rx_aare_example_one with the result and the manager's system id.
    base = bytearray(VECTORS["antidote.rx_aare_example_one"])
    base[4:6] = u16(result)
    base[30:38] = MANAGER
    return bytes(base)


def event_reply(invoke, event_type, info=b""):
    body = u16(0) + bytes(4) + u16(event_type) + u16(len(info)) + info
    data = u16(invoke) + u16(0x0201) + u16(len(body)) + body
    return u16(0xE700) + u16(len(data) + 2) + u16(len(data)) + data


def config_reply(invoke, report_id):
    return event_reply(invoke, 0x0D1C, u16(report_id) + u16(0))


def bcd(text):
    # "2024-03-05 09:41:30" -> eight BCD bytes
    digits = text.replace("-", "").replace(" ", "").replace(":", "") + "00"
    return bytes(int(digits[i : i + 2], 16) for i in range(0, 16, 2))


def sfloat(value, exponent=0):
    mantissa = int(round(value / (10**exponent))) & 0x0FFF
    return u16(((exponent & 0xF) << 12) | mantissa)


def scan_report(invoke, observations, report_no=0):
    """observations: list of (handle, value bytes) for the standard configuration 0x02BC."""
    obs = b"".join(u16(h) + u16(len(v)) + v for h, v in observations)
    info = u16(0xF000) + u16(report_no) + u16(len(observations)) + u16(len(obs)) + obs
    body = u16(0) + bytes.fromhex("ffffffff") + u16(0x0D1D) + u16(len(info)) + info
    data = u16(invoke) + u16(0x0101) + u16(len(body)) + body
    return u16(0xE700) + u16(len(data) + 2) + u16(len(data)) + data


def bp(sys, dia, mean, time):
    return (1, u16(3) + u16(6) + sfloat(sys) + sfloat(dia) + sfloat(mean) + time)


def pulse(rate, time):
    return (2, sfloat(rate) + time)


AARQ_STD = VECTORS["antidote.H211_ID_02BC.aarq"]
AARQ_EXT = VECTORS["antidote.bp.aarq"]
RLRQ = VECTORS["antidote.bp.rlrq"]
RLRE = VECTORS["antidote.rx_rlre_normal"]
H241 = VECTORS["antidote.H241_ID_02BC.bp_measurement"]
T1 = bcd("2024-03-05 09:41:30")
T2 = bcd("2024-03-05 09:47:02")
UNSET = bytes([0xFF] * 8)


def agent_release():
    return [("# the agent releases", None), ("<", RLRQ), (">", RLRE)]


SESSIONS = {
    "standard-config": (
        "Quick path: the agent announces the standard configuration 0x02BC, the manager knows it "
        "(AARE accepted), one measurement (Antidote H.2.4.1: 120/80/100 mmHg, pulse 60, 2007-12-06 12:10), "
        "agent release.",
        [("<", AARQ_STD), (">", aare(0)), ("<", H241), (">", event_reply(0x0054, 0x0D1D))] + agent_release(),
    ),
    "extended-config": (
        "An unknown extended configuration 0x4000 (Antidote's BP example) is learned from the configuration "
        "report, a multi-person report follows (113/71/85 mmHg, pulse 71, person 66, 2010-07-21 15:35:53), "
        "release; the agent associates again and the manager accepts at once (remembered), and the resent "
        "report is deduplicated.",
        [
            ("<", AARQ_EXT),
            (">", aare(3)),
            ("<", VECTORS["antidote.bp.roiv_mdc_noti_config"]),
            (">", config_reply(0x0001, 0x4000)),
            ("<", VECTORS["antidote.bp.roiv_mds_note_scan_report_mp_fixed"]),
            (">", event_reply(0x0001, 0x0D1F)),
        ]
        + agent_release()
        + [
            ("# second association: configuration remembered", None),
            ("<", AARQ_EXT),
            (">", aare(0)),
            ("<", VECTORS["antidote.bp.roiv_mds_note_scan_report_mp_fixed"]),
            (">", event_reply(0x0001, 0x0D1F)),
        ]
        + agent_release(),
    ),
    "two-stored-readings": (
        "Two stored readings in one report (128/84/99 pulse 72 at 2024-03-05 09:41:30, 131/86/101 pulse 70 "
        "at 09:47:02), then release.",
        [
            ("<", AARQ_STD),
            (">", aare(0)),
            ("<", scan_report(0x0001, [bp(128, 84, 99, T1), pulse(72, T1), bp(131, 86, 101, T2), pulse(70, T2)])),
            (">", event_reply(0x0001, 0x0D1D)),
        ]
        + agent_release(),
    ),
    "separate-reports": (
        "Blood pressure and pulse in separate reports (128/84/99, then pulse 72, both 2024-03-05 09:41:30).",
        [
            ("<", AARQ_STD),
            (">", aare(0)),
            ("<", scan_report(0x0001, [bp(128, 84, 99, T1)])),
            (">", event_reply(0x0001, 0x0D1D)),
            ("<", scan_report(0x0002, [pulse(72, T1)], report_no=1)),
            (">", event_reply(0x0002, 0x0D1D)),
        ]
        + agent_release(),
    ),
    "resend": (
        "The agent resends its stored reading in a second report: delivered once.",
        [
            ("<", AARQ_STD),
            (">", aare(0)),
            ("<", scan_report(0x0001, [bp(128, 84, 99, T1), pulse(72, T1)])),
            (">", event_reply(0x0001, 0x0D1D)),
            ("<", scan_report(0x0002, [bp(128, 84, 99, T1), pulse(72, T1)], report_no=1)),
            (">", event_reply(0x0002, 0x0D1D)),
        ]
        + agent_release(),
    ),
    "unset-clock": (
        "A monitor whose clock was never set (time stamps all FF): 118/76/90 pulse 64, dated by arrival.",
        [
            ("<", AARQ_STD),
            (">", aare(0)),
            ("<", scan_report(0x0001, [bp(118, 76, 90, UNSET), pulse(64, UNSET)])),
            (">", event_reply(0x0001, 0x0D1D)),
        ]
        + agent_release(),
    ),
    "unplug-mid-association": (
        "Unplugged while the manager waits for the configuration report (Freescale's AARQ, config 0x4000), "
        "absent for two open attempts, then plugged again: a full standard session follows.",
        [
            ("<", VECTORS["freescale.bpm.aarq"]),
            (">", aare(3)),
            ("!", "unplug"),
            ("!", "absent"),
            ("!", "absent"),
            ("!", "plug"),
            ("<", AARQ_STD),
            (">", aare(0)),
            ("<", H241),
            (">", event_reply(0x0054, 0x0D1D)),
        ]
        + agent_release(),
    ),
    "unplug-mid-report": (
        "Unplugged half way through a measurement report: the partial APDU is forgotten and the next plug "
        "works.",
        [
            ("<", AARQ_STD),
            (">", aare(0)),
            ("<", H241[:30]),
            ("!", "unplug"),
            ("!", "plug"),
            ("<", AARQ_STD),
            (">", aare(0)),
            ("<", H241),
            (">", event_reply(0x0054, 0x0D1D)),
        ]
        + agent_release(),
    ),
    "garbage": (
        "Line noise before the association (dropped, no reply), then noise during an association: the "
        "manager aborts (ABRT undefined); the agent starts over and the measurement arrives.",
        [
            ("<", bytes.fromhex("0d0a4f4b0d0a")),
            ("<", AARQ_STD),
            (">", aare(0)),
            ("<", bytes.fromhex("5a5a5a5a5a5a")),
            (">", VECTORS["antidote.rx_abrt_undefined"]),
            ("<", AARQ_STD),
            (">", aare(0)),
            ("<", H241),
            (">", event_reply(0x0054, 0x0D1D)),
        ]
        + agent_release(),
    ),
    "oversize": (
        "An APDU announcing 65535 bytes during an association: ABRT buffer-overflow, then a good session.",
        [
            ("<", AARQ_STD),
            (">", aare(0)),
            ("<", bytes.fromhex("e700ffff00fd")),
            (">", VECTORS["antidote.rx_abrt_buffer_overflow"]),
            ("<", AARQ_STD),
            (">", aare(0)),
            ("<", H241),
            (">", event_reply(0x0054, 0x0D1D)),
        ]
        + agent_release(),
    ),
    "never-answers": (
        "The agent announces an unknown configuration and then says nothing: after TO_config (10 s) the "
        "manager aborts (ABRT configuration-timeout).",
        [
            ("<", AARQ_EXT),
            (">", aare(3)),
            ("!", "silence 11"),
            (">", VECTORS["antidote.rx_abrt_config_timeout"]),
        ],
    ),
    "manager-release": (
        "The manager ends the association (vhrd stops): RLRQ, the agent answers RLRE.",
        [
            ("<", AARQ_STD),
            (">", aare(0)),
            (">", VECTORS["antidote.rx_rlrq_normal"]),
            ("<", RLRE),
        ],
    ),
}

for name, (about, steps) in SESSIONS.items():
    lines = [f"# {name}: {about}", "# generated by generate.py; see README.md for the format"]
    for kind, payload in steps:
        if payload is None:
            lines.append(kind)
        elif kind == "!":
            lines.append(f"! {payload}")
        else:
            lines.append(f"{kind} {hexline(payload)}")
    with open(os.path.join(HERE, f"{name}.session"), "w") as f:
        f.write("\n".join(lines) + "\n")

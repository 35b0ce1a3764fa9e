#!/usr/bin/env python3
"""Independent reference implementation of the WHO Child Growth Standards
(2006) z-scores, written from the project's domain rules (not from
api/src/domain/growth.rs), used to generate api/tests/data/who_agreement.tsv.

Standard library only; plain float math (``**``), as WHO's R ``anthro`` does.

Run from the workspace root:

    python3 tests/reference/who_anthro_reference.py

Rules implemented:
- z = ((y/M)^L - 1) / (S*L); age in whole days; z only for 0-1826 days
  (MUAC-for-age from 91 days).
- Under 731 days measured standing: +0.7 cm, except standing under 274 days
  (implausible): no adjustment. From 731 days measured lying: -0.7 cm.
  Missing position: no adjustment.
- Weight-for-length (45.0-110.0 cm) under 731 days, weight-for-height
  (65.0-120.0 cm) from 731 days, looked up with the adjusted length; L, M, S
  interpolated linearly between the 0.1 cm rows; outside the range: no z.
- BMI = weight / (adjusted length in m)^2, BMI-for-age.
- Weight-based indicators (wfa, wflh, bmi, acfa) beyond +/-3 use the WHO
  restricted formula with SD(k) = M*(1+L*S*k)^(1/L); lhfa, hcfa never.
- Oedema: wfa, wflh and bmi are missing.
"""

import math
import os
import random
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DATA = os.path.join(ROOT, "api", "data", "who-growth-2006")
OUT = os.path.join(ROOT, "api", "tests", "data", "who_agreement.tsv")

MAX_AGE = 1826
MUAC_FROM = 91
STANDING_FROM = 274
HEIGHT_FROM = 731


def read_age_table(name):
    """{sex: {age_days: (l, m, s)}}"""
    table = {1: {}, 2: {}}
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            table[int(cols[0])][int(cols[1])] = (float(cols[2]), float(cols[3]), float(cols[4]))
    return table


def read_length_table(name):
    """(first key in cm, {sex: [(l, m, s), ...] by 0.1 cm})"""
    rows = {1: [], 2: []}
    with open(os.path.join(DATA, name), encoding="utf-8") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            rows[int(cols[0])].append((float(cols[1]), float(cols[2]), float(cols[3]), float(cols[4])))
    first = None
    out = {}
    for sex, rs in rows.items():
        rs.sort()
        # The rows must be a contiguous 0.1 cm grid.
        for i, r in enumerate(rs):
            assert abs(r[0] - (rs[0][0] + i / 10)) < 1e-9, (name, sex, r)
        first = rs[0][0] if first is None else first
        assert rs[0][0] == first
        out[sex] = [(r[1], r[2], r[3]) for r in rs]
    last = first + (len(out[1]) - 1) / 10
    return first, round(last, 1), out


WFA = read_age_table("weianthro.tsv")
LHFA = read_age_table("lenanthro.tsv")
BMI = read_age_table("bmianthro.tsv")
HCFA = read_age_table("hcanthro.tsv")
ACFA = read_age_table("acanthro.tsv")
WFL = read_length_table("wflanthro.tsv")
WFH = read_length_table("wfhanthro.tsv")
assert WFL[0] == 45.0 and WFL[1] == 110.0, WFL[:2]
assert WFH[0] == 65.0 and WFH[1] == 120.0, WFH[:2]


def z_lms(y, lms):
    l, m, s = lms
    return ((y / m) ** l - 1) / (s * l)


def sd(lms, k):
    l, m, s = lms
    return m * (1 + l * s * k) ** (1 / l)


def z_restricted(y, lms):
    z = z_lms(y, lms)
    if z > 3:
        sd3 = sd(lms, 3)
        sd2 = sd(lms, 2)
        return 3 + (y - sd3) / (sd3 - sd2)
    if z < -3:
        sd3n = sd(lms, -3)
        sd2n = sd(lms, -2)
        return -3 + (y - sd3n) / (sd2n - sd3n)
    return z


def adjust(age, length, position):
    if length is None:
        return None
    if age < HEIGHT_FROM:
        if position == "standing" and age >= STANDING_FROM:
            return length + 0.7
        return length
    if position == "lying":
        return length - 0.7
    return length


def length_lms(table, sex, x):
    """Interpolated (l, m, s) at x cm, or None outside the table."""
    first, last, rows = table
    if not (first <= x <= last):
        return None
    r = rows[sex]
    t = (x - first) * 10
    i = math.floor(t)
    if i >= len(r) - 1:
        i = len(r) - 1
    if i < 0:
        i = 0
    frac = t - i
    if frac == 0 or i == len(r) - 1:
        return r[i]
    a, b = r[i], r[i + 1]
    return tuple(a[k] + frac * (b[k] - a[k]) for k in range(3))


def assess(sex, age, weight, length, position, head, muac, oedema):
    """Returns dict of indicator -> float or None."""
    z = dict(wfa=None, lhfa=None, wflh=None, bmi=None, hcfa=None, acfa=None)
    if age < 0 or age > MAX_AGE:
        return z
    adj = adjust(age, length, position)
    if weight is not None and not oedema:
        z["wfa"] = z_restricted(weight, WFA[sex][age])
    if adj is not None:
        z["lhfa"] = z_lms(adj, LHFA[sex][age])
    if weight is not None and adj is not None and not oedema:
        table = WFL if age < HEIGHT_FROM else WFH
        lms = length_lms(table, sex, adj)
        if lms is not None:
            z["wflh"] = z_restricted(weight, lms)
        bmi = weight / (adj / 100) ** 2
        z["bmi"] = z_restricted(bmi, BMI[sex][age])
    if head is not None:
        z["hcfa"] = z_lms(head, HCFA[sex][age])
    if muac is not None and age >= MUAC_FROM:
        z["acfa"] = z_restricted(muac, ACFA[sex][age])
    return z


# --- case generation ---------------------------------------------------------

rng = random.Random(2006)


def clamp(x, lo, hi):
    return min(max(x, lo), hi)


def value_at(lms, z):
    """A measurement with (restricted) z-score about z."""
    if z > 3:
        return sd(lms, 3) + (z - 3) * (sd(lms, 3) - sd(lms, 2))
    if z < -3:
        return sd(lms, -3) + (z + 3) * (sd(lms, -2) - sd(lms, -3))
    return sd(lms, z)


def target_z():
    r = rng.random()
    if r < 0.08:
        return rng.uniform(3.05, 6.0) * rng.choice((-1, 1))
    if r < 0.14:
        return rng.uniform(2.5, 3.5) * rng.choice((-1, 1))
    return rng.gauss(0, 1.3)


def rounded(x, decimals):
    return round(x, decimals)


def random_case():
    sex = rng.choice((1, 2))
    r = rng.random()
    if r < 0.80:
        age = rng.randint(0, MAX_AGE)
    elif r < 0.95:
        age = rng.choice((0, 1, 2, 89, 90, 91, 92, 272, 273, 274, 275, 729, 730, 731, 732, 1824, 1825, 1826))
    else:
        age = rng.randint(1827, 2000)
    a = min(age, MAX_AGE)
    position = rng.choices(("lying", "standing", "-"), weights=(45, 45, 10))[0]
    pos = None if position == "-" else position

    length = None
    if rng.random() > 0.06:
        zl = rng.uniform(3.05, 5.5) * rng.choice((-1, 1)) if rng.random() < 0.06 else rng.gauss(0, 1.1)
        length = value_at(LHFA[sex][a], zl)
        length = rounded(clamp(length, 40, 130), rng.choice((1, 1, 2)))

    weight = None
    if rng.random() > 0.05:
        adj = adjust(a, length, pos)
        table = WFL if a < HEIGHT_FROM else WFH
        lms = length_lms(table, sex, adj) if adj is not None else None
        if lms is None or rng.random() < 0.3:
            lms = WFA[sex][a]
        weight = value_at(lms, target_z())
        weight = rounded(clamp(weight, 0.5, 40), rng.choice((1, 2, 2, 3)))

    head = None
    if rng.random() > 0.1:
        zh = rng.uniform(3.05, 5.0) * rng.choice((-1, 1)) if rng.random() < 0.08 else rng.gauss(0, 1.2)
        head = rounded(clamp(value_at(HCFA[sex][a], zh), 30, 56), rng.choice((1, 1, 2)))

    muac = None
    if rng.random() > 0.15:
        muac = value_at(ACFA[sex][max(a, MUAC_FROM)], target_z())
        muac = rounded(clamp(muac, 8, 25), rng.choice((1, 1, 2)))

    oedema = rng.random() < 0.04
    return (sex, age, weight, length, position, head, muac, oedema)


def fixed_cases():
    cases = []
    for sex in (1, 2):
        # Age boundaries, all positions.
        for age in (0, 1, 90, 91, 273, 274, 730, 731, 1825, 1826, 1827, 1828, 3000):
            a = min(age, MAX_AGE)
            for position in ("lying", "standing", "-"):
                length = round(LHFA[sex][a][1], 1)
                weight = round(WFA[sex][a][1], 2)
                head = round(HCFA[sex][a][1], 1)
                muac = round(ACFA[sex][max(a, MUAC_FROM)][1], 1)
                cases.append((sex, age, weight, length, position, head, muac, False))
                cases.append((sex, age, weight, length, position, head, muac, True))
        # Weight-for-length edges, under 731 days; no adjustment (lying, or
        # standing under 274 days) and with the +0.7 cm (standing).
        for age in (100, 273, 300, 730):
            for length, position in (
                (45.0, "lying"), (44.9, "lying"), (110.0, "lying"), (110.1, "lying"),
                (45.0, "-"), (44.9, "-"), (110.0, "-"), (110.1, "-"),
                (45.0, "standing"), (44.9, "standing"), (110.0, "standing"), (110.1, "standing"),
                (44.3, "standing"), (44.2, "standing"), (109.3, "standing"), (109.4, "standing"),
                (45.05, "lying"), (109.95, "lying"), (45.01, "lying"), (109.99, "lying"),
            ):
                lms = length_lms(WFL, sex, clamp(length, 45.0, 110.0))
                for zw in (-0.8, 4.2):
                    weight = round(value_at(lms, zw), 2)
                    cases.append((sex, age, weight, length, position, None, None, False))
        # Weight-for-height edges, from 731 days; no adjustment (standing) and
        # with the -0.7 cm (lying).
        for age in (731, 1200, 1826):
            for length, position in (
                (65.0, "standing"), (64.9, "standing"), (120.0, "standing"), (120.1, "standing"),
                (65.0, "-"), (64.9, "-"), (120.0, "-"), (120.1, "-"),
                (65.0, "lying"), (120.0, "lying"),
                (65.7, "lying"), (65.6, "lying"), (120.7, "lying"), (120.8, "lying"),
                (65.05, "standing"), (119.95, "standing"), (65.01, "standing"), (119.99, "standing"),
            ):
                lms = length_lms(WFH, sex, clamp(length, 65.0, 120.0))
                for zw in (0.6, -3.7):
                    weight = round(value_at(lms, zw), 2)
                    cases.append((sex, age, weight, length, position, None, None, False))
        # The same length each side of 731 days (wfl vs wfh table).
        for age in (729, 730, 731, 732):
            for position in ("lying", "standing", "-"):
                for length in (64.95, 70.33, 85.57, 100.01, 109.99, 110.55, 115.27):
                    cases.append((sex, age, 11.37, length, position, 47.2, 14.6, False))
        # Two-decimal lengths (interpolation) across the tables.
        for _ in range(25):
            age = rng.randint(0, 730)
            length = round(rng.uniform(45.0, 110.0), 2)
            cases.append((sex, age, round(rng.uniform(2, 20), 2), length, "lying", None, None, False))
            age = rng.randint(731, MAX_AGE)
            length = round(rng.uniform(65.0, 120.0), 2)
            cases.append((sex, age, round(rng.uniform(6, 30), 2), length, "standing", None, None, False))
        # Very light and very heavy children; very short and very tall.
        for age in (0, 91, 365, 700, 731, 1200, 1826):
            lh = LHFA[sex][age]
            for zl in (-5.5, -4.0, -3.2, 3.2, 4.0, 5.5):
                length = round(value_at(lh, zl), 1)
                pos = "lying" if age < HEIGHT_FROM else "standing"
                cases.append((sex, age, None, length, pos, None, None, False))
            length = round(lh[1], 1)
            for zw in (-6.0, -4.5, -3.5, -3.01, 3.01, 3.5, 4.5, 6.0):
                weight = round(clamp(value_at(WFA[sex][age], zw), 0.5, 40), 2)
                muac = round(clamp(value_at(ACFA[sex][max(age, MUAC_FROM)], zw), 8, 25), 1)
                pos = "lying" if age < HEIGHT_FROM else "standing"
                cases.append((sex, age, weight, length, pos, None, muac, False))
                if abs(zw) == 4.5:
                    cases.append((sex, age, weight, length, pos, None, muac, True))
        # No measurements at all, and one at a time.
        cases.append((sex, 400, None, None, "-", None, None, False))
        cases.append((sex, 400, 9.1, None, "-", None, None, False))
        cases.append((sex, 400, None, 74.0, "standing", None, None, False))
        cases.append((sex, 400, None, None, "-", 45.0, None, False))
        cases.append((sex, 400, None, None, "-", None, 14.0, False))
        # Negative age: nothing.
        cases.append((sex, -1, 3.3, 49.9, "lying", 34.5, 10.0, False))
    return cases


def fmt(x):
    if x is None:
        return "-"
    return repr(float(x))


def main():
    cases = fixed_cases()
    n_fixed = len(cases)
    while len(cases) < 3300:
        cases.append(random_case())
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    cols = ["wfa", "lhfa", "wflh", "bmi", "hcfa", "acfa"]
    extreme = 0
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        f.write("sex\tage_days\tweight_kg\tlength_cm\tposition\thead_cm\tmuac_cm\toedema\t" + "\t".join(cols) + "\n")
        for sex, age, weight, length, position, head, muac, oedema in cases:
            pos = None if position == "-" else position
            z = assess(sex, age, weight, length, pos, head, muac, oedema)
            if any(v is not None and abs(v) > 3 for v in z.values()):
                extreme += 1
            row = [
                "L" if sex == 1 else "P",
                str(age),
                fmt(weight),
                fmt(length),
                position,
                fmt(head),
                fmt(muac),
                "1" if oedema else "0",
            ] + [fmt(z[c]) for c in cols]
            f.write("\t".join(row) + "\n")
    print(f"{n_fixed} fixed cases, {len(cases) - n_fixed} random", file=sys.stderr)
    per = {c: 0 for c in cols}
    with open(OUT, encoding="utf-8") as f:
        next(f)
        for line in f:
            vals = line.rstrip("\n").split("\t")[8:]
            for c, v in zip(cols, vals):
                if v != "-" and abs(float(v)) > 3:
                    per[c] += 1
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT, ROOT)}; {extreme} with some |z| > 3; by indicator: {per}", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Independent golden values for the pricing core (src/pricing).

Pedigree: written from the issue's rules, not from the TypeScript code, using exact rational
arithmetic (fractions.Fraction) for every amount and 60-digit decimal.Decimal bisection for the IRR.
Rates are taken from their decimal strings ("0.18"), so nothing here ever touches a binary float.

Rules encoded (issue 3):
- period rate r = annual / 12; each line is rounded half-up to the fen once;
- equal-installment: A = round(P r (1+r)^n / ((1+r)^n - 1)) (P/n at r = 0); interest_t = round(B r);
  principal_t = min(max(A - interest_t, 0), B); the last period repays the balance B and round(B r);
- equal-principal: share = round(P / n), principal_t = min(share, B), interest_t = round(B r); last repays B;
- interest-first: interest round(P r) every period, principal at the end;
- bullet: one payment of P + round(P * annual * n / 12) at the end;
- fees: upfront deducted from the disbursement; monthly fixed; monthly-rate = round(P * rate) each
  period; once at its period;
- APR: r_irr with sum p_t (1+r)^-t = P - upfront; nominal = 12 r; effective = (1+r)^12 - 1.

Second opinion on the IRR: where numpy is installed, each case of up to 60 periods is also solved
as a polynomial (numpy.roots of sum p_t x^t - D, x = 1/(1+r), the companion-matrix eigenvalue
method, a different algorithm from bisection) and the script stops if the two disagree by 1e-9.

Run: python3 test/golden/pricing_golden.py > test/golden/pricing-golden.json
"""
import json
from decimal import Decimal, getcontext
from fractions import Fraction

getcontext().prec = 60


def round_half_up(x: Fraction) -> int:
    # x >= 0 everywhere in a schedule
    assert x >= 0
    return int((x + Fraction(1, 2)) // 1)


def schedule(P, n, annual_str, method, fees):
    annual = Fraction(annual_str)
    r = annual / 12
    upfront = sum(f["amountFen"] for f in fees if f["kind"] == "upfront")
    recurring = sum(f["amountFen"] for f in fees if f["kind"] == "monthly")
    recurring += sum(round_half_up(P * Fraction(f["rate"])) for f in fees if f["kind"] == "monthly-rate")
    fee = [0] + [recurring] * n
    for f in fees:
        if f["kind"] == "once":
            fee[f["period"]] += f["amountFen"]
    principal = [0] * (n + 1)
    interest = [0] * (n + 1)
    balance_after = [0] * (n + 1)
    B = P
    if method == "equal-installment":
        if r == 0:
            A = round_half_up(Fraction(P, n))
        else:
            g = (1 + r) ** n
            A = round_half_up(P * r * g / (g - 1))
        for t in range(1, n):
            i = round_half_up(B * r)
            p = min(max(A - i, 0), B)
            interest[t], principal[t] = i, p
            B -= p
            balance_after[t] = B
    elif method == "equal-principal":
        share = round_half_up(Fraction(P, n))
        for t in range(1, n):
            p = min(share, B)
            interest[t] = round_half_up(B * r)
            principal[t] = p
            B -= p
            balance_after[t] = B
    elif method == "interest-first":
        for t in range(1, n):
            interest[t] = round_half_up(P * r)
            balance_after[t] = B
    elif method == "bullet":
        for t in range(1, n):
            balance_after[t] = B
    else:
        raise ValueError(method)
    principal[n] = B
    interest[n] = round_half_up(P * annual * n / 12) if method == "bullet" else round_half_up(B * r)
    balance_after[n] = 0
    lines = []
    for t in range(1, n + 1):
        lines.append({
            "period": t,
            "principalFen": principal[t],
            "interestFen": interest[t],
            "feeFen": fee[t],
            "paymentFen": principal[t] + interest[t] + fee[t],
            "balanceFen": balance_after[t],
        })
    return lines, upfront


def irr(payments, disbursed):
    D = Decimal(disbursed)
    pays = [Decimal(p) for p in payments]

    def f(rate):
        v = 1 / (1 + rate)
        acc = Decimal(0)
        for p in reversed(pays):
            acc = (acc + p) * v
        return acc - D

    if sum(pays) <= D:
        return Decimal(0)
    lo, hi = Decimal(0), Decimal(1)
    while f(hi) >= 0:
        lo, hi = hi, hi * 2
    for _ in range(220):
        mid = (lo + hi) / 2
        if f(mid) >= 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


CASES = [
    # name, principal, term, annual rate, method, fees
    ("10k yuan, 12m, 18%, equal-installment (the textbook ¥916.80 a month)", 1_000_000, 12, "0.18", "equal-installment", []),
    ("the issue's CLI example: all four fee kinds", 1_000_000, 12, "0.18", "equal-installment",
     [{"kind": "upfront", "amountFen": 30000}, {"kind": "monthly", "amountFen": 1500},
      {"kind": "monthly-rate", "rate": "0.003"}, {"kind": "once", "period": 3, "amountFen": 5000}]),
    ("equal-principal 36m 12% with an upfront fee", 5_000_000, 36, "0.12", "equal-principal", [{"kind": "upfront", "amountFen": 100_000}]),
    ("interest-first 6m 9.6% with a monthly fee", 2_000_000, 6, "0.096", "interest-first", [{"kind": "monthly", "amountFen": 2_000}]),
    ("bullet 3m 7.2%", 300_000, 3, "0.072", "bullet", []),
    ("bullet 24m 15% with a one-off fee", 1_234_567, 24, "0.15", "bullet", [{"kind": "once", "period": 12, "amountFen": 9_999}]),
    ("zero rate, 12m, fees only", 600_000, 12, "0", "equal-installment", [{"kind": "upfront", "amountFen": 6_000}]),
    ("zero rate, no fees: zero cost", 999_999, 7, "0", "equal-principal", []),
    ("30-year mortgage-like 4.9% on ¥1,000,000", 100_000_000, 360, "0.049", "equal-installment", []),
    ("at the cap: 23.99% with 0.1%/month fee", 3_000_000, 24, "0.2399", "equal-installment", [{"kind": "monthly-rate", "rate": "0.001"}]),
    ("one period", 500_000, 1, "0.12", "equal-installment", [{"kind": "upfront", "amountFen": 1_000}]),
    ("tiny loan, long term: rounding dominates", 100, 360, "0.18", "equal-principal", []),
    ("tiny loan, equal-installment", 137, 24, "0.239", "equal-installment", [{"kind": "monthly", "amountFen": 1}]),
    ("fees far larger than interest", 1_000_000, 12, "0.01", "equal-installment", [{"kind": "monthly", "amountFen": 20_000}, {"kind": "upfront", "amountFen": 50_000}]),
    ("odd principal, 13 months, 13.13%", 1_234_567, 13, "0.1313", "equal-installment", []),
    ("equal-principal with rounding up of the share", 1_000_001, 3, "0.0999", "equal-principal", []),
]


def irr_by_polynomial(payments, disbursed):
    """numpy.roots on D - sum p_t x^t (x = 1/(1+r)); the one real root in (0, 1] gives r."""
    import numpy
    coefficients = [float(p) for p in reversed(payments)] + [-float(disbursed)]  # x^n ... x^1, x^0
    roots = numpy.roots(coefficients)
    real = [z.real for z in roots if abs(z.imag) < 1e-9 and 0 < z.real <= 1 + 1e-12]
    assert len(real) == 1, real
    return 1 / real[0] - 1


def main():
    try:
        import numpy  # noqa: F401
        second_opinion = True
    except ImportError:
        second_opinion = False
    out = []
    for name, P, n, annual, method, fees in CASES:
        lines, upfront = schedule(P, n, annual, method, fees)
        disbursed = P - upfront
        r = irr([l["paymentFen"] for l in lines], disbursed)
        if second_opinion and n <= 60:
            check = irr_by_polynomial([l["paymentFen"] for l in lines], disbursed)
            assert abs(check - float(r)) < 1e-9, (name, check, r)
        fee_total = upfront + sum(l["feeFen"] for l in lines)
        out.append({
            "name": name,
            "input": {"principalFen": P, "termMonths": n, "rateAnnual": float(annual), "method": method,
                      "fees": [dict(f, **({"rate": float(f["rate"])} if "rate" in f else {})) for f in fees]},
            "schedule": lines,
            "totals": {
                "principalFen": sum(l["principalFen"] for l in lines),
                "interestFen": sum(l["interestFen"] for l in lines),
                "feeFen": fee_total,
                "paymentFen": sum(l["paymentFen"] for l in lines),
                "disbursedFen": disbursed,
            },
            # 20 significant digits as strings: exact enough to check a double to 1e-12
            "apr": {
                "periodRate": f"{r:.20e}",
                "nominal": f"{r * 12:.20e}",
                "effective": f"{(1 + r) ** 12 - 1:.20e}",
            },
        })
    print(json.dumps({
        "pedigree": "test/golden/pricing_golden.py: exact Fraction schedules, 60-digit Decimal bisection IRR",
        "cases": out,
    }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

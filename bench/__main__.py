"""``python -m bench``: run the benchmark and print its table, side by side with a reference run.

Options: ``--quick`` (few iterations: a smoke test, noisy figures), ``--json FILE`` (write the figures),
``--profile`` (then show where Pakar's diagnosis time goes, with cProfile), ``--web-workers N`` and
``--web-worker-class sync|gthread`` (the gunicorn of the web section; default: one sync worker per core),
``--save-reference`` (write them to the reference file, by default bench/reference.json, which is
committed), ``--reference FILE`` (compare with, or save to, another file, e.g. a reference of your own
machine in bench/reference-local.json, which git ignores). Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from bench import clips_kb, suite
from bench.impact import lines as impact_lines

DEFAULT_REFERENCE = Path(__file__).resolve().parent / "reference.json"
NAMES = {
    "pakar": "Pakar (Experta)",
    "clips": "CLIPS (clipspy)",
    "clips_api": "CLIPS, everyday clipspy",
    "python": "plain Python",
    "python_exact": "plain Python, Fraction",
}
SHORT = {"clips": "CLIPS", "clips_api": "CLIPS everyday", "python": "plain Python", "python_exact": "Python, Fraction"}


def ms(value) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if value < 1 else f"{value:.3f}" if value < 100 else f"{value:.0f}"


def times(value) -> str:
    return "-" if value is None else f"{value:.2f}x"


def per_s(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


def ratio(now, ref) -> str:
    return "-" if now is None or not ref else f"{now / ref:.2f}"


def dig(data, *keys):
    """data[k1][k2]... or None when any level is missing (a reference from an older bench)."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _agreements(check: dict) -> str:
    """'CLIPS 200/200, plain Python 200/200' from the *_agree counts of a check."""
    names = {
        "clips": "CLIPS",
        "clips_api": "CLIPS everyday",
        "python": "Python",
        "python_exact": "Python/Fraction",
        "clips_block": "CLIPS one-block",
        "python_block": "Python one-block",
    }
    keys = [f"{name}_agree" for name in names if f"{name}_agree" in check]
    return ", ".join(f"{names[key[:-6]]} {check[key]}/{check['items']}" for key in keys)


def _agreement_lines(result) -> list[str]:
    checks, scaling = result["checks"], result["figures"]["scaling"]
    lines = [
        f"Agreement with Pakar: diagnosis top hypothesis {_agreements(checks['diagnosis'])};"
        f" screening solution {_agreements(checks['screening'])}"
    ]
    lines += [f"  scaled KB {size}: {_agreements(row)}" for size, row in scaling.items()]
    mismatches = [m for mode in ("diagnosis", "screening") for m in checks[mode]["mismatches"]]
    mismatches += [m for row in scaling.values() for m in row["mismatches"]]
    lines += [f"  MISMATCH {m}" for m in mismatches]
    if not mismatches:
        lines.append("  (all agree)")
    return lines


def render(result: dict, reference: dict | None, reference_path: str) -> str:
    meta, fig = result["meta"], result["figures"]
    ref = reference["figures"] if reference else {}
    out = [
        f"Pakar benchmark, {meta['mode']} run ({meta['seconds']} s): KB {meta['kb']} {meta['kb_label']}"
        f" [{meta['kb_version']}]",
        f"Python {meta['python']}, experta {meta['experta']}, clipspy {meta['clipspy']}, {meta['cpus']} CPUs,"
        f" {meta['machine']}; {meta['date']}",
        f"Workloads: diagnosis {meta['workloads']['diagnosis']}; screening {meta['workloads']['screening']}",
    ]
    if reference:
        rmeta = reference["meta"]
        out.append(
            f"Reference: {reference_path} ({rmeta['mode']} run of {rmeta['date']}, Python {rmeta['python']},"
            f" KB [{rmeta['kb_version']}])"
        )
    else:
        out.append(f"Reference: none at {reference_path} (write one with --save-reference)")
    if not clips_kb.AVAILABLE:
        out.append(clips_kb.MISSING)
    out += _agreement_lines(result)

    out += [
        "",
        "1. Consultations on the bundled KB (each timed alone; trace included for Pakar)",
        f"   {'mode':<10} {'engine':<24} {'cons/s':>9} {'median ms':>10} {'p99 ms':>9}  |"
        f" {'ref median':>10} {'now/ref':>8}",
    ]
    for mode in ("diagnosis", "screening"):
        rows = fig[mode]
        label = mode
        for name in ("pakar", "clips", "clips_api", "python", "python_exact"):
            if name not in rows:
                continue
            r = rows[name]
            ref_median = dig(ref, mode, name, "median_ms")
            out.append(
                f"   {label:<10} {NAMES[name]:<24} {per_s(r['per_s']):>9} {ms(r['median_ms']):>10}"
                f" {ms(r['p99_ms']):>9}  | {ms(ref_median):>10} {ratio(r['median_ms'], ref_median):>8}"
            )
            label = ""
        for name in ("clips", "clips_api", "python", "python_exact"):
            if name not in rows:
                continue
            now = rows["pakar"]["median_ms"] / rows[name]["median_ms"]
            then = None
            if dig(ref, mode, name, "median_ms"):
                then = dig(ref, mode, "pakar", "median_ms") / dig(ref, mode, name, "median_ms")
            out.append(
                f"   {'':<10} {'Pakar / ' + SHORT[name]:<24} {'':>9} {times(now):>10}"
                f" {'':>9}  | {times(then):>10} {ratio(now, then):>8}"
            )

    scaling = fig["scaling"]
    out += [
        "",
        "2. Scaling: diagnosis on synthetic KBs (N renamed copies of the bundled KB, read by kb.load)",
        f"   {'size':<6} {'symptoms':>8} {'rules':>6} {'hypotheses':>10} {'load ms':>9} {'Pakar build ms':>15}"
        f" {'CLIPS build ms':>15}  | {'ref build ms':>12} {'now/ref':>8}",
    ]
    for size, row in scaling.items():
        ref_build = dig(ref, "scaling", size, "build_ms")
        out.append(
            f"   {size:<6} {row['symptoms']:>8} {row['rules']:>6} {row['hypotheses']:>10}"
            f" {ms(row['load_ms']):>9} {ms(row['build_ms']):>15} {ms(row.get('clips_build_ms')):>15}"
            f"  | {ms(ref_build):>12} {ratio(row['build_ms'], ref_build):>8}"
        )
    for suffix, title in (
        ("", "200 consultations x 8 symptoms drawn from the whole KB (the target's workload)"),
        ("_block", "control: the bundled KB's consultations, each moved into one copy (the same rules fire)"),
    ):
        out.append(f"   median ms, {title}")
        out.append(
            f"   {'size':<6} {'Pakar ms':>9} {'growth':>7} {'CLIPS ms':>9} {'growth':>7} {'Python ms':>9}"
            f" {'growth':>7}  | {'ref Pakar ms':>12} {'now/ref':>8} {'ref growth':>10}"
        )
        for size, row in scaling.items():
            key = suffix if f"pakar{suffix}_median_ms" in row else ""  # 1x: the two workloads are the same
            ref_median = dig(ref, "scaling", size, f"pakar{key}_median_ms")
            out.append(
                f"   {size:<6} {ms(row[f'pakar{key}_median_ms']):>9} {times(row.get(f'pakar{key}_growth')):>7}"
                f" {ms(row.get(f'clips{key}_median_ms')):>9} {times(row.get(f'clips{key}_growth')):>7}"
                f" {ms(row[f'python{key}_median_ms']):>9} {times(row.get(f'python{key}_growth')):>7}  |"
                f" {ms(ref_median):>12} {ratio(row[f'pakar{key}_median_ms'], ref_median):>8}"
                f" {times(dig(ref, 'scaling', size, f'pakar{key}_growth')):>10}"
            )

    lg = fig["logging"]
    out += [
        "",
        "3. Experta logging trap: Pakar diagnosis with the root logger at INFO and a handler on a null stream",
        f"   normal median {ms(lg['normal_median_ms'])} ms, trapped {ms(lg['trapped_median_ms'])} ms:"
        f" ratio {lg['ratio']:.2f}, log records emitted {lg['records']}"
        f"  | ref ratio {format(dig(ref, 'logging', 'ratio'), '.2f') if dig(ref, 'logging', 'ratio') else '-'}",
    ]

    out += ["", "4. Targets", f"   {'target':<46} {'now':>9} {'limit':>7} {'result':>6}  | {'ref':>9} {'now/ref':>8}"]
    ref_targets = {t["id"]: t for t in reference.get("targets", [])} if reference else {}
    for t in result["targets"]:
        fmt = times if t["unit"] == "x" else (lambda v: "-" if v is None else f"{ms(v)} ms")
        limit = f"{t['limit']}{'x' if t['unit'] == 'x' else ' ms'}"
        verdict = "n/a" if t["pass"] is None else "PASS" if t["pass"] else "MISS"
        then = ref_targets.get(t["id"], {}).get("value")
        out.append(
            f"   {t['text']:<46} {fmt(t['value']):>9} {limit:>7} {verdict:>6}  | {fmt(then):>9}"
            f" {ratio(t['value'], then):>8}"
        )
    out += web_lines(fig.get("web"), ref.get("web"))
    out += production_lines(fig.get("production"), ref.get("production"))
    out += impact_lines(fig.get("impact"))
    return "\n".join(out)


def production_lines(fig: dict | None, ref: dict | None) -> list[str]:
    """Section 6: the production server on SQLite and PostgreSQL, 8 and 32 connections, both mixes, against
    issue 9's goal, with ratios against the reference run."""
    from bench.production import GOAL

    out = ["", "6. Production server (python -m webui.serving: nginx + gunicorn), every POST stored"]
    if not fig:
        return [*out, "   (not run)"]
    ref = ref or {}
    st, engine = fig["settings"], fig["engine"]
    out += [
        f"   {st['server']}; {st['warmup']} warm-up + {st['requests']} timed requests per series; {st['cpus']} CPUs;"
        f" mix: {st['mix']}",
        "   repeated = the mix sent over and over (the result memo answers); distinct = each request its own id"
        " (the engine runs every time)",
        f"   engine CPU a consultation: memo miss {ms(engine['miss_ms'])} ms, memo hit {ms(engine['hit_ms'])} ms"
        f"  | ref miss {ms(dig(ref, 'engine', 'miss_ms'))} ms",
        f"   goal: >= {GOAL['per_s']} cons/s, p99 <= {GOAL['p99_ms'][8]} ms at 8 and <= {GOAL['p99_ms'][32]} ms at"
        f" 32 connections, storage CPU <= {GOAL['storage_ms']} ms",
        f"   {'backend':<11} {'series':<12} {'cons/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms':>7} {'engine':>7}"
        f" {'storage':>8} {'rest':>6} {'client':>7} {'goal':>5}  | {'ref/s':>6} {'now/ref':>7} {'ref p99':>8}",
    ]
    for name, data in fig["backends"].items():
        if "skipped" in data:
            out.append(f"   {name:<11} skipped: {data['skipped']}")
            continue
        if "error" in data:
            out.append(f"   {name:<11} FAILED: {data['error']}")
            continue
        stored = data["storage"]
        for key, row in data["series"].items():
            then = dig(ref, "backends", name, "series", key) or {}
            concurrency = int(key.split("@")[1])
            met = row["per_s"] >= GOAL["per_s"] and row["p99_ms"] <= GOAL["p99_ms"].get(concurrency, float("inf"))
            split = row["split"]
            out.append(
                f"   {name:<11} {key:<12} {per_s(row['per_s']):>7} {ms(row['median_ms']):>8} {ms(row['p99_ms']):>8}"
                f" {ms(row['server_cpu_ms']):>7} {ms(split['engine_ms']):>7} {ms(split['storage_ms']):>8}"
                f" {ms(split['rest_ms']):>6} {ms(row['client_cpu_ms']):>7} {'met' if met else 'MISS':>5}"
                f"  | {per_s(then.get('per_s')):>6} {ratio(row['per_s'], then.get('per_s')):>7}"
                f" {ms(then.get('p99_ms')):>8}"
            )
            bad = {status: n for status, n in row["statuses"].items() if status != "201"}
            if bad:
                out.append(f"   {'':<11} NOT 201: {bad}")
        out.append(
            f"   {name:<11} storage alone (store.record): {ms(stored['cpu_ms'])} ms CPU,"
            f" {ms(stored['wall_ms'])} ms wall"
            f" ({'met' if stored['cpu_ms'] <= GOAL['storage_ms'] else 'MISS'})"
        )
    return out


WEB_ROWS = (
    ("web", "web: gunicorn + Flask + storage"),
    ("engine", "engine only: rules.consult, 1 thread"),
    ("storage", "storage alone: store.record, 1 thread"),
    ("null", "harness floor: null app, same server"),
)


def _cpu(row: dict):
    """CPU ms per consultation: the server's for the rows served by gunicorn, this process's otherwise."""
    return row.get("server_cpu_ms", row.get("cpu_ms"))


def web_lines(fig: dict | None, ref: dict | None) -> list[str]:
    """Section 5: the web figures beside the engine-only one, with ratios against the reference run."""
    out = ["", "5. Through the web: POST /api/v1/consultations under gunicorn, beside the engine alone"]
    if not fig:
        return [*out, "   (not run)"]
    if "error" in fig:
        return out + ["   FAILED: " + line for line in fig["error"].splitlines()]
    ref = ref if ref and "error" not in ref else {}
    st = fig["settings"]
    threads = f" x {st['threads']} threads" if st["worker_class"] == "gthread" else ""
    load_avg = "-" if st.get("load_average") is None else f"{st['load_average']:.2f}"
    out += [
        f"   gunicorn: {st['workers']} {st['worker_class']} workers{threads}; load generator in its own process,"
        f" {st['concurrency']} connections; {st['warmup']} warm-up + {st['requests']} timed requests;"
        f" load average {load_avg} at start",
        f"   mix: {st['mix']}; every POST stores its row ({st['database']})"
        + (f"; reference figures of {ref['date']}" if ref.get("date") else ""),
        f"   {'series':<40} {'cons/s':>8} {'median ms':>10} {'p99 ms':>9} {'CPU ms':>7}  |"
        f" {'ref cons/s':>10} {'now/ref':>8} {'ref median':>10} {'now/ref':>8}",
    ]
    for key, label in WEB_ROWS:
        row, then = fig[key], ref.get(key, {})
        out.append(
            f"   {label:<40} {per_s(row['per_s']):>8} {ms(row['median_ms']):>10} {ms(row['p99_ms']):>9}"
            f" {ms(_cpu(row)):>7}  | {per_s(then.get('per_s')):>10} {ratio(row['per_s'], then.get('per_s')):>8}"
            f" {ms(then.get('median_ms')):>10} {ratio(row['median_ms'], then.get('median_ms')):>8}"
        )
    now, then = fig["ratios"], ref.get("ratios", {})
    out.append(
        f"   {'web / engine':<40} {times(now['per_s']):>8} {times(now['median']):>10} {'':>9}"
        f" {times(now['cost']):>7}  | {times(then.get('per_s')):>10} {ratio(now['per_s'], then.get('per_s')):>8}"
        f" {times(then.get('median')):>10} {ratio(now['median'], then.get('median')):>8}"
    )
    b, web, stored = fig["breakdown"], fig["web"], fig["storage"]
    out.append(
        f"   server CPU a consultation, ms: {ms(b['server_ms'])} = engine {ms(b['engine_ms'])} + storage"
        f" {ms(b['storage_ms'])} + HTTP and gunicorn {ms(b['http_ms'])} (null app) + Flask, JSON and the rest"
        f" {ms(b['rest_ms'])}; the load generator takes {ms(web['client_cpu_ms'])} more on the same cores"
    )
    out.append(
        f"   storage: {ms(stored['mean_ms'])} ms wall for {ms(stored['cpu_ms'])} ms CPU (the rest waits for"
        f" the disk's commit); latency at {st['concurrency']} connections on {st['workers']} workers"
        f" includes waiting for a free worker"
    )
    out.append(
        f"   answered 201: web {web['ok']}/{web['count']}, harness {fig['null']['ok']}/{fig['null']['count']};"
        f" rows stored {web['stored']} for {web['posted']} POSTs (warm-up included)"
    )
    bad = {status: n for status, n in web["statuses"].items() if status != "201"}
    if bad:
        out.append(f"   NOT 201: {bad}")
    return out


def profile_lines(log) -> list[str]:
    """Section 6 (--profile): cProfile of Pakar's diagnosis on the bundled KB, and on 100x (control workload)."""
    import tempfile

    import kb as kb_pkg
    from bench import costs, synthetic, workloads
    from rules.engine.engines import build_engine

    log("profiling Pakar diagnosis (bundled KB, then 1x and 100x synthetic)")
    base = kb_pkg.load()
    work = workloads.diagnosis(base)
    rounds = 3
    stats = costs.profile(build_engine(base, "diagnosis").consult, work, rounds)
    lines = ["6. Where Pakar's diagnosis time goes (cProfile, bundled KB; shares are indicative)"]
    lines += costs.report(stats, len(work) * rounds)
    by_size = {}
    with tempfile.TemporaryDirectory(prefix="pakar-bench-") as tmp:
        for factor in (1, suite.SCALES[-1]):
            scaled = synthetic.load(f"{tmp}/x{factor}", factor, base)
            by_size[factor] = costs.profile(
                build_engine(scaled, "diagnosis").consult, synthetic.one_block(work, factor), rounds
            )
    lines.append(f"   growth 1x -> {suite.SCALES[-1]}x, the same consultations (control workload):")
    lines += costs.growth(by_size[1], by_size[suite.SCALES[-1]], len(work) * rounds)
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Pakar benchmark: Pakar vs CLIPS vs plain"
        " Python, scaling, logging trap; figures beside a reference run.",
    )
    parser.add_argument("--quick", action="store_true", help="few iterations (a smoke test; noisy figures)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    parser.add_argument("--save-reference", action="store_true", help="write the figures as the reference run")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="then profile Pakar's diagnosis (bundled KB, and what grows at 100x) with cProfile",
    )
    parser.add_argument(
        "--web-workers", type=int, metavar="N", help="gunicorn workers for the web section (default: one per CPU core)"
    )
    parser.add_argument(
        "--web-worker-class",
        choices=("sync", "gthread"),
        help="gunicorn worker class for the"
        " web section (default: sync, gunicorn's own default and the README's production command)",
    )
    parser.add_argument(
        "--reference",
        metavar="FILE",
        default=str(DEFAULT_REFERENCE),
        help="reference file to compare with / save to (default: bench/reference.json)",
    )
    args = parser.parse_args(argv)
    if not clips_kb.AVAILABLE:
        print(clips_kb.MISSING, file=sys.stderr)
    reference_path = Path(args.reference)
    reference = json.loads(reference_path.read_text(encoding="utf-8")) if reference_path.is_file() else None

    def log(message):
        print(f"bench: {message}", file=sys.stderr, flush=True)

    settings = suite.QUICK if args.quick else suite.FULL
    web_changes = {
        name: value for name, value in (("workers", args.web_workers), ("worker_class", args.web_worker_class)) if value
    }
    if web_changes:
        settings = dataclasses.replace(settings, web=dataclasses.replace(settings.web, **web_changes))
    result = suite.run(settings, log)
    try:
        shown = str(reference_path.resolve().relative_to(Path.cwd()))
    except ValueError:
        shown = str(reference_path)
    print(render(result, reference, shown))
    if args.profile:
        print("\n".join(["", *profile_lines(log)]))
    text = json.dumps(result, indent=2, sort_keys=True) + "\n"
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")
    if args.save_reference:
        reference_path.write_text(text, encoding="utf-8")
        print(f"\nReference saved to {shown}")
    # The bench never fails on time, but a web app that does not serve is a failure.
    return 1 if "error" in result["figures"]["web"] else 0


if __name__ == "__main__":
    sys.exit(main())

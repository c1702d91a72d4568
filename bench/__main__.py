"""`make bench`: Shopper's speed as ratios against the floor of its stack.

Every figure is the median of several runs after a warm-up, next to the same
work done by the bare stack (a bare PySide6 window, a raw sqlite3 commit, the
raw SQL query, bare reportlab) in the same run, so a busy machine slows both.
Prints one table and writes bench/results.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.measure import Figure, median, p99, paired, ratio_figure, timed
from bench.sync import sync_figures
from bench.team import team_figures

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["SHOPPER_HEADLESS"] = "1"

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"


# -- set-up ----------------------------------------------------------------------


def make_demo(folder: Path, audits: int) -> float:
    """Run `shopper demo` as a user would; returns its wall time in ms."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "shopper",
            "--data-dir",
            str(folder),
            "demo",
            "--audits",
            str(audits),
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
        env=child_env(),
    )
    return (time.perf_counter() - start) * 1000


CACHE = ROOT / "bench" / ".cache"
"""Demo databases kept between runs (ignored by git), one folder per size and code version."""


def child_env() -> dict[str, str]:
    """The environment of the processes timed: Python's compiled modules kept (in the
    cache folder), as an installed Shopper has them, even where PYTHONDONTWRITEBYTECODE
    would have every start compile the whole package from source again."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"PYTHONPYCACHEPREFIX": str(CACHE / "pycache")}


def code_version() -> str:
    """A digest of every file of the package: a change to the demo, the schema or the
    templates makes a new database."""
    digest = hashlib.sha256()
    package = ROOT / "shopper"
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass
class Demo:
    folder: Path
    audits: int
    built_ms: float
    """How long `shopper demo` took to build it (in this run, or when it was cached)."""
    cached: bool


def demo_database(work: Path, audits: int, *, use_cache: bool) -> Demo:
    """A fresh copy in `work` of the demo database of `audits` audits, built by `shopper demo`
    once per code version (with `use_cache`) or in this run."""
    target = work / f"demo{audits}"
    if not use_cache:
        return Demo(target, audits, make_demo(target, audits), cached=False)
    version = code_version()
    kept = CACHE / f"demo-{audits}-{version}"
    facts = kept / "built.json"
    cached = facts.exists()
    if not cached:
        for stale in CACHE.glob(f"demo-{audits}-*"):
            shutil.rmtree(stale, ignore_errors=True)
        building = CACHE / f"building-{audits}-{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        built_ms = make_demo(building / "data", audits)
        (building / "built.json").write_text(
            json.dumps({"ms": built_ms, "taken": datetime.now(UTC).isoformat(timespec="seconds")}),
            encoding="utf-8",
        )
        building.rename(kept)
    built_ms = json.loads(facts.read_text(encoding="utf-8"))["ms"]
    # Every run starts from the same database: the figures write to theirs.
    shutil.copytree(kept / "data", target, ignore=shutil.ignore_patterns("*.lock", ".running-*"))
    return Demo(target, audits, built_ms, cached)


# -- figures ---------------------------------------------------------------------


@dataclass
class Start:
    painted_ms: float
    ready_ms: float
    rss_mb: float
    opened_ms: float
    """The database layer loaded and the lists read through it (bench.startup's "open")."""


def startup_ms(mode: str, data_dir: Path) -> Start:
    """First paint, ready and peak RSS of one fresh process (see bench.startup)."""
    from shopper.store.engine import SQLITE_PRAGMAS

    start = time.time()
    out = subprocess.run(
        [sys.executable, "-m", "bench.startup", mode, str(data_dir), *SQLITE_PRAGMAS],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(),
    ).stdout.split()
    painted, ready, rss, opened = (float(value) for value in out[:4])
    if painted < 0 or ready < 0:
        raise RuntimeError(f"{mode} never painted or never got ready")
    return Start((painted - start) * 1000, (ready - start) * 1000, rss, (opened - start) * 1000)


def startup_figures(demos: list[Demo], runs: int) -> list[Figure]:
    """First paint, ready and memory: fresh processes, ours and the floors in turn, so a
    busy moment on the machine hits all three; the first round warms the disk cache."""
    figures = []
    for demo in demos:
        size = "empty database" if demo.audits == 0 else f"{demo.audits:,} audits"
        rounds = [
            (
                startup_ms("app", demo.folder),
                startup_ms("ready-floor", demo.folder),
                startup_ms("floor", demo.folder),
            )
            for _ in range(runs + 1)
        ][1:]
        ours = [app for app, _ready, _bare in rounds]
        ready_floor = [ready for _app, ready, _bare in rounds]
        bare = [bare for _app, _ready, bare in rounds]
        if demo.audits in (0, max(d.audits for d in demos)):
            figures.append(
                spread(
                    ratio_figure(
                        f"start-up to first paint, {size}",
                        median([o.painted_ms for o in ours]),
                        median([b.painted_ms for b in bare]),
                        1.5,
                    ),
                    [o.painted_ms / b.painted_ms for o, b in zip(ours, bare, strict=True)],
                )
            )
        figures.append(
            spread(
                ratio_figure(
                    f"ready (database open, lists filled), {size}",
                    median([o.ready_ms for o in ours]),
                    median([r.ready_ms for r in ready_floor]),
                    3,
                ),
                [o.ready_ms / r.ready_ms for o, r in zip(ours, ready_floor, strict=True)],
            )
        )
        figures.append(
            Figure(
                f"open (database layer loaded, lists read through it), {size}",
                median([o.opened_ms for o in ours]),
                median([r.ready_ms for r in ready_floor]),
                "none (for the record)",
                True,
                "after ready: the menus and every action need it; clicks made before wait",
            )
        )
        if demo.audits == max(d.audits for d in demos):
            rss = median([o.rss_mb for o in ours])
            figures.append(
                Figure(
                    f"memory with {size} on the main window (MB)",
                    rss,
                    median([b.rss_mb for b in bare]),
                    "under 250 MB",
                    rss < 250,
                    "values are MB (peak RSS), not ms; the floor is a bare window",
                )
            )
    return figures


def spread(figure: Figure, ratios: list[float]) -> Figure:
    """Note the lowest and highest ratio of the runs paired one by one."""
    figure.note = f"ratios {min(ratios):.2f}-{max(ratios):.2f} over {len(ratios)} runs"
    return figure


def save_answer_figures(big: Path, answers: int) -> list[Figure]:
    from shopper.services.audits import start_audit
    from shopper.services.context import AppContext
    from shopper.services.runner import AuditRunner
    from shopper.services.templates import list_templates
    from shopper.store.engine import SQLITE_PRAGMAS

    folder = Path(tempfile.mkdtemp(prefix="bench-save-"))
    shutil.copytree(big, folder, dirs_exist_ok=True)
    ctx = AppContext.open(folder)
    phone = next(t for t in list_templates(engine=ctx.engine, touchpoint="phone") if t.builtin)
    from shopper.services.companies import list_companies

    company = list_companies(engine=ctx.engine)[0]
    audit = start_audit(engine=ctx.engine, company_id=company.id, template_id=phone.id)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
    counter = iter(range(10**9))
    # The floor on a connection of its own, beside the engine's (one writer at a time):
    # the two alternate, so a busy disk (fsync) on the shared machine slows both alike.
    raw = sqlite3.connect(folder / "shopper.db", isolation_level=None)
    for pragma in SQLITE_PRAGMAS:
        raw.execute(pragma)
    now = datetime.now(UTC).isoformat()

    def raw_save() -> None:
        raw.execute("BEGIN")
        raw.execute(
            "INSERT OR REPLACE INTO answer (audit_id, item_id, value, note, answered_at, "
            "answered_tz, source) VALUES (?, ?, ?, '', ?, 'UTC', 'shopper')",
            (audit.id, "overall", str(1 + next(counter) % 5), now),
        )
        raw.execute("COMMIT")

    ours, floor = paired(
        lambda: runner.set_answer("overall", 1 + next(counter) % 5), raw_save, answers, warmup=20
    )
    raw.close()
    ctx.close()
    shutil.rmtree(folder, ignore_errors=True)
    return [
        ratio_figure("save one answer (median)", median(ours), median(floor), 1.5),
        ratio_figure("save one answer (p99)", p99(ours), p99(floor), 2),
    ]


def audit_list_figure(big: Path, runs: int) -> Figure:
    from shopper.services.audits import list_audits
    from shopper.services.context import AppContext

    ctx = AppContext.open(big)
    raw = sqlite3.connect(big / "shopper.db")
    sql = (
        "SELECT a.id, a.company_id, c.name, a.touchpoint, t.title, a.template_id, "
        "a.template_version, a.shopper, a.status, a.started_at, a.started_tz, a.completed_at, "
        "a.score_percent, a.verdict, a.passed, a.critical_failures, a.answered, a.visible "
        "FROM audit a JOIN company c ON c.id = a.company_id JOIN template_version t "
        "ON t.template_id = a.template_id AND t.version = a.template_version "
        "ORDER BY a.started_at DESC, a.id"
    )
    ours, floor = paired(
        lambda: list_audits(engine=ctx.engine), lambda: raw.execute(sql).fetchall(), runs
    )
    raw.close()
    ctx.close()
    return ratio_figure("audits list, 10,000 audits", median(ours), median(floor), 3)


def compare_figure(big: Path, runs: int) -> Figure:
    """Compare the newest 50 audits of the company and touchpoint with the most."""
    from shopper.services.compare import compare_pair
    from shopper.services.context import AppContext

    raw = sqlite3.connect(big / "shopper.db")
    company_id, touchpoint = raw.execute(
        "SELECT company_id, touchpoint FROM audit WHERE status = 'completed' "
        "GROUP BY company_id, touchpoint ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    ids_sql = (
        "SELECT id FROM audit WHERE company_id = ? AND touchpoint = ? AND status = 'completed' "
        "ORDER BY started_at DESC LIMIT 50"
    )

    # The floor scores too (issue 18): a plain loop that sums weighted points per audit,
    # with the items' weights read once from the templates (a yes earns the weight, a
    # number its fraction of 5: the shape of the work, not our scoring rules).
    from shopper.services.templates import get_template

    ctx = AppContext.open(big)
    weights = {}
    for template_id, version in raw.execute(
        "SELECT DISTINCT template_id, template_version FROM audit"
    ).fetchall():
        template = get_template(engine=ctx.engine, template_id=template_id, version=version)
        weights.update({item.id: item.weight for item in template.items()})
    ctx.close()

    def floor_work() -> dict[str, float]:
        ids = [row[0] for row in raw.execute(ids_sql, (company_id, touchpoint))]
        marks = ",".join("?" * len(ids))
        rows = raw.execute(
            f"SELECT audit_id, item_id, value, note FROM answer WHERE audit_id IN ({marks})", ids
        ).fetchall()
        points: dict[str, float] = dict.fromkeys(ids, 0.0)
        for audit_id, item_id, value, _note in rows:
            weight = weights.get(item_id, 1.0)
            answer = json.loads(value)
            if answer == "yes":
                points[audit_id] += weight
            elif isinstance(answer, int | float):
                points[audit_id] += weight * min(float(answer), 5.0) / 5
        return points

    ctx = AppContext.open(big)
    compare_pair(engine=ctx.engine, company_id=company_id, touchpoint=touchpoint, last=50)
    ours, floor = paired(
        lambda: compare_pair(
            engine=ctx.engine, company_id=company_id, touchpoint=touchpoint, last=50
        ),
        floor_work,
        runs,
    )
    ctx.close()
    raw.close()
    figure = ratio_figure("compare 50 audits of one company", median(ours), median(floor), 3)
    figure.target += ", under 50 ms"
    figure.met = figure.met and median(ours) < 50
    return figure


PDF_TEMPLATE_HEAD = """\
format: 1
id: 5f0c2a55-0d7e-4b35-9f4e-b3a1c3d2e100
version: 1
title: Bench, sixty items
touchpoint: store
sections:
"""


def _sixty_item_template(folder: Path) -> Path:
    lines = [PDF_TEMPLATE_HEAD]
    for section in range(6):
        lines.append(f"  - id: s{section}\n    title: Section {section + 1}\n    items:\n")
        for item in range(10):
            lines.append(
                f"      - {{id: q{section}_{item}, prompt: 'Was point {item + 1} of part "
                f"{section + 1} as the customer would expect it?', type: yes_no, weight: 2}}\n"
            )
    path = folder / "sixty.yaml"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _photos(folder: Path, count: int) -> list[Path]:
    from PIL import Image, ImageDraw

    paths = []
    for number in range(count):
        image = Image.new("RGB", (2400, 1800), (40 + 20 * number, 90, 140))
        draw = ImageDraw.Draw(image)
        for y in range(0, 1800, 40):
            draw.line([(0, y), (2400, 1800 - y)], fill=(255, 255 - 10 * number, 200), width=9)
        path = folder / f"photo{number}.jpg"
        image.save(path, "JPEG", quality=88)
        paths.append(path)
    return paths


def pdf_figure(big: Path, runs: int) -> Figure:
    """A 60-item audit with notes and 10 photos, against bare reportlab on the same content."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Image as RLImage
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    from shopper.services.audits import start_audit
    from shopper.services.companies import CompanyInput, create_company
    from shopper.services.context import AppContext
    from shopper.services.reports import make_audit_report
    from shopper.services.runner import AuditRunner
    from shopper.services.templates import import_template_file

    work = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    ctx = AppContext.open(work / "data")
    template = import_template_file(engine=ctx.engine, path=_sixty_item_template(work))
    company = create_company(engine=ctx.engine, data=CompanyInput(name="Bench Stores"))
    audit = start_audit(engine=ctx.engine, company_id=company.id, template_id=template.id)
    runner = AuditRunner(engine=ctx.engine, audit_id=audit.id)
    photos = _photos(work, 10)
    items = list(template.items())
    for number, item in enumerate(items):
        runner.set_answer(item.id, "no" if number % 4 == 0 else "yes")
        runner.set_note(
            item.id, f"Observation {number + 1}: the shelf label and the price differed."
        )
    for number, photo in enumerate(photos):
        runner.attach(
            data_dir=ctx.data_dir,
            data=photo.read_bytes(),
            filename=photo.name,
            item_id=items[4 * number].id,
        )
    out = work / "ours.pdf"

    def ours_work() -> None:
        make_audit_report(engine=ctx.engine, audit_id=audit.id, out_path=out, data_dir=ctx.data_dir)

    styles = getSampleStyleSheet()

    def bare() -> None:
        story: list[Any] = [Paragraph("Bench Stores — audit", styles["Title"])]
        for number, item in enumerate(items):
            story.append(Paragraph(item.prompt, styles["Heading4"]))
            story.append(
                Paragraph(
                    f"Observation {number + 1}: the shelf label and the price differed.",
                    styles["BodyText"],
                )
            )
            if number % 4 == 0 and number // 4 < len(photos):
                story.append(RLImage(str(photos[number // 4]), width=240, height=180))
        rows = [["#", "Item", "Answer", "Note"]] + [
            [
                str(n + 1),
                Paragraph(it.prompt, styles["BodyText"]),
                "No" if n % 4 == 0 else "Yes",
                Paragraph("Observation", styles["BodyText"]),
            ]
            for n, it in enumerate(items)
        ]
        story.append(Table(rows, repeatRows=1, colWidths=[24, 260, 50, 120]))
        SimpleDocTemplate(str(work / "bare.pdf"), pagesize=A4).build(story)

    ours, floor = paired(ours_work, bare, runs)
    ctx.close()
    shutil.rmtree(work, ignore_errors=True)
    return ratio_figure("PDF: 60-item audit with 10 photos", median(ours), median(floor), 1.5)


def import_figure(big: Path, runs: int) -> Figure:
    """Import a bundle of 1,000 audits into an empty database, against raw inserts."""
    from shopper.services.bundles import export_bundle, import_bundle
    from shopper.services.context import AppContext

    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    source = AppContext.open(big)
    ids = [
        row[0]
        for row in source.engine.raw_connection().execute(
            "SELECT id FROM audit ORDER BY started_at LIMIT 1000"
        )
    ]
    bundle = work / "thousand.shopper"
    export_bundle(engine=source.engine, data_dir=source.data_dir, path=bundle, audit_ids=ids)
    source.close()

    counter = iter(range(10**6))
    # Each run imports into a fresh, already opened empty database: only the import is timed.
    contexts = iter([AppContext.open(work / f"ours{n}") for n in range(runs + 1)])  # + warm-up

    def ours_work() -> None:
        ctx = next(contexts)
        import_bundle(engine=ctx.engine, data_dir=ctx.data_dir, path=bundle)
        ctx.close()

    # The floor: the same rows, read from the big database, inserted raw into an
    # empty database of the same schema (created once; each run into a fresh copy).
    template_db = work / "empty"
    AppContext.open(template_db).close()
    raw_source = sqlite3.connect(big / "shopper.db")
    marks = ",".join("?" * len(ids))
    tables = {
        "company": raw_source.execute(
            "SELECT * FROM company WHERE id IN "
            f"(SELECT company_id FROM audit WHERE id IN ({marks}))",
            ids,
        ).fetchall(),
        "audit": raw_source.execute(f"SELECT * FROM audit WHERE id IN ({marks})", ids).fetchall(),
        "answer": raw_source.execute(
            f"SELECT * FROM answer WHERE audit_id IN ({marks})", ids
        ).fetchall(),
        "audit_event": raw_source.execute(
            f"SELECT * FROM audit_event WHERE audit_id IN ({marks})", ids
        ).fetchall(),
        "moment": raw_source.execute(
            f"SELECT * FROM moment WHERE audit_id IN ({marks})", ids
        ).fetchall(),
    }
    raw_source.close()

    def floor_work() -> None:
        target = work / f"floor{next(counter)}.db"
        shutil.copyfile(template_db / "shopper.db", target)
        raw = sqlite3.connect(target, isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=FULL")
        raw.execute("BEGIN")
        for table, rows in tables.items():
            if rows:
                raw.executemany(
                    f"INSERT OR IGNORE INTO {table} VALUES ({','.join('?' * len(rows[0]))})", rows
                )
        raw.execute("COMMIT")
        raw.close()

    ours, floor = paired(ours_work, floor_work, runs)
    shutil.rmtree(work, ignore_errors=True)
    return ratio_figure("import a bundle of 1,000 audits", median(ours), median(floor), 3)


def hostile_bundle_figure(big: Path, runs: int) -> Figure:
    """Refusing a bundle of 99,999 members whose last two share a name (once quadratic)."""
    import warnings
    import zipfile

    from shopper.services.bundle_zip import BundleError
    from shopper.services.bundles import import_into
    from shopper.services.context import AppContext

    bundle = big.parent / "duplicate-members.shopper"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(bundle, "w", zipfile.ZIP_STORED) as archive:
            for n in range(99_998):
                archive.writestr(f"pad/{n}.json", b"")
            archive.writestr("pad/99997.json", b"")
    ctx = AppContext.open(big.parent / "hostile")

    def refuse() -> None:
        try:
            import_into(ctx, bundle)
        except BundleError:
            return
        raise AssertionError("the bundle was not refused")

    try:
        ms = median(timed(refuse, max(2, runs // 2)))
    finally:
        ctx.close()
    return Figure("refuse a bundle of 99,999 members, two alike", ms, None, "under 5 s", ms < 5000)


def demo_figure(demo: Demo) -> Figure:
    return Figure(
        f"shopper demo --audits {demo.audits}",
        demo.built_ms,
        None,
        "under 60 s",
        demo.built_ms < 60_000,
        "built for this code version in an earlier run (cached)" if demo.cached else "",
    )


# -- output ----------------------------------------------------------------------


def print_table(figures: list[Figure]) -> None:
    header = f"{'figure':<52} {'ours':>10} {'floor':>10} {'ratio':>7}  {'target':<24} met"
    print(header)
    print("-" * len(header))
    for f in figures:
        floor = f"{f.floor_ms:10.1f}" if f.floor_ms is not None else f"{'—':>10}"
        ratio = f"{f.ratio:7.2f}" if f.ratio is not None else f"{'—':>7}"
        print(
            f"{f.name:<52} {f.ours_ms:10.1f} {floor} {ratio}  {f.target:<24} "
            f"{'yes' if f.met else 'NO '}  {f.note}".rstrip()
        )
    print("\nTimes in ms (memory in MB); each the median of several runs after a warm-up.")


def all_figures(args: argparse.Namespace) -> list[Figure]:
    work = Path(tempfile.mkdtemp(prefix="shopper-bench-"))
    figures: list[Figure] = []
    try:
        empty = demo_database(work, 0, use_cache=False)
        big = demo_database(work, args.audits, use_cache=not args.no_cache)
        huge = demo_database(work, args.huge_audits, use_cache=not args.no_cache)
        figures += [demo_figure(big), demo_figure(huge)]
        figures += startup_figures([empty, big, huge], args.runs)
        figures += work_figures(big.folder, args)
        figures += team_figures(args.runs, args.answers, args.team_audits)
        figures += sync_figures(args.sync_runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def work_figures(big: Path, args: argparse.Namespace) -> list[Figure]:
    """Saving, the list, comparing, the PDF, importing: against their floors in-process."""
    figures = save_answer_figures(big, args.answers)
    figures.append(audit_list_figure(big, args.runs))
    figures.append(compare_figure(big, args.runs))
    figures.append(pdf_figure(big, args.runs))
    figures.append(import_figure(big, max(2, args.runs // 2)))
    for extra in EXTRA_FIGURES:
        figures.append(extra(big, args.runs))
    return figures


def startup_only(args: argparse.Namespace) -> list[Figure]:
    work = Path(tempfile.mkdtemp(prefix="shopper-bench-"))
    try:
        demos = [
            demo_database(work, 0, use_cache=False),
            demo_database(work, args.audits, use_cache=not args.no_cache),
            demo_database(work, args.huge_audits, use_cache=not args.no_cache),
        ]
        return [demo_figure(d) for d in demos[1:]] + startup_figures(demos, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def work_only(args: argparse.Namespace) -> list[Figure]:
    work = Path(tempfile.mkdtemp(prefix="shopper-bench-"))
    try:
        big = demo_database(work, args.audits, use_cache=not args.no_cache)
        return work_figures(big.folder, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_results(figures: list[Figure], *, only: bool) -> None:
    """Write bench/results.json; with `only`, the figures measured replace theirs there and
    the others are kept as they were."""
    found = [asdict(f) | {"ratio": f.ratio} for f in figures]
    if only and RESULTS.exists():
        kept = json.loads(RESULTS.read_text(encoding="utf-8"))["figures"]
        names = {f["name"] for f in found}
        old = [f for f in kept if f["name"] not in names]
        found = old + found
    RESULTS.write_text(
        json.dumps(
            {
                "taken": datetime.now(UTC).isoformat(timespec="seconds"),
                "python": sys.version.split()[0],
                "sqlite": sqlite3.sqlite_version,
                "figures": found,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"Written to {RESULTS.relative_to(ROOT)}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument("--runs", type=int, default=7, help="runs per figure (default 7)")
    parser.add_argument("--answers", type=int, default=1000, help="answers to save (default 1000)")
    parser.add_argument("--audits", type=int, default=10_000, help="audits in the big database")
    parser.add_argument(
        "--huge-audits",
        type=int,
        default=100_000,
        help="audits in the largest database (start-up and memory only; default 100,000)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="build the demo databases in this run, not from bench/.cache",
    )
    parser.add_argument(
        "--team-audits", type=int, default=100_000, help="audits in the team database's list"
    )
    parser.add_argument(
        "--sync-runs", type=int, default=5, help="runs of the sync figure, each ~15 s (default 5)"
    )
    parser.add_argument(
        "--only",
        choices=("startup", "work", "sync", "team"),
        help="run only these figures: startup (first paint, ready, memory, the demo), work"
        " (saving, the list, comparing, PDF, import), sync (500 audits pushed) or team (the"
        " team database's); they replace theirs in bench/results.json, the others are kept",
    )
    args = parser.parse_args()
    if args.only == "startup":
        figures = startup_only(args)
    elif args.only == "work":
        figures = work_only(args)
    elif args.only == "sync":
        figures = sync_figures(args.sync_runs)
    elif args.only == "team":
        figures = team_figures(args.runs, args.answers, args.team_audits)
    else:
        figures = all_figures(args)
    print_table(figures)
    write_results(figures, only=args.only is not None)
    return 0 if all(f.met for f in figures) else 1


EXTRA_FIGURES: list[Callable[[Path, int], Figure]] = [hostile_bundle_figure]
"""Figures of features measured against their own floors (comparison, PDF, import)."""


if __name__ == "__main__":
    sys.exit(main())

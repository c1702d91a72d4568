"""Reading a bundle's JSON members: every field checked, answers against their templates.

`read_bundle` turns an opened `BundleArchive` into rows ready to insert, or
refuses the bundle naming the member and the field at fault. Scores are
computed here from the answers, never taken from the bundle.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shopper.domain.answers import normalize_answer
from shopper.domain.business_hours import holidays_problem, hours_problem
from shopper.domain.clock import is_valid_zone, now_utc
from shopper.domain.errors import AnswerError, TemplateError
from shopper.domain.instruments import MAX_STEP_DATA, Instrument, step_data_problem
from shopper.domain.scoring import SummaryScorer, score_audit
from shopper.domain.template import Template
from shopper.domain.template_loader import MAX_VERSION, load_template_bytes
from shopper.domain.vocabulary import AnswerSource, AuditStatus, MomentKind
from shopper.services.bundle_zip import BundleArchive, BundleError
from shopper.services.evidence import EXTENSIONS, MAX_EVIDENCE_BYTES
from shopper.services.runner import MAX_NOTE, STEP_KINDS
from shopper.store import exchange
from shopper.store.tables import to_json

Progress = Callable[[int, int], None]
_PART = re.compile(r"^audits/\d{4,6}\.json$")
_EVIDENCE = re.compile(r"^evidence/([0-9a-f]{64})$")
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
PLAUSIBLE_AHEAD = timedelta(days=1)


@dataclass
class BundleAudit:
    rows: exchange.AuditRows
    company_id: str
    template_key: tuple[str, int]
    updated_at: datetime
    evidence: set[tuple[str, str, str]]
    """(sha256, extension, kind) of every evidence row."""


@dataclass
class BundleContent:
    companies: dict[str, dict[str, Any]] = field(default_factory=dict)
    templates: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)
    audits: list[BundleAudit] = field(default_factory=list)
    actions: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The action plan of the bundle's companies, read by `shopper.services.bundle_actions`."""
    created_at: str = ""
    app_version: str = ""
    stored_times: exchange.KnownTimes = field(
        default_factory=exchange.KnownTimes, compare=False, repr=False
    )
    """What the database stores of the audits' times read from canonical text (the quick
    reading's): written as their own text, not formatted again."""


class _Fields:
    """Typed access to one JSON object, with errors naming the member and the field."""

    def __init__(self, archive: BundleArchive, data: Any, where: str, latest: datetime) -> None:
        self.archive = archive
        self.where = where
        self.latest = latest
        """The latest time a bundle may carry: a day after the import (clocks differ)."""
        if not isinstance(data, dict):
            raise archive.fail(f"{where}: expected an object")
        self.data: dict[str, Any] = data

    def child(self, data: Any, where: str) -> _Fields:
        return _Fields(self.archive, data, where, self.latest)

    def fail(self, key: str, message: str) -> BundleError:
        return self.archive.fail(f"{self.where}.{key}: {message}")

    def text(self, key: str, limit: int, *, optional: bool = False) -> Any:
        value = self.data.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.fail(key, "expected text")
        if len(value) > limit:
            raise self.fail(key, f"longer than {limit:,} characters")
        return value

    def ident(self, key: str, *, optional: bool = False) -> Any:
        value = self.text(key, 64, optional=optional)
        if value is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}", value):
            raise self.fail(key, f"{value[:40]!r} is not a valid id")
        return value

    def integer(self, key: str, low: int = 0, high: int = 2**31) -> int:
        value = self.data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.fail(key, f"expected a whole number from {low} to {high}")
        return value

    def time(self, key: str, *, optional: bool = False) -> Any:
        value = self.data.get(key)
        if value is None and optional:
            return None
        try:
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
            if moment is not None and moment.tzinfo is not None:
                moment = moment.astimezone(UTC)
        except (ValueError, OverflowError):  # 0001-01-01T00:00+14:00 is before year 1 in UTC
            moment = None
        if moment is None or moment.tzinfo is None:
            raise self.fail(key, "expected a date-time with its UTC offset")
        if not EARLIEST <= moment <= self.latest:
            raise self.fail(
                key,
                f"{str(value)[:40]} is not a plausible time (before 2000, or later than a day "
                "from now)",
            )
        return moment

    def zone(self, key: str, *, optional: bool = False) -> Any:
        value = self.text(key, 64, optional=optional)
        if value is not None and not is_valid_zone(value):
            raise self.fail(key, f"unknown time zone {value!r}")
        return value

    def choice(self, key: str, allowed: Iterable[str]) -> str:
        value = self.data.get(key)
        options = list(allowed)
        if value not in options:
            raise self.fail(key, f"{str(value)[:40]!r} is not one of {', '.join(options)}")
        return str(value)

    def objects(self, key: str) -> list[_Fields]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.fail(key, "expected a list")
        return [self.child(v, f"{self.where}.{key}[{i}]") for i, v in enumerate(value)]


def read_bundle(
    archive: BundleArchive, progress: Progress | None = None, *, now: datetime | None = None
) -> BundleContent:
    """Parse and check every JSON member; evidence is only checked to be present.

    Args:
        archive: the opened bundle.
        progress: called with (done, total).
        now: the time of the import; no time in the bundle may be more than a day later.

    Raises:
        BundleError: the first fault, naming the member and field.
    """
    report = progress or (lambda _done, _total: None)
    latest = (now or now_utc()) + PLAUSIBLE_AHEAD
    names = archive.names()
    parts = sorted(n for n in names if _PART.match(n))
    content = BundleContent(
        created_at=str(archive.manifest.get("created_at", ""))[:40],
        app_version=str(archive.manifest.get("app_version", ""))[:40],
    )
    for required in ("companies.json", "templates.json"):
        if required not in names:
            raise archive.fail(f"not a Shopper bundle (no {required})")
    companies = _Fields(archive, archive.json("companies.json"), "companies.json", latest)
    for company in companies.objects("companies"):
        record = _company(company)
        content.companies[record["id"]] = record
    templates = _Fields(archive, archive.json("templates.json"), "templates.json", latest)
    parsed: dict[tuple[str, int], Template] = {}
    for entry in templates.objects("templates"):
        record, template = _template(entry)
        key = (record["template_id"], record["version"])
        content.templates[key] = record
        parsed[key] = template
    seen_ids: set[str] = set()
    checks = _Checks(latest, content, parsed)
    for index, part in enumerate(parts, start=1):
        data = _Fields(archive, archive.json(part), part, latest)
        for entry in data.objects("audits"):
            try:
                audit = _audit_fast(entry.data, checks, seen_ids)
            except Exception:  # _Doubt, or anything unusual: the full checks read it again
                audit = _audit(entry, content, parsed, seen_ids)
            content.audits.append(audit)
        report(index, len(parts) + 1)
    present = {m.group(1) for n in names if (m := _EVIDENCE.match(n))}
    for audit in content.audits:
        for sha256, _ext, _kind in sorted(audit.evidence):
            if sha256 not in present:
                raise archive.fail(
                    f"audit {audit.rows.audit['id'][:8]} refers to the evidence file "
                    f"{sha256[:12]}… which is missing from the bundle"
                )
    return content


def _company(f: _Fields) -> dict[str, Any]:
    hours = f.data.get("business_hours", {})
    holidays = f.data.get("holidays", [])
    if (problem := hours_problem(hours)) is not None:
        raise f.fail("business_hours", problem)
    if (problem := holidays_problem(holidays)) is not None:
        raise f.fail("holidays", problem)
    name = f.text("name", 200)
    if not name.strip():
        raise f.fail("name", "must not be empty")
    return {
        "id": f.ident("id"),
        "name": name,
        "sector": f.text("sector", 200),
        "timezone": f.zone("timezone"),
        "business_hours": to_json(hours),
        "holidays": to_json(holidays),
        "notes": f.text("notes", MAX_NOTE),
        "created_at": f.time("created_at"),
        "updated_at": f.time("updated_at"),
    }


def _template(f: _Fields) -> tuple[dict[str, Any], Template]:
    source = f.text("source", 1024 * 1024)
    declared_id = f.ident("id")
    version = f.integer("version", 1, MAX_VERSION)
    try:
        loaded = load_template_bytes(source.encode("utf-8"), name=f"{f.where}.source")
    except TemplateError as exc:
        raise f.archive.fail(str(exc)) from exc
    template = loaded.template
    if (template.id, template.version) != (declared_id, version):
        raise f.fail("source", "the template text has another id or version than the entry")
    if f.text("sha256", 64) != loaded.sha256:
        raise f.fail("sha256", "does not match the template text")
    record = {
        "template_id": template.id,
        "version": template.version,
        "title": template.title,
        "touchpoint": template.touchpoint,
        "source": loaded.source,
        "sha256": loaded.sha256,
        "builtin": False,  # built-in checklists come only from the app's own files
    }
    return record, template


def _audit(
    f: _Fields,
    content: BundleContent,
    templates: dict[tuple[str, int], Template],
    seen_ids: set[str],
) -> BundleAudit:
    audit_id = f.ident("id")
    if audit_id in seen_ids:
        raise f.fail("id", f"the audit {audit_id[:8]} appears twice in the bundle")
    company_id = f.ident("company_id")
    if company_id not in content.companies:
        raise f.fail("company_id", "the company is not in the bundle")
    ref = f.child(f.data.get("template"), f"{f.where}.template")
    key = (ref.ident("id"), ref.integer("version", 1, MAX_VERSION))
    template = templates.get(key)
    if template is None:
        raise f.fail("template", "the template version is not in the bundle")
    status = f.choice("status", AuditStatus.values())
    completed_at = f.time("completed_at", optional=True)
    if AuditStatus(status).finished_on_the_day != (completed_at is not None):
        raise f.fail("completed_at", "a completed audit needs it, one in progress must not have it")
    where = f.where
    answers = []
    values: dict[str, Any] = {}
    for answer in f.objects("answers"):
        item_id = answer.text("item_id", 64)
        if not template.has_item(item_id):
            raise answer.fail("item_id", f"{item_id!r} is not an item of the audit's template")
        raw = answer.data.get("value")
        try:
            value = normalize_answer(template.item(item_id), raw)
        except AnswerError as exc:
            raise f.archive.fail(f"{answer.where}.value: {exc}") from exc
        if value is not None:
            values[item_id] = value
        answers.append(
            {
                "audit_id": audit_id,
                "item_id": item_id,
                "value": None if value is None else to_json(value),
                "note": answer.text("note", MAX_NOTE),
                "answered_at": answer.time("answered_at"),
                "answered_tz": answer.zone("answered_tz"),
                "source": answer.choice("source", AnswerSource.values()),
            }
        )
    if len({a["item_id"] for a in answers}) != len(answers):
        raise f.fail("answers", "an item is answered twice")
    events = [
        {
            "id": _unique(e, seen_ids),
            "audit_id": audit_id,
            "kind": e.text("kind", 20),
            "at": e.time("at"),
            "tz": e.zone("tz"),
            "detail": e.text("detail", MAX_NOTE),
        }
        for e in f.objects("events")
    ]
    steps = []
    for s in f.objects("steps"):
        instrument = s.choice("instrument", [i.value for i in Instrument])
        data = s.data.get("data", {})
        if (problem := step_data_problem(data)) is not None:
            raise s.fail("data", problem)
        if len(to_json(data)) > MAX_STEP_DATA:
            raise s.fail("data", f"longer than {MAX_STEP_DATA:,} characters")
        steps.append(
            {
                "id": _unique(s, seen_ids),
                "audit_id": audit_id,
                "instrument": instrument,
                "kind": s.choice("kind", sorted(STEP_KINDS[Instrument(instrument)])),
                "at": s.time("at"),
                "tz": s.zone("tz"),
                "data": to_json(data),
                "updated_at": s.time("updated_at"),
            }
        )
    moments = []
    for m in f.objects("moments"):
        item_id = m.text("item_id", 64, optional=True)
        if item_id is not None and not template.has_item(item_id):
            raise m.fail("item_id", f"{item_id!r} is not an item of the audit's template")
        moments.append(
            {
                "id": _unique(m, seen_ids),
                "audit_id": audit_id,
                "kind": m.choice("kind", MomentKind.values()),
                "at": m.time("at"),
                "tz": m.zone("tz"),
                "note": m.text("note", MAX_NOTE),
                "item_id": item_id,
                "updated_at": m.time("updated_at"),
            }
        )
    moment_ids = {m["id"] for m in moments}
    evidence = []
    files: set[tuple[str, str, str]] = set()
    for e in f.objects("evidence"):
        kind = e.choice("kind", EXTENSIONS)
        extension = e.choice("extension", sorted(EXTENSIONS[kind]))
        sha256 = e.text("sha256", 64)
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise e.fail("sha256", "expected 64 lowercase hex digits")
        item_id = e.text("item_id", 64, optional=True)
        if item_id is not None and not template.has_item(item_id):
            raise e.fail("item_id", f"{item_id!r} is not an item of the audit's template")
        moment_id = e.text("moment_id", 64, optional=True)
        if moment_id is not None and moment_id not in moment_ids:
            raise e.fail("moment_id", "the moment is not in this audit")
        files.add((sha256, extension, kind))
        evidence.append(
            {
                "id": _unique(e, seen_ids),
                "audit_id": audit_id,
                "item_id": item_id,
                "moment_id": moment_id,
                "sha256": sha256,
                "kind": kind,
                "extension": extension,
                "filename": Path(e.text("filename", 255).replace("\\", "/")).name,
                "size": e.integer("size", 0, MAX_EVIDENCE_BYTES),
                "caption": e.text("caption", MAX_NOTE),
                "added_at": e.time("added_at"),
                "added_tz": e.zone("added_tz"),
            }
        )
    seen_ids.add(audit_id)
    score = score_audit(template, values)
    current = f.text("current_item", 64, optional=True)
    row = {
        "id": audit_id,
        "company_id": company_id,
        "touchpoint": template.touchpoint,
        "template_id": key[0],
        "template_version": key[1],
        "shopper": f.text("shopper", 200),
        "status": status,
        "started_at": f.time("started_at"),
        "started_tz": f.zone("started_tz"),
        "completed_at": completed_at,
        "completed_tz": f.zone("completed_tz", optional=True),
        "updated_at": f.time("updated_at"),
        "current_item": current if current is None or template.has_item(current) else None,
        "score_percent": score.percent,
        "verdict": score.verdict,
        "passed": score.passed,
        "critical_failures": len(score.critical_failures),
        "answered": score.answered,
        "visible": score.visible,
    }
    if score.percent is not None and not math.isfinite(score.percent):
        raise f.archive.fail(f"{where}: the answers give no finite score")
    children = {
        "answer": answers,
        "audit_event": events,
        "instrument_event": steps,
        "moment": moments,
        "evidence": evidence,
    }
    return BundleAudit(exchange.AuditRows(row, children), company_id, key, row["updated_at"], files)


def _unique(f: _Fields, seen: set[str]) -> str:
    row_id: str = f.ident("id")
    if row_id in seen:
        raise f.fail("id", f"the id {row_id[:8]} appears twice in the bundle")
    seen.add(row_id)
    return row_id


# -- the quick reading -----------------------------------------------------------------
#
# `_audit` checks an audit field by field through `_Fields`, which names the field at
# fault. Most audits have no fault, and a bundle has thousands: `_audit_fast` reads them
# with the same checks made directly on the JSON (lookups worked out once per bundle, each
# answer value checked once per item). Whatever it is not sure of (any fault, anything
# unusual) it leaves to `_audit`, which reads that audit again and names the fault: what
# the quick reading accepts, `_audit` accepts too, with the same rows (tested).

_IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_STATUSES = frozenset(AuditStatus.values())
_FINISHED = frozenset(s.value for s in AuditStatus if s.finished_on_the_day)
_SOURCES = frozenset(AnswerSource.values())
_MOMENT_KINDS = frozenset(MomentKind.values())
_STEP_KINDS = {i.value: STEP_KINDS[i] for i in Instrument if i in STEP_KINDS}
_EXTENSIONS = {kind: frozenset(extensions) for kind, extensions in EXTENSIONS.items()}
_REMEMBERED_TEXT = 64
"""Answer values remembered per item: whole numbers, numbers other than zero, texts up to
this long (yes, no, an option's key) and lists of up to this many such texts (the options
chosen); long free texts are checked each time."""


class _Doubt(Exception):  # noqa: N818 - not an error: the full reading takes over
    """The quick reading met something it does not settle; `_audit` reads the audit."""


class _Checks:
    """What the quick reading checks every audit of a bundle against, worked out once."""

    def __init__(
        self,
        latest: datetime,
        content: BundleContent,
        templates: dict[tuple[str, int], Template],
    ) -> None:
        self.latest = latest
        self.companies = content.companies
        self.templates = templates
        self.items = {key: {i.id: i for i in t.items()} for key, t in templates.items()}
        self.scorers = {key: SummaryScorer(t) for key, t in templates.items()}
        self._zones: dict[str, bool] = {}
        self._stored = content.stored_times.read
        self._times: dict[str, datetime] = {}
        """Each time text found valid, and its time: a quarter of a demo bundle's are
        repeats (a moment's time and its last change, an audit's completion, last change and
        event of completion, its start and first answer and event)."""
        self._answers: dict[tuple[Any, ...], tuple[Any, str | None]] = {}

    def text(self, value: Any, limit: int) -> str:
        if type(value) is not str or len(value) > limit:
            raise _Doubt
        return value

    def optional_text(self, value: Any, limit: int) -> str | None:
        return None if value is None else self.text(value, limit)

    def ident(self, value: Any) -> str:
        if type(value) is not str or len(value) > 64 or _IDENT.fullmatch(value) is None:
            raise _Doubt
        return value

    def zone(self, value: Any) -> str:
        if type(value) is not str or len(value) > 64:
            raise _Doubt
        valid = self._zones.get(value)
        if valid is None:
            valid = self._zones[value] = is_valid_zone(value)
        if not valid:
            raise _Doubt
        return value

    def time(self, value: Any) -> datetime:
        if type(value) is not str:
            raise _Doubt
        found = self._times.get(value)
        if found is not None:
            return found
        try:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                raise _Doubt
            moment = moment.astimezone(UTC)
        except (ValueError, OverflowError):
            raise _Doubt from None
        if not EARLIEST <= moment <= self.latest:
            raise _Doubt
        self._stored(moment, value)
        self._times[value] = moment
        return moment

    def answer(self, key: tuple[str, int], item: Any, raw: Any) -> tuple[Any, str | None]:
        """The value to keep of an answer and its JSON, as `_audit` makes them."""
        kind = type(raw)
        if kind is int or (kind is str and len(raw) <= _REMEMBERED_TEXT):
            remembered: Any = raw
        elif kind is float and raw != 0.0:  # 0.0 and -0.0 are equal, and differ as JSON
            remembered = raw  # (nan equals nothing: never found, normalized each time)
        elif (
            kind is list
            and len(raw) <= _REMEMBERED_TEXT
            and all(type(v) is str and len(v) <= _REMEMBERED_TEXT for v in raw)
        ):
            remembered = tuple(raw)  # options chosen: the value made of them is only read
        else:
            remembered = None
        if remembered is not None:
            found = self._answers.get((key, item.id, kind, remembered))
            if found is not None:
                return found
        try:
            value = normalize_answer(item, raw)
        except AnswerError:
            raise _Doubt from None
        made = (value, None if value is None else to_json(value))
        if remembered is not None:
            self._answers[(key, item.id, kind, remembered)] = made
        return made


def _objects(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data[key]
    if type(value) is not list:
        raise _Doubt
    for entry in value:
        if type(entry) is not dict:
            raise _Doubt
    return value


def _audit_fast(data: Any, checks: _Checks, seen_ids: set[str]) -> BundleAudit:
    """`_audit` for an audit that passes every check; raises `_Doubt` (or a KeyError for a
    field left out, even one that may be) on anything else.

    `seen_ids` changes only when the audit is read."""
    if type(data) is not dict:
        raise _Doubt
    text, zone, time, ident = checks.text, checks.zone, checks.time, checks.ident
    audit_id = ident(data["id"])
    if audit_id in seen_ids:
        raise _Doubt
    company_id = ident(data["company_id"])
    if company_id not in checks.companies:
        raise _Doubt
    ref = data["template"]
    if type(ref) is not dict:
        raise _Doubt
    version = ref["version"]
    if type(version) is not int or not 1 <= version <= MAX_VERSION:
        raise _Doubt
    key = (ident(ref["id"]), version)
    template = checks.templates.get(key)
    if template is None:
        raise _Doubt
    items = checks.items[key]
    status = data["status"]
    if type(status) is not str or status not in _STATUSES:
        raise _Doubt
    completed_at = data["completed_at"]
    if completed_at is not None:
        completed_at = time(completed_at)
    if (status in _FINISHED) != (completed_at is not None):
        raise _Doubt
    answers = []
    values: dict[str, Any] = {}
    # The hottest loop (an audit's every answer): the checks of `text`, `zone` and `answer`
    # written out, with what they would look up.
    zones, remembered_answers = checks._zones, checks._answers
    for answer in _objects(data, "answers"):
        item_id = answer["item_id"]
        if type(item_id) is not str or len(item_id) > 64:
            raise _Doubt
        item = items.get(item_id)
        if item is None:
            raise _Doubt
        raw = answer["value"]
        raw_kind = type(raw)
        # Whole numbers and short texts as `answer` remembers them (the rest through it).
        made = (
            remembered_answers.get((key, item_id, raw_kind, raw))
            if raw_kind is int or (raw_kind is str and len(raw) <= _REMEMBERED_TEXT)
            else None
        )
        value, stored = made if made is not None else checks.answer(key, item, raw)
        if value is not None:
            values[item_id] = value
        source = answer["source"]
        if type(source) is not str or source not in _SOURCES:
            raise _Doubt
        note = answer["note"]
        if type(note) is not str or len(note) > MAX_NOTE:
            raise _Doubt
        answered_tz = answer["answered_tz"]
        if zones.get(answered_tz) is not True:  # a text `zone` found valid (no other is)
            zone(answered_tz)
        answers.append(
            {
                "audit_id": audit_id,
                "item_id": item_id,
                "value": stored,
                "note": note,
                "answered_at": time(answer["answered_at"]),
                "answered_tz": answered_tz,
                "source": source,
            }
        )
    if len({a["item_id"] for a in answers}) != len(answers):
        raise _Doubt
    ids: set[str] = set()

    def unique(entry: dict[str, Any]) -> str:
        row_id = ident(entry["id"])
        if row_id in seen_ids or row_id in ids:
            raise _Doubt
        ids.add(row_id)
        return row_id

    events = [
        {
            "id": unique(e),
            "audit_id": audit_id,
            "kind": text(e["kind"], 20),
            "at": time(e["at"]),
            "tz": zone(e["tz"]),
            "detail": text(e["detail"], MAX_NOTE),
        }
        for e in _objects(data, "events")
    ]
    steps = []
    for s in _objects(data, "steps"):
        instrument = s["instrument"]
        step_kinds = _STEP_KINDS.get(instrument) if type(instrument) is str else None
        step_kind = s["kind"]
        if step_kinds is None or type(step_kind) is not str or step_kind not in step_kinds:
            raise _Doubt
        step_data = s["data"]
        if step_data_problem(step_data) is not None:
            raise _Doubt
        dumped = to_json(step_data)
        if len(dumped) > MAX_STEP_DATA:
            raise _Doubt
        steps.append(
            {
                "id": unique(s),
                "audit_id": audit_id,
                "instrument": instrument,
                "kind": step_kind,
                "at": time(s["at"]),
                "tz": zone(s["tz"]),
                "data": dumped,
                "updated_at": time(s["updated_at"]),
            }
        )
    moments = []
    for m in _objects(data, "moments"):
        moment_item = checks.optional_text(m["item_id"], 64)
        if moment_item is not None and moment_item not in items:
            raise _Doubt
        moment_kind = m["kind"]
        if type(moment_kind) is not str or moment_kind not in _MOMENT_KINDS:
            raise _Doubt
        moments.append(
            {
                "id": unique(m),
                "audit_id": audit_id,
                "kind": moment_kind,
                "at": time(m["at"]),
                "tz": zone(m["tz"]),
                "note": text(m["note"], MAX_NOTE),
                "item_id": moment_item,
                "updated_at": time(m["updated_at"]),
            }
        )
    moment_ids = {m["id"] for m in moments}
    evidence = []
    files: set[tuple[str, str, str]] = set()
    for e in _objects(data, "evidence"):
        kind = e["kind"]
        extensions = _EXTENSIONS.get(kind) if type(kind) is str else None
        extension = e["extension"]
        if extensions is None or type(extension) is not str or extension not in extensions:
            raise _Doubt
        kind = str(kind)
        sha256 = text(e["sha256"], 64)
        if _HEX64.fullmatch(sha256) is None:
            raise _Doubt
        evidence_item = checks.optional_text(e["item_id"], 64)
        if evidence_item is not None and evidence_item not in items:
            raise _Doubt
        moment_id = checks.optional_text(e["moment_id"], 64)
        if moment_id is not None and moment_id not in moment_ids:
            raise _Doubt
        size = e["size"]
        if type(size) is not int or not 0 <= size <= MAX_EVIDENCE_BYTES:
            raise _Doubt
        files.add((sha256, extension, kind))
        evidence.append(
            {
                "id": unique(e),
                "audit_id": audit_id,
                "item_id": evidence_item,
                "moment_id": moment_id,
                "sha256": sha256,
                "kind": kind,
                "extension": extension,
                "filename": Path(text(e["filename"], 255).replace("\\", "/")).name,
                "size": size,
                "caption": text(e["caption"], MAX_NOTE),
                "added_at": time(e["added_at"]),
                "added_tz": zone(e["added_tz"]),
            }
        )
    score = checks.scorers[key].summary(values)
    if score.percent is not None and not math.isfinite(score.percent):
        raise _Doubt
    current = checks.optional_text(data["current_item"], 64)
    completed_tz = data["completed_tz"]
    updated_at = time(data["updated_at"])
    row: dict[str, Any] = {
        "id": audit_id,
        "company_id": company_id,
        "touchpoint": template.touchpoint,
        "template_id": key[0],
        "template_version": key[1],
        "shopper": text(data["shopper"], 200),
        "status": status,
        "started_at": time(data["started_at"]),
        "started_tz": zone(data["started_tz"]),
        "completed_at": completed_at,
        "completed_tz": None if completed_tz is None else zone(completed_tz),
        "updated_at": updated_at,
        "current_item": current if current is None or current in items else None,
        "score_percent": score.percent,
        "verdict": score.verdict,
        "passed": score.passed,
        "critical_failures": score.critical_failures,
        "answered": score.answered,
        "visible": score.visible,
    }
    children: dict[str, list[dict[str, Any]]] = {
        "answer": answers,
        "audit_event": events,
        "instrument_event": steps,
        "moment": moments,
        "evidence": evidence,
    }
    seen_ids |= ids
    seen_ids.add(audit_id)
    return BundleAudit(exchange.AuditRows(row, children), company_id, key, updated_at, files)

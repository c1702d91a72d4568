"""XLSForm in and out: a workbook (ODK, KoboToolbox) as a checklist template and back.

Reading goes through **pyxform**, XLSForm's reference implementation: it parses the
workbook (.xlsx, .xls, .csv or .md) and checks it as ODK would, and its JSON is then
mapped to the template format (docs/templates.md, "XLSForm"). The result goes through
the template loader like any file, so the same rules hold and faults keep its messages,
with the survey row named. Whatever a checklist cannot hold is listed as an
`Unsupported` row; nothing is guessed.

Writing gives an XLSForm that pyxform converts without error: what XLSForm lacks
(weights, critical items, themes, targets...) goes into `shopper::` columns, so reading
the workbook back gives an equal template.
"""

from __future__ import annotations

import io
import math
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shopper.domain.errors import TemplateError
from shopper.domain.template import NA, ItemType, Template
from shopper.domain.template_loader import (
    LoadedTemplate,
    load_template_bytes,
    parse_yaml_strict,
)
from shopper.domain.template_writer import dump_data, dump_template, template_to_data

XLSFORM_SUFFIXES = (".xlsx", ".xls", ".csv", ".md")
_XLSFORM_NAMESPACE = uuid.UUID("0b7c3b8e-6f44-4c55-9a57-0b6f1b8f5c21")
"""Template ids of workbooks without `shopper::id` are made from their form_id in this."""

_FIRST_ROW = 2  # pyxform numbers survey rows as the sheet does: the header is row 1
_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"no", "false", "false()", "0"}

# What an XLSForm question type becomes (pyxform's own names, aliases resolved by it).
_SIMPLE_TYPES = {
    "integer": ItemType.NUMBER,
    "int": ItemType.NUMBER,
    "decimal": ItemType.NUMBER,
    "text": ItemType.TEXT,
    "string": ItemType.TEXT,
    "date": ItemType.DATETIME,
    "time": ItemType.DATETIME,
    "dateTime": ItemType.DATETIME,
    "datetime": ItemType.DATETIME,
}
_NUMBER_TYPES = {ItemType.NUMBER, ItemType.COUNT, ItemType.DURATION}
# A `shopper::type` may say more precisely what a question holds, within its kind.
_REFINES = {
    ItemType.NUMBER: _NUMBER_TYPES,
    ItemType.YES_NO: {ItemType.YES_NO, ItemType.SINGLE_CHOICE},
}
_EXTRA_ITEM_FIELDS = (
    "type",
    "weight",
    "critical",
    "theme",
    "na",
    "pass",
    "scale",
    "target",
    "min",
    "max",
    "unit",
    "later",
)
"""Template fields XLSForm has no column for, carried as `shopper::<field>` columns."""
_EXTRA_SETTINGS = ("id", "touchpoint", "description", "bands")
# Keys of pyxform's JSON for a question that carry nothing a checklist needs to keep.
_HARMLESS = {"type", "name", "label", "hint", "bind", "choices", "itemset", "list_name"}
_HARMLESS |= {"parameters", "control", "shopper", "children", "required_message"}
_HARMLESS_BIND = {"relevant", "required", "jr:requiredMsg"}
_BIND_COLUMNS = {
    "calculate": "calculation",
    "jr:constraintMsg": "constraint_message",
    "readonly": "read_only",
    "jr:preload": "preload",
}
_HARMLESS_CONTROL = {"appearance", "start", "end", "step", "bodyless"}


@dataclass(frozen=True)
class Unsupported:
    """A row (and column) of the workbook a checklist cannot hold."""

    sheet: str
    row: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.sheet} row {self.row}" if self.row else self.sheet
        return f"{where}, column {self.column}: {self.reason}"


@dataclass
class XlsformImport:
    """The result of reading a workbook: the template and what was left out."""

    loaded: LoadedTemplate
    unsupported: list[Unsupported] = field(default_factory=list)

    @property
    def template(self) -> Template:
        return self.loaded.template


class XlsformUnsupportedError(TemplateError):
    """The workbook holds rows a checklist cannot; every one is listed."""

    def __init__(self, name: str, unsupported: Sequence[Unsupported]) -> None:
        self.unsupported = list(unsupported)
        count = len(self.unsupported)
        parts = "part" if count == 1 else "parts"
        super().__init__(
            f"{name}: a checklist cannot hold {count} {parts} of this workbook: "
            + "; ".join(str(u) for u in self.unsupported)
        )


# -- reading -------------------------------------------------------------------


def read_xlsform(path: Path, *, skip_unsupported: bool = False) -> XlsformImport:
    """Read an XLSForm workbook as a template.

    Raises:
        XlsformUnsupportedError: rows a checklist cannot hold, unless `skip_unsupported`.
        TemplateError: pyxform refuses the workbook (its message, as one line), or the
            template it makes breaks a rule of the format (naming the survey row).
    """
    name = path.name
    if path.suffix.lower() not in XLSFORM_SUFFIXES:
        raise TemplateError(
            f"{name}: not an XLSForm workbook (expected {', '.join(XLSFORM_SUFFIXES)})"
        )
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"{name}: cannot read file: {exc.strerror or exc}") from exc
    return read_xlsform_bytes(raw, name=name, skip_unsupported=skip_unsupported)


def read_xlsform_bytes(raw: bytes, *, name: str, skip_unsupported: bool = False) -> XlsformImport:
    """`read_xlsform` for a workbook given as bytes; `name` gives its type by its suffix."""
    form, sheet_rows = pyxform_parse(raw, name=name)
    mapper = _Mapper(name, form, sheet_rows)
    data = mapper.template()
    if mapper.unsupported and not skip_unsupported:
        raise XlsformUnsupportedError(name, mapper.unsupported)
    loaded = mapper.load(data)
    return XlsformImport(loaded, mapper.unsupported)


def pyxform_parse(raw: bytes, *, name: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """pyxform's JSON of the workbook and its survey sheet's rows (row 2 first), after
    pyxform converted it to an XForm without error.

    Raises:
        TemplateError: pyxform's message as one line.
    """
    import warnings as py_warnings

    from pyxform.errors import PyXFormError
    from pyxform.xls2json_backends import get_xlsform
    from pyxform.xls2xform import convert

    suffix = Path(name).suffix.lower()
    file_type = suffix if suffix in XLSFORM_SUFFIXES else None
    try:
        with py_warnings.catch_warnings():
            py_warnings.simplefilter("ignore")  # openpyxl's notes on Excel extensions
            workbook = get_xlsform(io.BytesIO(raw), file_type=file_type)
            survey_rows = [dict(r) for r in (workbook.survey or [])]
            sheets = _fields(workbook)
            sheets["fallback_form_name"] = sheets.get("fallback_form_name") or Path(name).stem
            result = convert(xlsform=sheets, warnings=[])
    except PyXFormError as exc:
        raise TemplateError(f"{name}: pyxform: {_one_line(str(exc))}") from exc
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        # pyxform's readers meet odd files with plain errors; say it is not a workbook it reads
        why = _one_line(str(exc)) or type(exc).__name__
        raise TemplateError(f"{name}: pyxform cannot read this workbook: {why}") from exc
    form = result._pyxform
    if not isinstance(form, dict):
        raise TemplateError(f"{name}: pyxform gave no form")
    return form, survey_rows


def _fields(workbook: Any) -> dict[str, Any]:
    return {k: getattr(workbook, k) for k in workbook.__slots__}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Mapper:
    """pyxform's JSON -> the template's data, noting every row it cannot hold."""

    def __init__(self, name: str, form: dict[str, Any], survey_rows: list[dict[str, Any]]):
        self.name = name
        self.form = form
        self.unsupported: list[Unsupported] = []
        self.rows_by_name: dict[str, list[int]] = {}
        for number, row in enumerate(survey_rows, start=_FIRST_ROW):
            row_name = next((v for k, v in row.items() if str(k).lower() == "name"), None)
            if isinstance(row_name, str) and row_name.strip():
                self.rows_by_name.setdefault(row_name.strip(), []).append(number)
        self.language = self._base_language()
        named = [name for name in _languages(form) if name != "default"]
        self.only_named = named[0] if len(named) == 1 else ""
        """A form's one named language, where plain labels are its own too (pyxform's
        own "Specify other." beside `label:english` columns)."""
        self.first_rows: dict[str, int] = {n: rows[0] for n, rows in self.rows_by_name.items()}
        self.item_rows: dict[str, int | None] = {}  # data path of an item -> its survey row
        self.items: dict[str, dict[str, Any]] = {}  # item id -> its data
        self.kinds: dict[str, ItemType] = {}
        self.relevants: list[tuple[dict[str, Any], str, int | None]] = []

    # -- languages ---------------------------------------------------------------

    def _base_language(self) -> str:
        """The language of the template's own texts: the form's default_language, else
        none when a plain `label` column is used, else the first language labels are in."""
        default = self.form.get("default_language")
        if isinstance(default, str) and default and default != "default":
            return default
        found = list(_languages(self.form))
        if not found or "default" in found:
            return ""
        return found[0]

    def texts(self, value: Any, *, label: bool = True) -> tuple[str, dict[str, str]]:
        """A label or hint: (the template's own text, {other language: text})."""
        if value is None:
            return "", {}
        if isinstance(value, str):
            return value, {}
        if not isinstance(value, dict):
            return str(value), {}
        own = ""
        others: dict[str, str] = {}
        for language, raw in value.items():
            text = "" if raw is None else str(raw)
            if language in ("default", self.language):
                own = own or text
            elif text.strip():
                others[language] = text
        if label and not own and not self.language and self.only_named in others:
            own = others.pop(self.only_named)
        return own, others

    # -- rows --------------------------------------------------------------------

    def row_of(self, element: Mapping[str, Any]) -> int | None:
        name = str(element.get("name", ""))
        rows = self.rows_by_name.get(name)
        if rows:
            return rows.pop(0)
        # A question pyxform made from a row: a table-list label, or `or specify other`.
        made = _MADE_BY_PYXFORM.fullmatch(name)
        if made:
            return int(made.group(1))
        return self.first_rows.get(name.removesuffix("_other")) if name.endswith("_other") else None

    def refuse(self, row: int | None, column: str, reason: str, sheet: str = "survey") -> None:
        self.unsupported.append(Unsupported(sheet, row, column, reason))

    # -- structure ---------------------------------------------------------------

    def template(self) -> dict[str, Any]:
        extras = _mapping(self.form.get("shopper"))
        data: dict[str, Any] = {"format": 1}
        form_id = str(self.form.get("id_string") or self.form.get("name") or "form")
        data["id"] = extras.get("id") or str(uuid.uuid5(_XLSFORM_NAMESPACE, form_id))
        version = self.form.get("version")
        data["version"] = 1
        if version not in (None, ""):
            if re.fullmatch(r"\d{1,7}", str(version)) and 1 <= int(str(version)) <= 1_000_000:
                data["version"] = int(str(version))
            else:
                self.refuse(
                    None,
                    "version",
                    f"{version!r} is not a whole number from 1 to 1,000,000",
                    sheet="settings",
                )
        data["title"] = str(self.form.get("title") or form_id)
        data["touchpoint"] = extras.get("touchpoint") or "other"
        if extras.get("description"):
            data["description"] = str(extras["description"])
        if "bands" in extras:
            data["bands"] = self.extra(extras["bands"], None, "shopper::bands", sheet="settings")
        for key in extras:
            if key not in _EXTRA_SETTINGS:
                self.refuse(None, f"shopper::{key}", "not a template field", sheet="settings")
        if self.language:
            data["language"] = self.language
        sections: list[dict[str, Any]] = []
        loose: dict[str, Any] | None = None
        for child in self.form.get("children") or []:
            if _is_meta(child):
                continue
            if child.get("type") in ("group",):
                loose = None
                self.group(child, [], sections)
            elif child.get("type") in ("repeat", "loop"):
                loose = None
                self.refuse(self.row_of(child), "type", f"a {child['type']} cannot be held")
                self._skip_rows(child)
            else:
                if loose is None:
                    loose = self.new_section(sections, "survey", data["title"], {})
                self.element(child, loose)
        data["sections"] = [s for s in sections if s["items"]]
        for s in data["sections"]:
            if not s.get("description"):
                s.pop("description", None)
        self.conditions()
        return data

    def new_section(
        self, sections: list[dict[str, Any]], base_id: str, title: str, titles: dict[str, str]
    ) -> dict[str, Any]:
        taken = {s["id"] for s in sections}
        section_id, n = base_id, 1
        while section_id in taken:
            n += 1
            section_id = f"{base_id}-{n}"
        section: dict[str, Any] = {"id": section_id, "title": title, "description": "", "items": []}
        if titles:
            section["translations"] = titles
        sections.append(section)
        return section

    def group(self, group: dict[str, Any], path: list[tuple[str, str]], sections: list) -> None:
        row = self.row_of(group)
        bind = group.get("bind") or {}
        if bind.get("relevant"):
            self.refuse(row, "relevant", "a group cannot be shown on a condition")
        own, others = self.texts(group.get("label"))
        description = ""
        for key, value in _mapping(group.get("shopper")).items():
            if key == "description":  # text as it is: it reads back as text
                description = "" if value is None else str(value)
            else:
                self.refuse(row, f"shopper::{key}", "not a field of a section")
        names = [*path, (str(group.get("name")), own or str(group.get("name")))]
        title = " › ".join(label for _, label in names)
        section_id = ".".join(n for n, _ in names)
        current: dict[str, Any] | None = None
        for child in group.get("children") or []:
            kind = child.get("type")
            if kind == "group":
                current = None
                self.group(child, names, sections)
            elif kind in ("repeat", "loop"):
                current = None
                self.refuse(self.row_of(child), "type", f"a {kind} cannot be held")
                self._skip_rows(child)
            else:
                if current is None:
                    current = self.new_section(sections, section_id, title, others)
                    current["description"], description = description, ""
                self.element(child, current)

    def _skip_rows(self, element: dict[str, Any]) -> None:
        for child in element.get("children") or []:
            self.row_of(child)
            self._skip_rows(child)

    def element(self, q: dict[str, Any], section: dict[str, Any]) -> None:
        row = self.row_of(q)
        kind = str(q.get("type", ""))
        item = self.note(q, row) if kind == "note" else self.question(q, row, kind)
        if item is None:
            return
        section["items"].append(item)

    def note(self, q: dict[str, Any], row: int | None) -> dict[str, Any] | None:
        """A note: an information item in its place (its label, hint and relevant only)."""
        problems_before = len(self.unsupported)
        for key, value in q.items():
            if key not in _HARMLESS:
                self.refuse(row, key, f"cannot hold {_shown(value)}")
        bind = q.get("bind") or {}
        for key in bind:
            if key != "relevant":
                column = _BIND_COLUMNS.get(key, key)
                self.refuse(row, column, f"a note cannot hold {_shown(bind[key])}")
        for key in _mapping(q.get("shopper")):
            self.refuse(row, f"shopper::{key}", "a note (an information item) takes no field")
        for key, value in (q.get("control") or {}).items():
            if key not in _HARMLESS_CONTROL:
                self.refuse(row, key, f"cannot hold {_shown(value)}")
        if len(self.unsupported) > problems_before:
            return None
        item_id = str(q.get("name"))
        own, others = self.texts(q.get("label"))
        help_own, help_others = self.texts(q.get("hint"), label=False)
        if not own.strip():
            self.refuse(row, "label", f"note {item_id!r} has no text to show")
            return None
        item: dict[str, Any] = {"id": item_id, "prompt": own}
        if help_own:
            item["help"] = help_own
        item["type"] = ItemType.INFO.value
        self._words(item, others, help_others)
        if bind.get("relevant"):
            self.relevants.append((item, str(bind["relevant"]), row))
        self.items[item_id] = item
        self.kinds[item_id] = ItemType.INFO
        self.item_rows[item_id] = row
        return item

    def _words(
        self, item: dict[str, Any], prompts: Mapping[str, str], helps: Mapping[str, str]
    ) -> None:
        translations: dict[str, dict[str, str]] = {}
        for language, text in prompts.items():
            translations.setdefault(language, {})["prompt"] = text
        for language, text in helps.items():
            translations.setdefault(language, {})["help"] = text
        if translations:
            item["translations"] = translations

    def question(self, q: dict[str, Any], row: int | None, kind: str) -> dict[str, Any] | None:
        item_type = self.item_type(q, row, kind)
        if item_type is None:
            return None  # one line for the row: what it is
        problems_before = len(self.unsupported)
        for key, value in q.items():
            if key not in _HARMLESS:
                self.refuse(row, key, f"cannot hold {_shown(value)}")
        bind = q.get("bind") or {}
        for key in bind:
            if key not in _HARMLESS_BIND:
                column = _BIND_COLUMNS.get(key, key)
                self.refuse(row, column, f"cannot translate {_shown(bind[key])}")
        control = q.get("control") or {}
        for key in control:
            if key not in _HARMLESS_CONTROL:
                self.refuse(row, key, f"cannot hold {_shown(control[key])}")
        if len(self.unsupported) > problems_before:
            return None
        item_id = str(q.get("name"))
        item: dict[str, Any] = {"id": item_id}
        own, others = self.texts(q.get("label"))
        help_own, help_others = self.texts(q.get("hint"), label=False)
        if not own.strip():
            self.refuse(row, "label", f"question {item_id!r} has no label to ask")
            return None
        item["prompt"] = own
        if help_own:
            item["help"] = help_own
        item["type"] = item_type.value
        required = bind.get("required")
        if required not in (None, ""):
            flag = str(required).strip().lower()
            if flag in _TRUE:
                item["required"] = True
            elif flag not in _FALSE:
                self.refuse(row, "required", f"cannot translate {_shown(required)}")
                return None
        extras = _mapping(q.get("shopper"))
        for key in extras:
            if key not in _EXTRA_ITEM_FIELDS:
                self.refuse(row, f"shopper::{key}", "not a field of an item")
                return None
        if "type" in extras:
            wanted = str(extras["type"]).strip()
            allowed = {t.value for t in _REFINES.get(item_type, {item_type})}
            if wanted not in allowed:
                self.refuse(
                    row, "shopper::type", f"a {kind} question cannot hold a {wanted!r} item"
                )
                return None
            item_type = ItemType(wanted)
            item["type"] = wanted
        if item_type is ItemType.RATING:
            self.rating(q, item, row)
        choosing = item_type in (ItemType.YES_NO, ItemType.SINGLE_CHOICE, ItemType.MULTI_CHOICE)
        if choosing and not self.choices(q, item, row):
            return None
        for key in _EXTRA_ITEM_FIELDS:
            if key in extras and key != "type":
                item[key] = self.extra(extras[key], row, f"shopper::{key}")
        self._words(item, others, help_others)
        relevant = bind.get("relevant")
        if relevant:
            self.relevants.append((item, str(relevant), row))
        self.items[item_id] = item
        self.kinds[item_id] = ItemType(item["type"])
        self.item_rows[item_id] = row
        return item

    def item_type(self, q: dict[str, Any], row: int | None, kind: str) -> ItemType | None:
        if kind in _SIMPLE_TYPES:
            return _SIMPLE_TYPES[kind]
        if kind == "range":
            return ItemType.RATING
        if kind == "select one":
            if self._yes_no_keys(q) is not None:
                return ItemType.YES_NO
            return ItemType.SINGLE_CHOICE
        if kind == "select all that apply":
            return ItemType.MULTI_CHOICE
        if kind in ("calculate", "hidden"):
            self.refuse(row, "type", f"a {kind} cannot be held (a checklist only asks)")
        elif "external" in kind or "from file" in kind or "from_file" in kind:
            self.refuse(row, "type", f"external choices ({kind}) cannot be held")
        else:
            self.refuse(row, "type", f"a {kind!r} question cannot be held")
        return None

    def _yes_no_keys(self, q: dict[str, Any]) -> list[str] | None:
        keys = [str(c.get("name")) for c in q.get("choices") or []]
        if keys[:2] == ["yes", "no"] and keys[2:] in ([], [NA]):
            return keys
        return None

    def rating(self, q: dict[str, Any], item: dict[str, Any], row: int | None) -> None:
        params = q.get("parameters") or {}
        try:
            start, end, step = (
                float(params.get(k, d)) for k, d in (("start", 1), ("end", 10), ("step", 1))
            )
        except (TypeError, ValueError):
            self.refuse(row, "parameters", f"cannot read {_shown(params)}")
            return
        if step != 1 or not start.is_integer() or not end.is_integer():
            self.refuse(row, "parameters", "a rating needs whole-number start and end, step 1")
            return
        item["scale"] = {"min": int(start), "max": int(end)}

    def choices(self, q: dict[str, Any], item: dict[str, Any], row: int | None) -> bool:
        if q.get("choice_filter"):
            return False  # refused with the other unknown keys
        listed = q.get("choices")
        if not isinstance(listed, list) or not listed:
            self.refuse(row, "type", "a select without choices cannot be held")
            return False
        if item["type"] == ItemType.YES_NO.value:
            keys = [str(c.get("name")) for c in listed]
            item["na"] = NA in keys
            return True
        options = []
        for choice in listed:
            option: dict[str, Any] = {"key": str(choice.get("name"))}
            own, others = self.texts(choice.get("label"))
            option["label"] = own or option["key"]
            for key in choice:
                if key not in ("name", "label", "shopper_score"):
                    self.refuse(row, key, f"cannot hold the {key} of choice {option['key']!r}")
                    return False
            if "shopper_score" in choice:
                option["score"] = self.extra(
                    choice["shopper_score"], row, "shopper_score", sheet="choices"
                )
            if others:
                option["translations"] = others
            options.append(option)
        item["options"] = options
        return True

    def extra(self, text: Any, row: int | None, column: str, *, sheet: str = "survey") -> Any:
        """A `shopper::` cell: YAML as in a template file (`2`, `{good: 1, bad: 5}`)."""
        try:
            return parse_yaml_strict(str(text), name=column)
        except TemplateError as exc:
            self.refuse(row, column, str(exc).removeprefix(f"{column}: "), sheet=sheet)
            return None

    # -- show-if -----------------------------------------------------------------

    def conditions(self) -> None:
        for item, relevant, row in self.relevants:
            try:
                item["show_if"] = _Condition(self, relevant).show_if()
            except _UntranslatableError as exc:
                self.refuse(row, "relevant", f"cannot translate {_shown(relevant)}{exc.why}")
                self._drop(item["id"])

    def _drop(self, item_id: str) -> None:
        """Leave out a skipped item (and so also the items whose condition names it)."""
        item = self.items.pop(item_id, None)
        if item is not None:
            item["__dropped__"] = True

    # -- the template ---------------------------------------------------------------

    def load(self, data: dict[str, Any]) -> LoadedTemplate:
        """The mapped data through the template loader: its rules, its messages."""
        # Items whose show-if names a left-out item are left out too (and listed).
        changed = True
        while changed:
            changed = False
            for section in data["sections"]:
                for item in section["items"]:
                    cond = item.get("show_if")
                    if item.get("__dropped__") or not cond:
                        continue
                    source = self.items.get(cond["item"])
                    if source is None or source.get("__dropped__"):
                        self.refuse(
                            self.item_rows.get(item["id"]),
                            "relevant",
                            f"depends on {cond['item']!r}, which is not imported",
                        )
                        self._drop(item["id"])
                        changed = True
        for section in data["sections"]:
            section["items"] = [i for i in section["items"] if not i.get("__dropped__")]
        data["sections"] = [s for s in data["sections"] if s["items"]]
        if not data["sections"]:
            raise TemplateError(f"{self.name}: no question a checklist can hold")
        paths: dict[str, int | None] = {}
        for s_index, section in enumerate(data["sections"]):
            for i_index, item in enumerate(section["items"]):
                paths[f"sections[{s_index}].items[{i_index}]"] = self.item_rows.get(item["id"])
        text = dump_data(data)
        try:
            first = load_template_bytes(text.encode("utf-8"), name=self.name)
        except TemplateError as exc:
            raise TemplateError(_with_rows(str(exc), self.name, paths)) from exc
        # Stored as the writer writes it, so a template imported twice is the same text.
        return load_template_bytes(dump_template(first.template).encode("utf-8"), name=self.name)


_PATH_RE = re.compile(r"^(sections\[\d+\]\.items\[\d+\])(?:\.([A-Za-z_]+))?(\S*): ")
_COLUMNS = {"prompt": "label", "help": "hint", "show_if": "relevant", "options": "choices"}


_MADE_BY_PYXFORM = re.compile(r"(?:generated_\w+?|reserved_name_for_field_list_labels)_(\d+)")


def _with_rows(message: str, name: str, paths: Mapping[str, int | None]) -> str:
    """`phone.xlsx: sections[0].items[3].weight: ...` -> `...: survey row 5, column
    shopper::weight: ...`."""
    rest = message.removeprefix(f"{name}: ")
    match = _PATH_RE.match(rest)
    if not match or paths.get(match.group(1)) is None:
        return message
    key = match.group(2) or ""
    column = _COLUMNS.get(key, f"shopper::{key}" if key else "name")
    return f"{name}: survey row {paths[match.group(1)]}, column {column}: {rest[match.end() :]}"


def _languages(form: Mapping[str, Any]) -> Iterator[str]:
    seen: set[str] = set()

    def walk(element: Mapping[str, Any]) -> Iterator[str]:
        # Labels only: a hint written in one language alone says nothing of the form's own.
        value = element.get("label")
        names = list(value) if isinstance(value, dict) else ["default"] if value else []
        for language in names:
            if language not in seen:
                seen.add(language)
                yield language
        for child in element.get("children") or []:
            if isinstance(child, dict):
                yield from walk(child)
        for choice in element.get("choices") or []:
            if isinstance(choice, dict):
                yield from walk(choice)

    yield from walk(form)


def _is_meta(element: Mapping[str, Any]) -> bool:
    """pyxform's own `meta` group (instanceID), added to every form: not a question."""
    control = element.get("control") or {}
    return element.get("type") == "group" and bool(control.get("bodyless"))


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = _one_line(text)
    return f'"{text[:80]}…"' if len(text) > 80 else f'"{text}"'


# -- relevant -> show_if ---------------------------------------------------------


class _UntranslatableError(Exception):
    def __init__(self, why: str = "") -> None:
        super().__init__(why)
        self.why = f" ({why})" if why else ""


_TOKEN_RE = re.compile(
    r"\s*(?:(?P<ref>\$\{[A-Za-z_][A-Za-z0-9_.-]*\}|\.\./[A-Za-z_][A-Za-z0-9_.-]*)|(?P<str>'[^']*'|\"[^\"]*\")"
    r"|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>!=|<=|>=|=|<|>|\(|\)|,)|(?P<word>[A-Za-z_][A-Za-z0-9_-]*))"
)


@dataclass(frozen=True)
class _Set:
    """The answers of one item a condition holds for: in `values`, or (`inside` False) not.

    For a multiple-choice item "in" means "any of `values` is selected"."""

    item: str
    values: tuple[Any, ...]
    inside: bool


class _Condition:
    """A `relevant` expression as a show_if, for the forms docs/templates.md lists."""

    def __init__(self, mapper: _Mapper, text: str) -> None:
        self.mapper = mapper
        self.text = text
        self.tokens = self._tokens(text)
        self.at = 0

    def _tokens(self, text: str) -> list[tuple[str, str]]:
        tokens = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            match = _TOKEN_RE.match(text, pos)
            if not match:
                raise _UntranslatableError()
            kind = match.lastgroup or ""
            tokens.append((kind, match.group(kind)))
            pos = match.end()
        return tokens

    def show_if(self) -> dict[str, Any]:
        result = self.disjunction()
        if self.at != len(self.tokens):
            raise _UntranslatableError()
        if not result.values:
            raise _UntranslatableError("it never holds")
        kind = self.mapper.kinds[result.item]
        values = list(result.values)
        if kind is ItemType.YES_NO or kind in (ItemType.SINGLE_CHOICE, ItemType.MULTI_CHOICE):
            values = [str(v) for v in values]
        key = "equals" if result.inside else "not_equals"
        return {"item": result.item, key: values if len(values) > 1 else values[0]}

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, kind: str, text: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (text is not None and token[1] != text):
            raise _UntranslatableError()
        self.at += 1
        return token[1]

    def disjunction(self) -> _Set:
        result = self.conjunction()
        while self.peek() == ("word", "or"):
            self.at += 1
            result = self.combine(result, self.conjunction(), either=True)
        return result

    def conjunction(self) -> _Set:
        result = self.unary()
        while self.peek() == ("word", "and"):
            self.at += 1
            result = self.combine(result, self.unary(), either=False)
        return result

    def unary(self) -> _Set:
        token = self.peek()
        if token == ("word", "not"):
            self.at += 1
            self.take("op", "(")
            inner = self.disjunction()
            self.take("op", ")")
            return self.negate(inner)
        if token == ("op", "("):
            self.at += 1
            inner = self.disjunction()
            self.take("op", ")")
            return inner
        if token == ("word", "selected"):
            self.at += 1
            self.take("op", "(")
            item = self.reference()
            self.take("op", ",")
            value = self.literal(item)
            self.take("op", ")")
            return _Set(item, (value,), True)
        return self.comparison()

    def reference(self) -> str:
        token = self.take("ref")  # ${name}, or ../name as pyxform writes its own
        ref = token[3:] if token.startswith("../") else token[2:-1]
        if ref not in self.mapper.kinds:
            raise _UntranslatableError(f"{ref!r} is not an imported question")
        return ref

    def literal(self, item: str) -> Any:
        token = self.peek()
        if token is None:
            raise _UntranslatableError()
        kind = self.mapper.kinds[item]
        self.at += 1
        if token[0] == "str":
            text = token[1][1:-1]
            if text == NA:
                return NA
            if kind in (ItemType.RATING, ItemType.COUNT, *_NUMBER_TYPES):
                return _number(text)
            return text
        if token[0] == "num":
            if kind in (ItemType.YES_NO, ItemType.SINGLE_CHOICE, ItemType.MULTI_CHOICE):
                return token[1]
            return _number(token[1])
        raise _UntranslatableError()

    def comparison(self) -> _Set:
        item = self.reference()
        op = self.take("op")
        value = self.literal(item)
        kind = self.mapper.kinds[item]
        if kind is ItemType.MULTI_CHOICE:
            raise _UntranslatableError("use selected() for a multiple choice")
        if op == "=":
            return _Set(item, (value,), True)
        if op == "!=":
            return _Set(item, (value,), False)
        compare: dict[str, Callable[[float], bool]] = {
            "<": lambda v: v < value,
            "<=": lambda v: v <= value,
            ">": lambda v: v > value,
            ">=": lambda v: v >= value,
        }
        if op not in compare or kind is not ItemType.RATING:
            raise _UntranslatableError()
        scale = self.mapper.items[item].get("scale") or {}
        low, high = scale.get("min", 1), scale.get("max", 5)
        return _Set(item, tuple(v for v in range(low, high + 1) if compare[op](v)), True)

    def negate(self, inner: _Set) -> _Set:
        return _Set(inner.item, inner.values, not inner.inside)

    def combine(self, a: _Set, b: _Set, *, either: bool) -> _Set:
        if a.item != b.item:
            raise _UntranslatableError("a show-if depends on one question")
        multi = self.mapper.kinds[a.item] is ItemType.MULTI_CHOICE
        # Each side is "in A" or "not in A"; their and / or is again one of those.
        if either and a.inside and b.inside:
            return _Set(a.item, a.values + b.values, True)
        if not either and not a.inside and not b.inside:
            return _Set(a.item, a.values + b.values, False)
        if multi:  # "any of A selected" and "any of B" is no "any of" a set
            raise _UntranslatableError()
        if either and not a.inside and not b.inside:
            return _Set(a.item, tuple(v for v in a.values if v in b.values), False)
        if not either and a.inside and b.inside:
            return _Set(a.item, tuple(v for v in a.values if v in b.values), True)
        inside, outside = (a, b) if a.inside else (b, a)
        rest = tuple(
            v
            for v in (outside if either else inside).values
            if v not in (inside if either else outside).values
        )
        return _Set(a.item, rest, not either)


def _number(text: str) -> int | float:
    try:
        number = float(text)
    except ValueError as exc:
        raise _UntranslatableError() from exc
    if not math.isfinite(number):
        raise _UntranslatableError()
    return int(number) if number.is_integer() else number


# -- writing ---------------------------------------------------------------------

_XML_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_WRITTEN_TYPES = {
    ItemType.RATING: "range",
    ItemType.NUMBER: "decimal",
    ItemType.COUNT: "integer",
    ItemType.DURATION: "decimal",
    ItemType.DATETIME: "dateTime",
    ItemType.TEXT: "text",
}
_CARRIED = {"id", "prompt", "help", "type", "options", "show_if", "required", "translations"}


def xlsform_sheets(template: Template) -> dict[str, list[list[str]]]:
    """The template as XLSForm sheets (`survey`, `choices`, `settings`): rows of cells,
    the header first.

    Raises:
        TemplateError: an id or option XLSForm cannot name (it must start with a letter
            or `_`), or a condition value holding both kinds of quote.
    """
    data = template_to_data(template)
    languages = [lang for lang in template.languages if lang != template.language]
    own = f"::{template.language}" if template.language else ""
    label_columns = [f"label{own}", *(f"label::{lang}" for lang in languages)]
    hint_columns = [f"hint{own}", *(f"hint::{lang}" for lang in languages)]
    extras = [k for k in _EXTRA_ITEM_FIELDS]
    survey_header = [
        "type",
        "name",
        *label_columns,
        *hint_columns,
        "required",
        "relevant",
        *(f"shopper::{k}" for k in extras),
    ]
    if ItemType.RATING in {i.type for i in template.items()}:
        survey_header.append("parameters")
    if any(section.description for section in template.sections):
        survey_header.append("shopper::description")
    choices_header = ["list_name", "name", *label_columns, "shopper_score"]
    survey: list[dict[str, str]] = []
    choices: list[dict[str, str]] = []
    lists: dict[tuple[str, ...], str] = {}

    def name(value: str, what: str) -> str:
        if not _XML_NAME_RE.fullmatch(value):
            raise TemplateError(
                f"{template.title}: {what} {value!r} cannot be an XLSForm name "
                "(start it with a letter or '_'; then letters, digits, '_', '.' or '-')"
            )
        return value

    def texts(row: dict[str, str], column: str, base: str, others: Mapping[str, str]) -> None:
        if base:
            row[f"{column}{own}"] = base
        for lang, text in others.items():
            if text:
                row[f"{column}::{lang}"] = text

    kinds = {i.id: i.type for i in template.items()}
    for section, s_data in zip(template.sections, data["sections"], strict=True):
        group = {"type": "begin_group", "name": name(section.id, "section id")}
        texts(group, "label", section.title, dict(section.translations))
        if section.description:  # text as it is: it reads back as text
            group["shopper::description"] = section.description
        survey.append(group)
        for item, i_data in zip(section.items, s_data["items"], strict=True):
            row: dict[str, str] = {"name": name(item.id, "item id")}
            texts(row, "label", item.prompt, {t.language: t.prompt for t in item.translations})
            texts(row, "hint", item.help, {t.language: t.help for t in item.translations})
            if item.required:
                row["required"] = "yes"
            if item.show_if is not None:
                row["relevant"] = _relevant(
                    item.show_if.item,
                    kinds[item.show_if.item],
                    item.show_if.values,
                    item.show_if.negate,
                    template,
                )
            if item.type is ItemType.INFO:
                row["type"] = "note"  # its label, hint and relevant say all of it
                survey.append(row)
                continue
            if item.type is ItemType.YES_NO:
                keys: tuple[str, ...] = ("yes", "no", NA) if item.allow_na else ("yes", "no")
                list_name = lists.get(keys)
                if list_name is None:
                    list_name = lists[keys] = "yes_no_na" if item.allow_na else "yes_no"
                    for key, label in zip(keys, ("Yes", "No", "N/A"), strict=False):
                        choices.append({"list_name": list_name, "name": key, f"label{own}": label})
                row["type"] = f"select_one {list_name}"
            elif item.type in (ItemType.SINGLE_CHOICE, ItemType.MULTI_CHOICE):
                list_name = f"list_{len(lists) + 1}"
                lists[(list_name,)] = list_name
                for option in item.options:
                    choice = {"list_name": list_name, "name": option.key}
                    texts(choice, "label", option.label, dict(option.translations))
                    if option.score is not None:
                        score = option.score
                        choice["shopper_score"] = _cell(int(score) if score.is_integer() else score)
                    choices.append(choice)
                kind = "select_one" if item.type is ItemType.SINGLE_CHOICE else "select_multiple"
                row["type"] = f"{kind} {list_name}"
                if item.allow_na:
                    row["shopper::na"] = "true"
                keys = tuple(o.key for o in item.options)
                if item.type is ItemType.SINGLE_CHOICE and keys in (
                    ("yes", "no"),
                    ("yes", "no", NA),
                ):
                    row["shopper::type"] = item.type.value  # else it reads back as yes / no
            else:
                row["type"] = _WRITTEN_TYPES[item.type]
                if item.type in (ItemType.COUNT, ItemType.DURATION):
                    row["shopper::type"] = item.type.value
                if item.type is ItemType.RATING and item.scale is not None:
                    row["parameters"] = f"start={item.scale.min} end={item.scale.max} step=1"
            for key, value in i_data.items():
                if key in _CARRIED or (key == "scale" and not _labelled(value)):
                    continue
                if key == "na" and item.type is ItemType.YES_NO:
                    continue  # said by the N/A choice
                row[f"shopper::{key}"] = _cell(value)
            survey.append(row)
        survey.append({"type": "end_group"})
    settings = {
        "form_title": template.title,
        "form_id": "shopper_" + template.id.replace("-", "_"),
        "version": str(template.version),
        "shopper::id": template.id,
        "shopper::touchpoint": template.touchpoint,
    }
    settings_header = ["form_title", "form_id", "version"]
    if template.language:
        settings["default_language"] = template.language
        settings_header.append("default_language")
    settings_header += ["shopper::id", "shopper::touchpoint"]
    if template.description:  # text as it is: it reads back as text
        settings["shopper::description"] = template.description
        settings_header.append("shopper::description")
    if "bands" in data:
        settings["shopper::bands"] = _cell(data["bands"])
        settings_header.append("shopper::bands")
    sheets = {
        "survey": _table(survey_header, survey),
        "choices": _table(choices_header, choices),
        "settings": _table(settings_header, [settings]),
    }
    return sheets


def write_xlsform(template: Template, out: io.BufferedIOBase | io.BytesIO | Any) -> None:
    """Write the template as an .xlsx XLSForm workbook to a binary file object."""
    from openpyxl import Workbook

    book = Workbook()
    first = True
    for title, rows in xlsform_sheets(template).items():
        sheet = book.active if first else book.create_sheet()
        first = False
        assert sheet is not None
        sheet.title = title
        for cells in rows:
            sheet.append(cells)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text, not a formula
    book.save(out)


def xlsform_bytes(template: Template) -> bytes:
    out = io.BytesIO()
    write_xlsform(template, out)
    return out.getvalue()


def _table(header: list[str], rows: list[dict[str, str]]) -> list[list[str]]:
    used = [h for h in header if h in ("type", "name", "list_name") or any(h in r for r in rows)]
    for row in rows:  # every column a row uses is in the header (label::lang of an option...)
        for key in row:
            if key not in used:
                used.append(key)
    return [used, *([row.get(h, "") for h in used] for row in rows)]


def _labelled(scale: Any) -> bool:
    return isinstance(scale, dict) and bool(scale.get("min_label") or scale.get("max_label"))


def _cell(value: Any) -> str:
    """A value as the YAML text a `shopper::` cell holds: `2`, `{good: 1, bad: 5}`."""
    import yaml

    text = yaml.safe_dump(
        value, default_flow_style=True, sort_keys=False, allow_unicode=True, width=1_000_000
    )
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _relevant(
    source: str, kind: ItemType, values: tuple[Any, ...], negate: bool, template: Template
) -> str:
    def literal(value: Any) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if "e" in repr(value) or not math.isfinite(value):
                raise TemplateError(
                    f"{template.title}: the show-if on {source!r} names {value!r}, which "
                    "XLSForm cannot write (write it without an exponent)"
                )
            return repr(value)
        text = str(value)
        if "'" not in text:
            return f"'{text}'"
        if '"' not in text:
            return f'"{text}"'
        raise TemplateError(
            f"{template.title}: the show-if on {source!r} names {text!r}, which XLSForm "
            "cannot quote (it holds both ' and \")"
        )

    if kind is ItemType.MULTI_CHOICE:
        atoms = [f"selected(${{{source}}}, {literal(v)})" for v in values]
        if negate:
            return " and ".join(f"not({a})" for a in atoms)
        return " or ".join(atoms)
    op, join = ("!=", " and ") if negate else ("=", " or ")
    return join.join(f"${{{source}}} {op} {literal(v)}" for v in values)

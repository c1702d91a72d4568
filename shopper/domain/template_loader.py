"""Read and validate checklist template files (docs/templates.md).

Every fault is reported as one `TemplateError` naming the file, the path of
the field inside it and what is wrong, e.g.
``phone.yaml: sections[2].items[4].type: unknown type 'yesno'``.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

import yaml

from shopper.domain.answers import normalize_answer, parse_duration
from shopper.domain.errors import AnswerError, TemplateError
from shopper.domain.template import (
    DEFAULT_BANDS,
    FORMAT_VERSION,
    NA,
    TOUCHPOINTS,
    Band,
    Item,
    ItemText,
    ItemType,
    Later,
    Option,
    Scale,
    Section,
    ShowIf,
    Target,
    Template,
    language_matches,
)

MAX_TEMPLATE_BYTES = 1024 * 1024
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_THEME_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_MAX_TEXT = 4000

MAX_LATER_DAYS = 366
"""The longest wait for a follow-up: a year."""
MAX_VERSION = 1_000_000
"""Versions are counted, not dates: a million leaves room and fits every database's integer."""
_TEMPLATE_KEYS = {
    "format",
    "id",
    "version",
    "title",
    "touchpoint",
    "description",
    "bands",
    "language",
}
_INFO_KEYS = {"id", "prompt", "help", "type", "show_if", "translations"}
"""What an information item takes: its text (and words in other languages), and a show-if."""
_SECTION_KEYS = {"id", "title", "description", "items", "translations"}
_ITEM_KEYS = {
    "id",
    "prompt",
    "help",
    "type",
    "weight",
    "required",
    "critical",
    "theme",
    "na",
    "pass",
    "options",
    "scale",
    "target",
    "min",
    "max",
    "unit",
    "show_if",
    "later",
    "translations",
}
_MAX_LANGUAGE = 60
_NUMERIC_TYPES = (ItemType.NUMBER, ItemType.COUNT, ItemType.DURATION)
_CHOICE_TYPES = (ItemType.SINGLE_CHOICE, ItemType.MULTI_CHOICE)


@dataclass(frozen=True)
class LoadedTemplate:
    """A validated template with the exact source it came from."""

    template: Template
    source: str
    sha256: str


def load_template_file(path: Path) -> LoadedTemplate:
    """Read, parse and validate one template file.

    Raises:
        TemplateError: naming the file and the faulty field.
    """
    name = path.name
    try:
        size = path.stat().st_size
        if size > MAX_TEMPLATE_BYTES:
            raise TemplateError(
                f"{name}: file is {size:,} bytes; a template may be at most "
                f"{MAX_TEMPLATE_BYTES:,} bytes (1 MiB)"
            )
        with path.open("rb") as fh:
            raw = fh.read(MAX_TEMPLATE_BYTES + 1)
    except OSError as exc:
        raise TemplateError(f"{name}: cannot read file: {exc.strerror or exc}") from exc
    return load_template_bytes(raw, name=name)


def load_template_bytes(raw: bytes, *, name: str = "template") -> LoadedTemplate:
    """Parse and validate a template given as bytes (UTF-8 YAML or JSON)."""
    if len(raw) > MAX_TEMPLATE_BYTES:
        raise TemplateError(
            f"{name}: file is larger than {MAX_TEMPLATE_BYTES:,} bytes (1 MiB); "
            "a template may be at most 1 MiB"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateError(
            f"{name}: not UTF-8 text (invalid byte at position {exc.start})"
        ) from exc
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return LoadedTemplate(_parsed(text, sha256, name), text, sha256)


def parse_template_text(text: str, *, name: str = "template") -> Template:
    """Validate template source text that was already accepted once (e.g. from the database)."""
    # "surrogatepass": a text no file could give (a lone surrogate) has a key too; the YAML
    # reader refuses it as before.
    return _parsed(text, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(), name)


def known_template(sha256: str) -> Template | None:
    """The template parsed already in this process from the text of this SHA-256, if kept."""
    with _PARSED_LOCK:
        found = _PARSED.get(sha256)
        if found is not None:
            _PARSED.move_to_end(sha256)
        return found


PARSED_KEPT = 64
"""How many parsed templates the process keeps, the most recently used."""
_PARSED: OrderedDict[str, Template] = OrderedDict()
_PARSED_LOCK = threading.Lock()


def _parsed(text: str, sha256: str, name: str) -> Template:
    """The template of this text: parsed and validated once per process, then kept by the
    SHA-256 of the text (a few dozen, the most recently used). A `Template` never changes,
    and nothing of it depends on `name` (only the messages of a refused text do: a text
    refused is not kept, and is refused again with its own name each time)."""
    found = known_template(sha256)
    if found is not None:
        return found
    template = _Validator(name).template(parse_yaml_strict(text, name=name))
    with _PARSED_LOCK:
        _PARSED[sha256] = template
        _PARSED.move_to_end(sha256)
        while len(_PARSED) > PARSED_KEPT:
            _PARSED.popitem(last=False)
    return template


def template_from_data(data: Any, *, name: str = "template") -> Template:
    """Validate a template given as the data YAML would give (the editor's working copy)."""
    return _Validator(name).template(data)


def parse_yaml_strict(text: str, *, name: str) -> Any:
    """Parse YAML refusing tags, anchors, aliases and duplicate keys.

    Tags can build arbitrary objects and aliases allow "billion laughs" style
    expansion, so neither has any place in a checklist.
    """
    try:
        for event in yaml.parse(text, Loader=_FastSafeLoader):
            line = event.start_mark.line + 1 if event.start_mark else 0
            if isinstance(event, yaml.AliasEvent):
                raise TemplateError(f"{name}: line {line}: YAML aliases (*name) are not allowed")
            anchor = getattr(event, "anchor", None)
            if anchor is not None:
                raise TemplateError(f"{name}: line {line}: YAML anchors (&name) are not allowed")
            tag = getattr(event, "tag", None)
            if tag is not None and not isinstance(event, yaml.DocumentStartEvent):
                raise TemplateError(f"{name}: line {line}: YAML tags ({tag}) are not allowed")
        docs = list(yaml.load_all(text, Loader=_StrictLoader))
    except TemplateError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise TemplateError(f"{name}: {where}not valid YAML: {exc.problem}") from exc
    except yaml.reader.ReaderError as exc:  # its str() spans two lines
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character
        shown = f"#x{char:04x}" if isinstance(char, int) else repr(char)
        raise TemplateError(
            f"{name}: line {line}: not valid YAML: {exc.reason} (character {shown})"
        ) from exc
    except yaml.YAMLError as exc:
        raise TemplateError(f"{name}: not valid YAML: {exc}") from exc
    except _DuplicateKeyError as exc:
        raise TemplateError(f"{name}: {exc}") from exc
    except (ValueError, OverflowError) as exc:
        # Scalars the resolver accepts but cannot build: 2001-02-30, 0x_, 5000-digit ints.
        raise TemplateError(f"{name}: not valid YAML: {exc}") from exc
    except RecursionError as exc:
        raise TemplateError(f"{name}: nested too deeply") from exc
    if len(docs) != 1:
        raise TemplateError(f"{name}: expected exactly one YAML document, found {len(docs)}")
    return docs[0]


class _DuplicateKeyError(Exception):
    pass


# libyaml's parser (when PyYAML was built with it) reads the same YAML many times
# faster; the checks and the object construction stay the same Python code.
_FastSafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_FastSafeLoader):  # type: ignore[valid-type,misc]
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict):
                raise _DuplicateKeyError(f"line {key_node.start_mark.line + 1}: a key must be text")
            if key in seen:
                raise _DuplicateKeyError(
                    f"line {key_node.start_mark.line + 1}: duplicate key {str(key)!r}"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _yamlish_answer(value: Any) -> Any:
    """YAML 1.1 reads unquoted yes/no as booleans; answers use the words."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


class _Validator:
    def __init__(self, name: str) -> None:
        self.name = name
        self.language = ""

    def fail(self, path: str, message: str) -> NoReturn:
        where = f"{path}: " if path else ""
        raise TemplateError(f"{self.name}: {where}{message}")

    # -- scalars -------------------------------------------------------------

    def mapping(self, value: Any, path: str, allowed: set[str]) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping, got {_kind(value)}")
        for key in value:
            if not isinstance(key, str):
                self.fail(path, f"field names must be text, got {key!r}")
            if key not in allowed:
                near = ", ".join(sorted(allowed))
                shown = key if key.isprintable() else repr(key)  # keep the message one line
                self.fail(_join(path, shown), f"unknown field {key!r} (expected one of: {near})")
        return value

    def text(
        self,
        data: Mapping[str, Any],
        key: str,
        path: str,
        *,
        required: bool,
        limit: int = _MAX_TEXT,
    ) -> str:
        if key not in data or data[key] is None:
            if required:
                self.fail(_join(path, key), "missing (required)")
            return ""
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(_join(path, key), f"expected text, got {_kind(value)}")
        value = str(value)
        if required and not value.strip():
            self.fail(_join(path, key), "must not be empty")
        if len(value) > limit:
            self.fail(_join(path, key), f"too long ({len(value)} characters; limit {limit})")
        return value

    def ident(self, data: Mapping[str, Any], key: str, path: str) -> str:
        value = data.get(key)
        if value is None:
            self.fail(_join(path, key), "missing (required)")
        if not isinstance(value, str) or not _ID_RE.fullmatch(value):
            self.fail(
                _join(path, key),
                f"invalid id {value!r}: use 1-64 letters, digits, '_', '.' or '-'",
            )
        return value

    def boolean(self, data: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        if key not in data:
            return default
        value = data[key]
        if not isinstance(value, bool):
            self.fail(_join(path, key), f"expected true or false, got {value!r}")
        return value

    def number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(path, f"expected a number, got {value!r}")
        try:
            number = float(value)
        except OverflowError:
            self.fail(path, "number is too large")
        if not math.isfinite(number):
            self.fail(path, f"expected a finite number, got {value!r}")
        return number

    def integer(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected a whole number, got {value!r}")
        return value

    # -- structure -----------------------------------------------------------

    def template(self, data: Any) -> Template:
        if data is None:
            self.fail("", "file is empty")
        doc = self.mapping(data, "", _TEMPLATE_KEYS | {"sections"})
        if "format" not in doc:
            self.fail("format", f"missing (required; this app reads format {FORMAT_VERSION})")
        fmt = doc["format"]
        if isinstance(fmt, bool) or not isinstance(fmt, int):
            self.fail("format", f"expected a whole number, got {fmt!r}")
        if fmt > FORMAT_VERSION:
            self.fail(
                "format",
                f"format version {fmt} is newer than this app supports "
                f"({FORMAT_VERSION}); update Shopper to read it",
            )
        if fmt < 1:
            self.fail("format", f"unsupported format version {fmt}")
        raw_id = doc.get("id")
        try:
            template_id = str(uuid.UUID(str(raw_id))) if isinstance(raw_id, str) else None
        except ValueError:
            template_id = None
        if template_id is None:
            self.fail("id", f"expected a UUID such as {uuid.UUID(int=0)}, got {raw_id!r}")
        version = self.integer(doc.get("version"), "version")
        if not 1 <= version <= MAX_VERSION:
            shown = f"{version}" if abs(version) < 10**12 else "a number that large"
            self.fail("version", f"must be a whole number from 1 to {MAX_VERSION:,}, got {shown}")
        title = self.text(doc, "title", "", required=True, limit=200)
        touchpoint = doc.get("touchpoint")
        if not isinstance(touchpoint, str) or touchpoint not in TOUCHPOINTS:
            self.fail(
                "touchpoint",
                f"unknown touchpoint {touchpoint!r} (expected one of: {', '.join(TOUCHPOINTS)})",
            )
        description = self.text(doc, "description", "", required=False)
        if doc.get("language") is not None:
            self.language = self.language_name(doc["language"], "language")
        bands = self.bands(doc.get("bands"))
        sections_raw = doc.get("sections")
        if not isinstance(sections_raw, list) or not sections_raw:
            self.fail("sections", "expected a non-empty list of sections")
        seen_sections: set[str] = set()
        seen_items: dict[str, str] = {}
        sections = []
        for s_index, s_raw in enumerate(sections_raw):
            section = self.section(s_raw, f"sections[{s_index}]", seen_items)
            if section.id in seen_sections:
                self.fail(f"sections[{s_index}].id", f"duplicate section id {section.id!r}")
            seen_sections.add(section.id)
            sections.append(section)
        template = Template(
            id=template_id,
            version=version,
            title=title,
            touchpoint=touchpoint,
            sections=tuple(sections),
            description=description,
            bands=bands,
            language=self.language,
        )
        return self.check_conditions(template, seen_items)

    def bands(self, raw: Any) -> tuple[Band, ...]:
        if raw is None:
            return DEFAULT_BANDS
        if not isinstance(raw, list) or not raw:
            self.fail("bands", "expected a non-empty list of bands")
        bands = []
        for index, b_raw in enumerate(raw):
            path = f"bands[{index}]"
            band = self.mapping(b_raw, path, {"name", "min", "pass"})
            name = self.text(band, "name", path, required=True, limit=40)
            if "min" not in band:
                self.fail(_join(path, "min"), "missing (required)")
            minimum = self.number(band["min"], _join(path, "min"))
            if not 0 <= minimum <= 100:
                self.fail(_join(path, "min"), f"must be between 0 and 100, got {minimum:g}")
            passed = self.boolean(band, "pass", path, default=True)
            bands.append(Band(name, minimum, passed))
        if not any(b.min_percent == 0 for b in bands):
            self.fail("bands", "one band must start at min: 0 so every score has a band")
        return tuple(sorted(bands, key=lambda b: b.min_percent, reverse=True))

    def section(self, raw: Any, path: str, seen_items: dict[str, str]) -> Section:
        data = self.mapping(raw, path, _SECTION_KEYS)
        section_id = self.ident(data, "id", path)
        title = self.text(data, "title", path, required=True, limit=200)
        description = self.text(data, "description", path, required=False)
        items_raw = data.get("items")
        if not isinstance(items_raw, list) or not items_raw:
            self.fail(_join(path, "items"), "expected a non-empty list of items")
        items = []
        for i_index, i_raw in enumerate(items_raw):
            item_path = f"{path}.items[{i_index}]"
            item = self.item(i_raw, item_path, section_id)
            if item.id in seen_items:
                self.fail(
                    f"{item_path}.id",
                    f"duplicate item id {item.id!r} (first used at {seen_items[item.id]})",
                )
            seen_items[item.id] = item_path
            items.append(item)
        translations = tuple(
            (language, text["title"])
            for language, text in self.translations(data, path, ("title",))
        )
        return Section(section_id, title, tuple(items), description, translations)

    def item(self, raw: Any, path: str, section_id: str) -> Item:
        data = self.mapping(raw, path, _ITEM_KEYS)
        item_id = self.ident(data, "id", path)
        prompt = self.text(data, "prompt", path, required=True, limit=1000)
        help_text = self.text(data, "help", path, required=False)
        type_raw = data.get("type")
        if type_raw is None:
            self.fail(_join(path, "type"), "missing (required)")
        try:
            item_type = ItemType(type_raw)
        except ValueError:
            known = ", ".join(t.value for t in ItemType)
            self.fail(_join(path, "type"), f"unknown type {type_raw!r} (expected one of: {known})")
        if item_type is ItemType.INFO:
            for key in data:
                if key not in _INFO_KEYS:
                    self.fail(_join(path, key), f"an information item takes no {key}")
        weight = 0.0 if item_type is ItemType.INFO else 1.0
        if "weight" in data:
            weight = self.number(data["weight"], _join(path, "weight"))
            if weight < 0:
                self.fail(_join(path, "weight"), f"must not be negative, got {weight:g}")
        required = self.boolean(data, "required", path, default=False)
        critical = self.boolean(data, "critical", path, default=False)
        theme = ""
        if data.get("theme") is not None:
            theme = data["theme"]
            if not isinstance(theme, str) or not _THEME_RE.fullmatch(theme):
                self.fail(
                    _join(path, "theme"),
                    f"invalid theme {theme!r}: use lower-case letters, digits and '-'",
                )
        allow_na = self.boolean(data, "na", path, default=item_type is ItemType.YES_NO)
        if allow_na and item_type is ItemType.TEXT:
            self.fail(_join(path, "na"), "a free-text item cannot offer N/A")

        def only_for(key: str, *types: ItemType) -> None:
            if key in data and item_type not in types:
                kinds = " or ".join(t.value for t in types)
                self.fail(_join(path, key), f"only allowed for {kinds} items")

        only_for("pass", ItemType.YES_NO)
        only_for("options", *_CHOICE_TYPES)
        only_for("scale", ItemType.RATING)
        only_for("target", *_NUMERIC_TYPES)
        only_for("min", ItemType.NUMBER, ItemType.COUNT)
        only_for("max", ItemType.NUMBER, ItemType.COUNT)
        only_for("unit", ItemType.NUMBER, ItemType.COUNT)

        pass_answer = "yes"
        if "pass" in data:
            pass_answer = _yamlish_answer(data["pass"])
            if pass_answer not in ("yes", "no"):
                self.fail(_join(path, "pass"), f"expected yes or no, got {data['pass']!r}")

        options: tuple[Option, ...] = ()
        if item_type in _CHOICE_TYPES:
            options = self.options(data.get("options"), _join(path, "options"))

        scale = None
        if item_type is ItemType.RATING:
            scale = self.scale(data.get("scale"), _join(path, "scale"))

        target = None
        if "target" in data:
            target = self.target(data["target"], _join(path, "target"), item_type)

        minimum = maximum = None
        if "min" in data:
            minimum = self.number(data["min"], _join(path, "min"))
        if "max" in data:
            maximum = self.number(data["max"], _join(path, "max"))
        if minimum is not None and maximum is not None and minimum > maximum:
            self.fail(_join(path, "max"), f"must not be below min ({minimum:g})")
        unit = self.text(data, "unit", path, required=False, limit=40)

        show_if = None
        if "show_if" in data:
            show_if = self.show_if(data["show_if"], _join(path, "show_if"))
        translations = tuple(
            ItemText(language, text.get("prompt", ""), text.get("help", ""))
            for language, text in self.translations(data, path, ("prompt", "help"))
        )

        item = Item(
            id=item_id,
            prompt=prompt,
            type=item_type,
            help=help_text,
            weight=weight,
            required=required,
            critical=critical,
            theme=theme,
            allow_na=allow_na,
            pass_answer=pass_answer,
            options=options,
            scale=scale,
            target=target,
            minimum=minimum,
            maximum=maximum,
            unit=unit,
            show_if=show_if,
            section_id=section_id,
            translations=translations,
        )
        if critical and not item.scored:
            self.fail(
                _join(path, "critical"),
                "a critical item must be scored (give it a weight above 0 and, for choices "
                "or numbers, option scores or a target) so a wrong answer can be told",
            )
        if "later" in data:
            item = replace(item, later=self.later(data["later"], _join(path, "later"), item))
        return item

    def later(self, raw: Any, path: str, item: Item) -> Later:
        """`later: {working_days: 5}`: answered after a wait, the failing answer if none."""
        data = self.mapping(raw, path, {"working_days", "days", "otherwise"})
        if not item.required:
            self.fail(path, "only a required item can wait to be answered (add required: true)")
        if ("working_days" in data) == ("days" in data):
            self.fail(path, "give exactly one of 'working_days' or 'days'")
        key = "working_days" if "working_days" in data else "days"
        days = self.integer(data[key], _join(path, key))
        if not 1 <= days <= MAX_LATER_DAYS:
            self.fail(_join(path, key), f"must be 1 to {MAX_LATER_DAYS}, got {days}")
        if "otherwise" in data:
            raw_answer = _yamlish_answer(data["otherwise"])
        elif item.type is ItemType.YES_NO:
            raw_answer = "no" if item.pass_answer == "yes" else "yes"
        else:
            self.fail(path, "give 'otherwise': the answer when the window passes with none")
        try:
            otherwise = normalize_answer(item, raw_answer)
        except AnswerError as exc:
            self.fail(_join(path, "otherwise"), str(exc).removeprefix(f"{item.id}: "))
        return Later(days=days, working=key == "working_days", otherwise=otherwise)

    def options(self, raw: Any, path: str) -> tuple[Option, ...]:
        if not isinstance(raw, list) or len(raw) < 2:
            self.fail(path, "expected a list of at least 2 options")
        if len(raw) > 50:
            self.fail(path, f"too many options ({len(raw)}; limit 50)")
        options = []
        seen: set[str] = set()
        for index, o_raw in enumerate(raw):
            o_path = f"{path}[{index}]"
            if isinstance(o_raw, bool):
                self.fail(
                    o_path,
                    f"YAML reads an unquoted {_yamlish_answer(o_raw)!r} as true/false; "
                    "put the option in quotes",
                )
            if isinstance(o_raw, str | int | float):
                key = label = str(o_raw)
                score = None
            else:
                o_data = self.mapping(o_raw, o_path, {"key", "label", "score", "translations"})
                key = self.text(o_data, "key", o_path, required=True, limit=64)
                label = self.text(o_data, "label", o_path, required=False, limit=200) or key
                score = None
                if "score" in o_data:
                    score = self.number(o_data["score"], _join(o_path, "score"))
                    if not 0 <= score <= 1:
                        self.fail(_join(o_path, "score"), f"must be between 0 and 1, got {score:g}")
            if not key.strip():
                self.fail(o_path, "an option key must not be empty")
            if key == NA:
                self.fail(o_path, f"{NA!r} is reserved for N/A; set na: true instead")
            if key in seen:
                self.fail(o_path, f"duplicate option {key!r}")
            seen.add(key)
            labels: tuple[tuple[str, str], ...] = ()
            if not isinstance(o_raw, str | int | float):
                labels = tuple(
                    (language, text["label"])
                    for language, text in self.translations(o_data, o_path, ("label",))
                )
            options.append(Option(key, label, score, labels))
        return tuple(options)

    def language_name(self, raw: Any, path: str) -> str:
        if not isinstance(raw, str) or not raw.strip():
            self.fail(
                path, f"expected the name of a language such as 'French (fr)', got {_kind(raw)}"
            )
        if len(raw) > _MAX_LANGUAGE or not raw.isprintable() or raw != raw.strip():
            self.fail(
                path,
                f"invalid language {raw[:_MAX_LANGUAGE]!r}: one line of at most "
                f"{_MAX_LANGUAGE} characters without spaces around it",
            )
        return raw

    def translations(
        self, data: Mapping[str, Any], path: str, fields: tuple[str, ...]
    ) -> list[tuple[str, dict[str, str]]]:
        """`translations: {French (fr): {prompt: ..., help: ...}}`: the words per language.

        With a single field (an option's label) each language gives its text directly:
        `translations: {French (fr): Oui}`.
        """
        if "translations" not in data:
            return []
        t_path = _join(path, "translations")
        raw = data["translations"]
        if not isinstance(raw, dict) or not raw:
            self.fail(t_path, "expected a mapping of languages to their words")
        found = []
        for language, words in raw.items():
            name = self.language_name(language, t_path)
            w_path = f"{t_path}.{name}"
            if language_matches(name, self.language):
                self.fail(w_path, f"{name!r} is the template's own language (see 'language')")
            short = len(fields) == 1
            w_data = self.mapping({fields[0]: words} if short else words, w_path, set(fields))
            texts = {}
            for key in fields:
                limit = _MAX_TEXT if key == "help" else 1000
                text = self.text(w_data, key, "" if short else w_path, required=False, limit=limit)
                if text.strip():
                    texts[key] = text
            if not texts:
                self.fail(w_path, f"give the {' or '.join(fields)} in {name}")
            found.append((name, texts))
        # In the order of their names: which language a file lists first means nothing.
        return sorted(found, key=lambda pair: pair[0])

    def scale(self, raw: Any, path: str) -> Scale:
        if raw is None:
            return Scale()
        data = self.mapping(raw, path, {"min", "max", "min_label", "max_label"})
        low = self.integer(data.get("min", 1), _join(path, "min"))
        high = self.integer(data.get("max", 5), _join(path, "max"))
        if not 0 <= low < high <= 10:
            self.fail(path, f"need 0 <= min < max <= 10, got min {low} and max {high}")
        return Scale(
            low,
            high,
            self.text(data, "min_label", path, required=False, limit=60),
            self.text(data, "max_label", path, required=False, limit=60),
        )

    def target(self, raw: Any, path: str, item_type: ItemType) -> Target:
        data = self.mapping(raw, path, {"good", "bad"})
        values = []
        for key in ("good", "bad"):
            if key not in data:
                self.fail(_join(path, key), "missing (required)")
            value = data[key]
            if item_type is ItemType.DURATION and isinstance(value, str):
                try:
                    values.append(parse_duration(value))
                except ValueError as exc:
                    self.fail(_join(path, key), str(exc))
            else:
                values.append(self.number(value, _join(path, key)))
        if values[0] == values[1]:
            self.fail(path, "good and bad must differ")
        return Target(values[0], values[1])

    def show_if(self, raw: Any, path: str) -> ShowIf:
        data = self.mapping(raw, path, {"item", "equals", "not_equals"})
        target = data.get("item")
        if not isinstance(target, str):
            self.fail(_join(path, "item"), "missing (the id of the item this depends on)")
        has_eq, has_ne = "equals" in data, "not_equals" in data
        if has_eq == has_ne:
            self.fail(path, "give exactly one of 'equals' or 'not_equals'")
        key = "equals" if has_eq else "not_equals"
        raw_values = data[key]
        listed = raw_values if isinstance(raw_values, list) else [raw_values]
        if not listed:
            self.fail(_join(path, key), "must name at least one answer")
        values = []
        for raw_value in listed:
            value = _yamlish_answer(raw_value)
            if isinstance(value, list | dict) or value is None:
                self.fail(_join(path, key), f"expected an answer value, got {_kind(value)}")
            values.append(value)
        return ShowIf(target, tuple(values), negate=has_ne)

    def check_conditions(self, template: Template, paths: dict[str, str]) -> Template:
        """Check every show_if; return the template with condition values in answer form."""
        normalized: dict[str, ShowIf] = {}
        for item in template.items():
            cond = item.show_if
            if cond is None:
                continue
            path = f"{paths[item.id]}.show_if.item"
            if cond.item == item.id:
                self.fail(path, f"item {item.id!r} cannot depend on itself")
            if not template.has_item(cond.item):
                self.fail(path, f"refers to a missing item {cond.item!r}")
            values = self.condition_values(template.item(cond.item), cond, paths[item.id])
            if values != cond.values:
                normalized[item.id] = replace(cond, values=values)
        acyclic: set[str] = set()  # items whose chain of conditions is known to end
        for item in template.items():
            chain = [item.id]
            on_chain = {item.id}
            current = item
            while current.show_if is not None and current.id not in acyclic:
                nxt = current.show_if.item
                if nxt in on_chain:
                    cycle = " -> ".join([*chain[chain.index(nxt) :], nxt])
                    self.fail(
                        f"{paths[item.id]}.show_if", f"show_if conditions form a cycle: {cycle}"
                    )
                chain.append(nxt)
                on_chain.add(nxt)
                current = template.item(nxt)
            acyclic.update(chain)
        if not normalized:
            return template
        sections = tuple(
            replace(
                section,
                items=tuple(
                    replace(it, show_if=normalized.get(it.id, it.show_if)) for it in section.items
                ),
            )
            for section in template.sections
        )
        return replace(template, sections=sections)

    def condition_values(self, source: Item, cond: ShowIf, item_path: str) -> tuple[Any, ...]:
        """The condition's values as the source item stores its answers; fail if impossible."""
        key = "not_equals" if cond.negate else "equals"
        path = f"{item_path}.show_if.{key}"
        if source.type is ItemType.INFO:
            self.fail(
                f"{item_path}.show_if.item",
                f"cannot depend on {source.id!r}: an information item is never answered",
            )
        if source.type is ItemType.DATETIME:
            self.fail(
                path,
                f"cannot depend on {source.id!r}: a date-time answer is never one fixed value",
            )
        values = []
        for value in cond.values:
            stored = value
            if value == NA and source.allow_na:
                ok = True
            elif source.type is ItemType.YES_NO:
                ok = value in ("yes", "no")
            elif source.type in _CHOICE_TYPES:
                stored = str(value)  # option keys are text, even when they look like numbers
                ok = source.option(stored) is not None
            elif source.type is ItemType.RATING and source.scale:
                ok = isinstance(value, int) and source.scale.min <= value <= source.scale.max
            elif source.type is ItemType.COUNT:
                ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
            elif source.type in (ItemType.NUMBER, ItemType.DURATION):
                ok = isinstance(value, int | float) and not isinstance(value, bool)
            else:
                ok = isinstance(value, str)
            if not ok:
                self.fail(
                    path,
                    f"{value!r} is not a possible answer of {source.id!r} ({source.type.value})",
                )
            values.append(stored)
        return tuple(values)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{value!r}".lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"text {value[:40]!r}"
    return f"{type(value).__name__} {value!r}"

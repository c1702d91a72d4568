"""Write a checklist template as the YAML the loader reads (docs/templates.md).

`dump_template(t)` gives text that `template_loader` reads back to a template equal
to `t`; fields at their default are left out, so a written template reads like one
written by hand. The loader stays the one place that validates: the writer trusts
the template it is given (one the loader built, or one built to the same rules).
"""

from __future__ import annotations

from typing import Any

import yaml

from shopper.domain.template import (
    DEFAULT_BANDS,
    FORMAT_VERSION,
    Band,
    Item,
    ItemType,
    Later,
    Option,
    Scale,
    Section,
    ShowIf,
    Target,
    Template,
)


def template_to_data(template: Template) -> dict[str, Any]:
    """The template as plain data (dicts, lists, text and numbers) in the file's layout."""
    data: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "id": template.id,
        "version": template.version,
        "title": template.title,
        "touchpoint": template.touchpoint,
    }
    if template.description:
        data["description"] = template.description
    if template.language:
        data["language"] = template.language
    if tuple(template.bands) != DEFAULT_BANDS:
        data["bands"] = [_band(b) for b in template.bands]
    data["sections"] = [_section(s) for s in template.sections]
    return data


def dump_template(template: Template) -> str:
    """The template as YAML text that loads back to an equal template."""
    return dump_data(template_to_data(template))


def dump_data(data: dict[str, Any]) -> str:
    """Template data (`template_to_data`'s layout) as YAML text, laid out as the built-ins."""
    return yaml.dump(
        _flowing(data),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=96,
        indent=2,
    )


# -- the parts ---------------------------------------------------------------


def _band(band: Band) -> dict[str, Any]:
    data: dict[str, Any] = {"name": band.name, "min": _num(band.min_percent)}
    if not band.passed:
        data["pass"] = False
    return data


def _section(section: Section) -> dict[str, Any]:
    data: dict[str, Any] = {"id": section.id, "title": section.title}
    if section.description:
        data["description"] = section.description
    if section.translations:
        data["translations"] = dict(section.translations)
    data["items"] = [_item(i) for i in section.items]
    return data


def _item(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {"id": item.id, "prompt": item.prompt}
    if item.help:
        data["help"] = item.help
    data["type"] = item.type.value
    if item.type is ItemType.INFO:  # its text, its words in other languages, its show-if
        if item.show_if is not None:
            data["show_if"] = _show_if(item.show_if)
        if item.translations:
            data["translations"] = _item_translations(item)
        return data
    if item.weight != 1.0:
        data["weight"] = _num(item.weight)
    if item.required:
        data["required"] = True
    if item.critical:
        data["critical"] = True
    if item.theme:
        data["theme"] = item.theme
    if item.allow_na != (item.type is ItemType.YES_NO):
        data["na"] = item.allow_na
    if item.type is ItemType.YES_NO and item.pass_answer != "yes":
        data["pass"] = item.pass_answer
    if item.options:
        data["options"] = [_option(o) for o in item.options]
    if item.scale is not None and item.scale != Scale():
        data["scale"] = _scale(item.scale)
    if item.target is not None:
        data["target"] = _target(item.target)
    if item.minimum is not None:
        data["min"] = _num(item.minimum)
    if item.maximum is not None:
        data["max"] = _num(item.maximum)
    if item.unit:
        data["unit"] = item.unit
    if item.show_if is not None:
        data["show_if"] = _show_if(item.show_if)
    if item.later is not None:
        data["later"] = _later(item.later, item)
    if item.translations:
        data["translations"] = _item_translations(item)
    return data


def _item_translations(item: Item) -> dict[str, dict[str, str]]:
    return {
        t.language: {k: v for k, v in (("prompt", t.prompt), ("help", t.help)) if v.strip()}
        for t in item.translations
    }


def _option(option: Option) -> str | dict[str, Any]:
    if option.label == option.key and option.score is None and not option.translations:
        return option.key  # a plain string is both key and label
    data: dict[str, Any] = {"key": option.key}
    if option.label != option.key:
        data["label"] = option.label
    if option.score is not None:
        data["score"] = _num(option.score)
    if option.translations:
        data["translations"] = dict(option.translations)
    return data


def _scale(scale: Scale) -> dict[str, Any]:
    data: dict[str, Any] = {"min": scale.min, "max": scale.max}
    if scale.min_label:
        data["min_label"] = scale.min_label
    if scale.max_label:
        data["max_label"] = scale.max_label
    return data


def _target(target: Target) -> dict[str, Any]:
    return {"good": _num(target.good), "bad": _num(target.bad)}


def _show_if(cond: ShowIf) -> dict[str, Any]:
    values = list(cond.values)
    return {"item": cond.item, "not_equals" if cond.negate else "equals": _one_or_list(values)}


def _later(later: Later, item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {("working_days" if later.working else "days"): later.days}
    failing = "no" if item.pass_answer == "yes" else "yes"
    if not (item.type is ItemType.YES_NO and later.otherwise == failing):
        data["otherwise"] = later.otherwise
    return data


def _one_or_list(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def _num(value: float) -> int | float:
    """A whole number as one (`3`, not `3.0`); the loader reads both as the same float."""
    if value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


# -- YAML layout -------------------------------------------------------------


class _Flow(dict[str, Any]):
    """A mapping written on one line: `{key: a, label: A, score: 1}`."""


class _FlowList(list[Any]):
    """A list written on one line: `[email, form]`."""


_FLOW_KEYS = {"scale", "target", "show_if", "later", "otherwise"}


def _flowing(data: Any, key: str = "") -> Any:
    """Mark the small mappings the built-in files write on one line."""
    if isinstance(data, dict):
        inner = {k: _flowing(v, k) for k, v in data.items()}
        if key in _FLOW_KEYS or key in ("options", "bands"):
            return _Flow(inner)
        return inner
    if isinstance(data, list):
        items = [_flowing(v, key) for v in data]
        if key in _FLOW_KEYS:
            return _FlowList(items)
        return items
    return data


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # a shared value is written out each time: the loader refuses aliases

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent a list under its key, as the built-in files do.
        super().increase_indent(flow, False)


def _represent_flow(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _represent_flow_list(dumper: yaml.SafeDumper, data: _FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    # Several lines read best as a literal block; the emitter falls back to quotes
    # wherever a block cannot hold the text exactly (trailing spaces, odd characters).
    # YAML also reads CR, NEL and the Unicode line and paragraph separators as line
    # breaks, and would fold them: only a double-quoted string keeps them (escaped).
    if any(ch in _OTHER_BREAKS for ch in data):
        style: str | None = '"'
    else:
        style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_OTHER_BREAKS = frozenset("\r\x85\u2028\u2029")

_Dumper.add_representer(_Flow, _represent_flow)
_Dumper.add_representer(_FlowList, _represent_flow_list)
_Dumper.add_representer(str, _represent_str)

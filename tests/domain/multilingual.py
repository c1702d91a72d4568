"""A small template in English with French words, for the runner and report tests."""

from __future__ import annotations

from pathlib import Path

MULTILINGUAL_TEMPLATE = """\
format: 1
id: 5d6c1f0e-7a61-4a42-9d0b-3c1f2e4d5a60
version: 1
title: Greeting check
touchpoint: store
language: English (en)
sections:
  - id: greeting
    title: Greeting
    translations: {French (fr): Accueil}
    items:
      - id: greeted
        prompt: Were you greeted?
        help: Within a minute of coming in.
        type: yes_no
        translations:
          French (fr): {prompt: Vous a-t-on salué ?, help: Dans la minute après votre entrée.}
      - id: how
        prompt: How were you greeted?
        type: single_choice
        options:
          - key: smile
            label: With a smile
            score: 1
            translations: {French (fr): Avec un sourire}
          - key: nod
            label: With a nod
            score: 0.5
            translations: {French (fr): D'un signe de tête}
        translations:
          French (fr): {prompt: Comment vous a-t-on salué ?}
"""


def write_multilingual(folder: Path) -> Path:
    path = folder / "greeting.yaml"
    path.write_text(MULTILINGUAL_TEMPLATE, encoding="utf-8")
    return path

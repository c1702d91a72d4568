"""`shopper demo`: realistic demo companies and audits."""

from __future__ import annotations

import argparse

from shopper.cli.base import EXIT_OK, Subparsers, open_context
from shopper.domain.wording import count_of


def register(sub: Subparsers) -> None:
    demo = sub.add_parser("demo", help="add demo companies and audits")
    demo.add_argument("--audits", type=int, default=120, help="how many audits (default 120)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    demo.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from shopper.services.demo import load_demo

    ctx = open_context(args)
    result = load_demo(engine=ctx.engine, audits=args.audits, seed=args.seed, data_dir=ctx.data_dir)
    counts = [
        count_of(result.companies, "company"),
        count_of(result.audits, "audit"),
        count_of(result.answers, "answer"),
        count_of(result.steps, "instrument step"),
    ]
    pictures = count_of(result.evidence, "picture")
    print(f"Added {', '.join(counts)} and {pictures} as evidence to {ctx.data_dir}")
    return EXIT_OK

#!/usr/bin/env python3
"""Counts the words of prose on each page of the book, part by part.

Prose is what a reader reads as running text: a page's own Markdown without
what `{{#include}}` brings in, without code blocks (listings, outputs and
commands), tables, formulas (`$$ … $$` and inline `$ … $`), HTML comments and
lines of HTML markup (captions, charts, the playground's form). Headings,
list items and inline code count. A word is a run of non-blank characters
holding a letter or a digit.

The pages and their parts come from book/SUMMARY.md: the introduction and the
numbered chapters up to the first part title make "The chapter", each part
title after that starts a part of its own, and the pages after the closing
`---` are the appendix.

    python3 tools/prose_words.py              # a table: words per page, per part
    python3 tools/prose_words.py --max 6000   # also fail if the chapter has more
"""

import argparse
import pathlib
import re
import signal
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
CHAPTER = "The chapter"

LINK = re.compile(r"\[([^\]]*)\]\(([^)]+)\)")
INCLUDE = re.compile(r"\{\{#include [^}]*\}\}")
COMMENT = re.compile(r"<!--.*?-->", re.S)
DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
INLINE_MATH = re.compile(r"\$[^$\n]+\$")
TAG = re.compile(r"<[^>]+>")


def pages_by_part(summary: str) -> list[tuple[str, list[pathlib.Path]]]:
    """The pages of SUMMARY.md in order, grouped into parts."""
    parts: list[tuple[str, list[pathlib.Path]]] = [(CHAPTER, [])]
    part_titles = 0
    for line in summary.splitlines():
        stripped = line.strip()
        if stripped.startswith("# ") and stripped != "# Summary":
            # The first part title heads the chapter itself.
            part_titles += 1
            if part_titles > 1:
                parts.append((stripped[2:].strip(), []))
            continue
        if stripped == "---":
            parts.append(("Appendix", []))
            continue
        match = LINK.search(stripped)
        if match and match.group(2).endswith(".md"):
            parts[-1][1].append(BOOK / match.group(2))
    return [(title, pages) for title, pages in parts if pages]


def prose(markdown: str) -> str:
    """The running text of a page, as the module's docstring defines it."""
    text = COMMENT.sub("", markdown)
    text = INCLUDE.sub("", text)
    kept, fenced = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            fenced = not fenced
            continue
        if fenced or stripped.startswith("|") or stripped.startswith("<"):
            continue
        kept.append(line)
    text = "\n".join(kept)
    text = DISPLAY_MATH.sub(" ", text)
    text = INLINE_MATH.sub(" ", text)
    text = TAG.sub(" ", text)
    text = LINK.sub(r"\1", text)
    return text


def words(text: str) -> int:
    return sum(1 for token in text.split() if re.search(r"\w", token))


def main() -> int:
    if hasattr(signal, "SIGPIPE"):
        # End quietly when the reader of the output goes away (`| head`).
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--max",
        type=int,
        help="exit with status 1 if the chapter has more words of prose than this",
    )
    args = parser.parse_args()
    summary = (BOOK / "SUMMARY.md").read_text(encoding="utf-8")
    totals = {}
    for title, pages in pages_by_part(summary):
        print(f"{title}:")
        total = 0
        for page in pages:
            count = words(prose(page.read_text(encoding="utf-8")))
            total += count
            print(f"  {count:>6}  {page.relative_to(BOOK)}")
        print(f"  {total:>6}  in all\n")
        totals[title] = total
    chapter = totals.get(CHAPTER, 0)
    if args.max is not None and chapter > args.max:
        print(
            f"the chapter has {chapter} words of prose, more than --max {args.max}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

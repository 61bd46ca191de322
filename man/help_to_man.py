#!/usr/bin/env python3
"""A man page from what an executable's --help prints, so the two cannot disagree.

    help_to_man.py --output compozy-login.1 --version 0.1.0 [--see-also NAME]... EXECUTABLE

Our --help texts share one shape (common/src/command.cpp prints them, and the
dispatcher, devcloud and the credential helpers keep to it):

    compozy login - Sign in to Compozy Cloud          NAME (else the first sentence of the description)
    usage: compozy login [--web …]                    SYNOPSIS, with its indented continuation lines
      …                                               DESCRIPTION: paragraphs, indented examples,
    Core commands:                                      and "Heading:" lists as subsections
      login  Sign in …
    Exit codes (…): 0 signed in, 1 failed, …          EXIT STATUS, one entry per code
    Options:                                          OPTIONS, one entry per option
      -h, --help    show this help

help2man expects GNU's layout (--version output, "Report bugs" lines) and
knows no EXIT STATUS section, so this reads ours instead. Output is plain
man(7) roff: every backslash, leading dot and hyphen-minus escaped, and every
character outside ASCII written as a groff \\[uXXXX] escape, so that groff
renders it in any locale without a warning.
"""
import argparse
import os
import re
import subprocess
import sys
from datetime import datetime, timezone

OPTION_LINE = re.compile(r"^ {1,6}(-[A-Za-z0-9], )?--[A-Za-z0-9]")  # deeper: a description goes on
TERM_AND_TEXT = re.compile(r"^\s+(\S.*?)(?:\s{2,}(\S.*))?$")
EXIT_ENTRY = re.compile(r"(?:^|,\s+)(\d+)\s+")


def escape(text):
    out = []
    for char in text:
        if char == "\\":
            out.append("\\e")
        elif char == "-":
            out.append("\\-")
        elif ord(char) > 126:
            out.append("\\[u%04X]" % ord(char))
        else:
            out.append(char)
    line = "".join(out)
    return "\\&" + line if line.startswith((".", "'")) else line


def inline(text):
    """Prose: `code` in bold, the rest escaped."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: leave them all as they are
        return escape(text)
    return "".join(escape(p) if i % 2 == 0 else "\\fB" + escape(p) + "\\fR" for i, p in enumerate(parts))


def term(spec):
    """"-X, --method METHOD" with the options bold and what stands for a value in italics."""
    words = []
    for word in spec.split(" "):
        if word.startswith("-"):
            bare = word.rstrip(",")
            words.append("\\fB" + escape(bare) + "\\fR" + word[len(bare):])
        elif word:
            words.append("\\fI" + escape(word) + "\\fR")
    return " ".join(words)


def paragraphs(lines):
    block = []
    for line in lines:
        if line.strip():
            block.append(line.rstrip())
        elif block:
            yield block
            block = []
    if block:
        yield block


def definition_list(lines, is_start):
    """Entries of "  term  text" lines, a deeper-indented line continuing the one before."""
    entries = []
    for line in lines:
        if is_start(line) or not entries:
            match = TERM_AND_TEXT.match(line)
            entries.append([match.group(1), match.group(2) or ""])
        else:
            entries[-1][1] = (entries[-1][1] + " " + line.strip()).strip()
    return "".join(".TP\n%s\n%s\n" % (term(t), inline(d)) for t, d in entries)


def exit_codes(text):
    """ "0 signed in, 1 failed (x, y), 2 bad usage." -> [("0", "signed in"), …]."""
    body = text[text.index(":") + 1:].strip().rstrip(".")
    starts = [m for m in EXIT_ENTRY.finditer(body)]
    entries = []
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        entries.append((match.group(1), body[match.end():end].strip().rstrip(";")))
    return entries


def man_page(name, help_text, version, see_also):
    summary = None
    synopsis, description, exit_status, options = [], [], [], []
    for block in paragraphs(help_text.splitlines()):
        first = block[0]
        heading = re.match(r"^(compozy[\w -]*?) - (.+)$", first)
        if summary is None and heading and len(block) == 1:
            summary = heading.group(2)
        elif first.startswith("usage:"):
            # Continuation lines keep their alignment under the command, less the "usage: " before it.
            synopsis = [first[len("usage: "):]] + [l[len("usage: "):] if l.startswith(" " * 7) else l for l in block[1:]]
        elif re.match(r"^Exit codes[^:]*:", first):
            exit_status = exit_codes(" ".join(line.strip() for line in block))
        elif first == "Options:" or all(OPTION_LINE.match(l) or l.startswith("      ") for l in block):
            options = block[1:] if first == "Options:" else block
        elif first.endswith(":") and not first.startswith(" ") and len(block) > 1 and all(l.startswith("  ") for l in block[1:]):
            description.append(".SS %s\n" % escape(first[:-1]) +
                               definition_list(block[1:], lambda l: not l.startswith("    ")))
        elif first.startswith(" "):
            indent = min(len(l) - len(l.lstrip()) for l in block)
            description.append(".PP\n.RS 4\n.nf\n%s\n.fi\n.RE\n" % "\n".join(escape(l[indent:]) for l in block))
        else:
            text = " ".join(line.strip() for line in block)
            if summary is None:
                summary = re.split(r"(?<=[^.])[.:](?:\s|$)", text, maxsplit=1)[0]
            description.append(".PP\n%s\n" % inline(text))
    if not synopsis:
        sys.exit("help_to_man: %s --help prints no 'usage:' line" % name)

    date = datetime.fromtimestamp(int(os.environ.get("SOURCE_DATE_EPOCH", "0")) or datetime.now().timestamp(),
                                  timezone.utc).strftime("%Y-%m-%d")
    page = ['.TH "%s" 1 "%s" "compozy %s" "compozy manual"\n' % (escape(name.upper()), date, version),
            ".nh\n.ad l\n",  # no hyphens added to option names, no spaces stretched in examples
            ".SH NAME\n%s \\- %s\n" % (escape(name), inline((summary or "").rstrip("."))),
            ".SH SYNOPSIS\n.nf\n%s\n.fi\n" % "\n".join(escape(l) for l in synopsis),
            ".SH DESCRIPTION\n"]
    page += description
    if options:
        page.append(".SH OPTIONS\n" + definition_list(options, lambda l: OPTION_LINE.match(l)))
    if exit_status:
        page.append(".SH EXIT STATUS\n" + "".join(".TP\n.B %s\n%s\n" % (c, inline(m)) for c, m in exit_status))
    others = sorted(s for s in see_also if s != name)
    if others:
        page.append(".SH SEE ALSO\n" + ",\n".join("\\fB%s\\fR(1)" % escape(s) for s in others) + "\n")
    return "".join(page)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--see-also", action="append", default=[])
    parser.add_argument("executable")
    args = parser.parse_args()
    name = os.path.basename(args.executable)
    # --help reads no configuration, but nothing of the builder's may reach it anyway.
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": "/nonexistent", "NO_COLOR": "1"}
    result = subprocess.run([args.executable, "--help"], capture_output=True, text=True, env=env, timeout=60)
    if result.returncode != 0:
        sys.exit("help_to_man: %s --help exited %d: %s" % (name, result.returncode, result.stderr.strip()))
    with open(args.output, "w", encoding="ascii") as out:
        out.write(man_page(name, result.stdout, args.version, args.see_also))


if __name__ == "__main__":
    main()

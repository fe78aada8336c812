#!/usr/bin/env python3
"""Checks that imports in app/src only go down the layers (docs/rules.md, "Layers").

From the bottom up: kernel, db, error, ui, the features side by side, panel, shell; dev apart.
Every `crate::…` and `super::…` path in a file is resolved to the top-level module it names, and
each module may name only the ones its rules allow. Comment lines are skipped.

    scripts/layers.py              check app/src; exit status 1 and one line per wrong import
    scripts/layers.py --self-test  show that each rule catches a wrong import in a scratch tree
"""

import os
import re
import sys
import tempfile

KERNEL = "kernel"
DB = "db"
ERROR = "error"
UI = "ui"
FEATURES = {
    "accounts",
    "calendar",
    "checkins",
    "mail",
    "people",
    "programs",
    "enrollments",
    "matches",
    "imports",
    "milestones",
    "resources",
    "items",
    "report",
    "quickcliq",
}
PANEL = "panel"
SHELL = "shell"
DEV = "dev"
ROOT = "lib"

# Macros exported at the crate root, by the module that defines them.
ROOT_MACROS = {"on_db": DB}

# What each layer may import, besides itself.
ALLOWED = {
    KERNEL: set(),
    DB: {KERNEL},
    ERROR: {KERNEL, DB},
    UI: {KERNEL, ERROR},
    PANEL: {KERNEL, DB, ERROR, UI} | FEATURES,
    SHELL: {KERNEL, DB, ERROR, UI, PANEL} | FEATURES,
    DEV: {KERNEL, DB, ERROR} | FEATURES,
}
for feature in FEATURES:
    ALLOWED[feature] = {KERNEL, DB, ERROR, UI} | FEATURES
# Milestone definitions sit under their items and the report.
ALLOWED["milestones"] -= {"items", "report"}

PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
GROUP = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^}]*)\}")


def module_path(relative):
    """The module path of a file under app/src: `report/mod.rs` -> ["report"]."""
    parts = relative[:-3].split(os.sep)
    if parts[-1] == "mod":
        parts = parts[:-1]
    if parts == ["lib"]:
        return []
    return parts


def targets(text, here):
    """(line, module path) of every crate-relative path named in the code."""
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.strip()
        if code.startswith("//"):
            continue
        paths = []
        for match in GROUP.finditer(code):
            base = match.group(1) + match.group(2)
            for member in match.group(3).split(","):
                member = member.strip().split(" as ")[0].strip()
                if member and member != "self":
                    paths.append(f"{base}::{member}")
                elif member == "self":
                    paths.append(base)
        paths += [m.group(0) for m in PATH.finditer(code)]
        for path in paths:
            parts = path.split("::")
            if parts[0] == "crate":
                resolved = parts[1:]
            else:
                # Each `super` is the parent of the module the file is (its folder for a mod.rs).
                resolved = list(here)
                while parts and parts[0] == "super":
                    parts = parts[1:]
                    resolved = resolved[:-1]
                resolved += parts
            if resolved:
                found.append((number, resolved))
    return found


def layer_of(name):
    if name in ROOT_MACROS:
        return ROOT_MACROS[name]
    return name


def check(src):
    problems = []
    for folder, _, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith(".rs"):
                continue
            full = os.path.join(folder, name)
            relative = os.path.relpath(full, src)
            here = module_path(relative)
            if not here:
                continue
            layer = here[0]
            if layer not in ALLOWED:
                problems.append(f"{relative}: module {layer} has no layer; add it to scripts/layers.py and docs/rules.md")
                continue
            with open(full, encoding="utf-8") as f:
                text = f.read()
            for number, target in targets(text, here):
                other = layer_of(target[0])
                if other == layer or other not in ALLOWED:
                    # Its own module, or an item of the crate root rather than a module.
                    continue
                if other not in ALLOWED[layer]:
                    problems.append(
                        f"{relative}:{number}: {layer} imports {'::'.join(target)} "
                        f"({layer} may use only: {', '.join(sorted(ALLOWED[layer] - {layer})) or 'nothing of the crate'})"
                    )
                elif layer in FEATURES and other in FEATURES and "pages" in target[1:2]:
                    problems.append(
                        f"{relative}:{number}: {layer} imports {'::'.join(target)} "
                        "(a feature uses another only through its public functions, never its pages)"
                    )
    return list(dict.fromkeys(problems))


def self_test():
    """Each rule, broken once in a scratch tree, must be reported; a right tree must pass."""
    cases = {
        "kernel/roles.rs": "use crate::db::Db;\n",
        "db/mod.rs": "use crate::milestones::Category;\n",
        "ui/forms.rs": "use crate::accounts::CurrentUser;\n",
        "milestones/mod.rs": "use crate::items::Item;\n",
        "report/mod.rs": "use crate::panel::ProgramsPage;\n",
        "items/mod.rs": "use crate::dev::seed::seed_demo;\n",
        "quickcliq/mod.rs": "use crate::matches::pages::MatchesPage;\n",
        "accounts/mod.rs": "use crate::shell::App;\n",
        "kernel/text.rs": "fn f() { super::super::ui::forms::x(); }\n",
    }
    right = {
        "kernel/mod.rs": "pub mod roles;\n",
        "kernel/roles.rs": "use super::text::x;\n",
        "items/mod.rs": "use crate::milestones::rule::ItemRule;\nuse crate::on_db;\n",
        "items/store.rs": "use super::Item;\nuse crate::kernel::{roles::Role, text};\n",
        "shell/mod.rs": "use crate::panel::ProgramsPage;\n",
        "dev/seed.rs": "use crate::accounts::password;\n",
    }
    failures = 0
    with tempfile.TemporaryDirectory() as scratch:
        def write(tree, path, text):
            full = os.path.join(scratch, tree, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8") as f:
                f.write(text)

        for path, text in right.items():
            write("right", path, text)
        problems = check(os.path.join(scratch, "right"))
        if problems:
            failures += 1
            print("self-test: a right tree was refused:", *problems, sep="\n  ")
        for index, (path, text) in enumerate(cases.items()):
            tree = f"wrong{index}"
            write(tree, path, text)
            problems = check(os.path.join(scratch, tree))
            if problems:
                print(f"self-test: caught {path}: {text.strip()}\n  {problems[0]}")
            else:
                failures += 1
                print(f"self-test: MISSED {path}: {text.strip()}")
    return failures


def main():
    if sys.argv[1:] == ["--self-test"]:
        failures = self_test()
        sys.exit(1 if failures else 0)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    problems = check(os.path.join(root, "app", "src"))
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} import(s) go against the layers (docs/rules.md, \"Layers\").")
        sys.exit(1)
    print("Layers: every import in app/src goes down.")


if __name__ == "__main__":
    main()

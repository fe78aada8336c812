#!/usr/bin/env python3
"""Checks that imports in app/src only go down the layers (docs/rules.md, "Layers").

From the bottom up: kernel, db, error, ui, the features in their rank, panel, shell; dev apart.
Every `crate::…` and `super::…` path in a file (a `use` group spread over lines included) is
resolved to the top-level module it names, and each module may name only the ones its rules
allow: a feature only the features ranked below it, and never a module of another feature that
holds a routed page (the pages the shell routes). Nothing is taken from the crate root but the
exported macros, by the module that owns them. Within a layer too, no file imports another that
imports it back, directly or through others: the import graph of the files has no loop. Comment
lines are skipped.

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
# The features from the bottom up: each may use only the ones before it, so no two can use
# each other. The QuickcliQ composes items, calendar and mail, so it is last.
FEATURE_RANK = [
    "accounts",
    "programs",
    "resources",
    "milestones",
    "enrollments",
    "matches",
    "items",
    "checkins",
    "calendar",
    "mail",
    "cycles",
    "people",
    "imports",
    "report",
    "quickcliq",
]
FEATURES = set(FEATURE_RANK)
PANEL = "panel"
SHELL = "shell"
DEV = "dev"
ROOT = "lib"

# Macros exported at the crate root (as every `#[macro_export]` macro is), by the module that
# defines and re-exports them; everyone else names them where they are re-exported.
ROOT_MACROS = {"__on_db": DB, "__bind_email": "mail"}

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
for rank, feature in enumerate(FEATURE_RANK):
    ALLOWED[feature] = {KERNEL, DB, ERROR, UI} | set(FEATURE_RANK[:rank])

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


def code_lines(text):
    """(line number, code) of each line, `//` comments removed."""
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        code = line.split("//", 1)[0] if "//" in line and '"' not in line else line
        if line.strip().startswith("//"):
            code = ""
        lines.append((number, code.strip()))
    return lines


def expand_group(base, members):
    """`base::{a, b::{c, d}, e as f}` -> [base::a, base::b::c, base::b::d, base::e]."""
    paths, depth, current = [], 0, ""
    for char in members + ",":
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if char == "," and depth == 0:
            member = current.strip()
            current = ""
            if not member:
                continue
            member = member.split(" as ")[0].strip()
            if "{" in member:
                inner_base, inner = member.split("{", 1)
                paths += expand_group(f"{base}::{inner_base.rstrip(':').strip()}", inner.rsplit("}", 1)[0])
            elif member == "self":
                paths.append(base)
            else:
                paths.append(f"{base}::{member}")
        else:
            current += char
    return paths


USE = re.compile(r"\buse\s+((?:crate|super)(?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{")


def resolve(path, here):
    parts = path.split("::")
    if parts[0] == "crate":
        return parts[1:]
    # Each `super` is the parent of the module the file is (its folder for a mod.rs).
    resolved = list(here)
    while parts and parts[0] == "super":
        parts = parts[1:]
        resolved = resolved[:-1]
    return resolved + parts


def targets(text, here):
    """(line, module path) of every crate-relative path named in the code."""
    found = []
    lines = code_lines(text)
    joined = ""
    starts = []
    for number, code in lines:
        starts.append((len(joined), number))
        joined += code + " "

    def line_at(offset):
        number = 1
        for start, line in starts:
            if start > offset:
                break
            number = line
        return number

    # `use` groups, over as many lines as they take, braces nested.
    for match in USE.finditer(joined):
        depth, end = 1, match.end()
        while end < len(joined) and depth:
            depth += {"{": 1, "}": -1}.get(joined[end], 0)
            end += 1
        for path in expand_group(match.group(1), joined[match.end():end - 1]):
            resolved = resolve(path, here)
            if resolved:
                found.append((line_at(match.start()), resolved, path.startswith("crate::")))
    # Every other path, one line at a time.
    for number, code in lines:
        for match in PATH.finditer(code):
            resolved = resolve(match.group(0), here)
            if resolved:
                found.append((number, resolved, match.group(1) == "crate"))
    return found


def routed_page_modules(src):
    """The modules holding the pages the shell routes: the module path of each page component
    (a name the shell routes or ending in `Page`), as the shell imports it, which is where the
    page is written."""
    shell = os.path.join(src, "shell", "mod.rs")
    if not os.path.exists(shell):
        return set()
    with open(shell, encoding="utf-8") as f:
        text = f.read()
    pages = set(re.findall(r"lazy_page!\(\s*\w+\s*,\s*\w+\s*,\s*(\w+)\s*\)", text))
    pages |= set(re.findall(r"<(\w+Page)/>", text))
    modules = set()
    for number, target, _ in targets(text, ["shell"]):
        if (target[-1] in pages or target[-1].endswith("Page")) and len(target) > 1:
            modules.add(tuple(target[:-1]))
    return modules


def layer_of(name):
    if name in ROOT_MACROS:
        return ROOT_MACROS[name]
    return name


def check(src):
    problems = []
    page_modules = routed_page_modules(src)
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
            for number, target, from_root in targets(text, here):
                first = target[0]
                if first in ROOT_MACROS:
                    if ROOT_MACROS[first] != layer:
                        problems.append(
                            f"{relative}:{number}: {layer} takes {first} from the crate root "
                            f"(name it where {ROOT_MACROS[first]} re-exports it)"
                        )
                    continue
                if first not in ALLOWED and first != ROOT:
                    # `super::X` in an inline module (tests) is not the crate root: only paths
                    # written from `crate::` are judged here.
                    if from_root:
                        problems.append(
                            f"{relative}:{number}: {layer} takes {first} from the crate root "
                            "(import it from the module where it lives)"
                        )
                    continue
                other = first
                if other == layer:
                    continue
                if other not in ALLOWED[layer]:
                    problems.append(
                        f"{relative}:{number}: {layer} imports {'::'.join(target)} "
                        f"({layer} may use only: {', '.join(sorted(ALLOWED[layer] - {layer})) or 'nothing of the crate'})"
                    )
                elif (
                    layer in FEATURES
                    and other in FEATURES
                    and (tuple(target) in page_modules or tuple(target[:-1]) in page_modules)
                ):
                    problems.append(
                        f"{relative}:{number}: {layer} imports {'::'.join(target)} "
                        "(a feature uses another only through its public functions, never its pages)"
                    )
    for group in loops(src):
        problems.append(
            f"{group[0]}: import loop: {', '.join(group)} import one another "
            "(move what they share into a file of its own)"
        )
    return list(dict.fromkeys(problems))


def loops(src):
    """The loops of the files' import graph: each group of files that import one another, directly
    or through others (a file's module path names the file; a path into it, the file itself)."""
    files = {}
    for folder, _, names in os.walk(src):
        for name in names:
            if name.endswith(".rs"):
                relative = os.path.relpath(os.path.join(folder, name), src)
                files[tuple(module_path(relative))] = relative

    def file_of(path):
        path = tuple(path)
        while path and path not in files:
            path = path[:-1]
        return path or None

    graph = {}
    for module, relative in files.items():
        with open(os.path.join(src, relative), encoding="utf-8") as f:
            text = f.read()
        graph[module] = {
            other
            for _, target, _ in targets(text, list(module))
            if (other := file_of(target)) is not None and other != module
        }
    # Tarjan's strongly connected components, without recursion.
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            advanced = False
            for other in edges:
                if other not in graph:
                    continue
                if other not in index:
                    index[other] = low[other] = counter
                    counter += 1
                    stack.append(other)
                    on_stack.add(other)
                    work.append((other, iter(sorted(graph[other]))))
                    advanced = True
                    break
                if other in on_stack:
                    low[node] = min(low[node], index[other])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(files[member])
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return sorted(found)


def self_test():
    """Each rule, broken once in a scratch tree, must be reported; a right tree must pass."""
    shell = "lazy_page!(Matches, matches_page, MatchesPage);\nuse crate::matches::board::MatchesPage;\n"
    cases = {
        "kernel/roles.rs": {"kernel/roles.rs": "use crate::db::Db;\n"},
        "db/mod.rs": {"db/mod.rs": "use crate::milestones::Category;\n"},
        "ui/forms.rs": {"ui/forms.rs": "use crate::accounts::CurrentUser;\n"},
        "milestones/mod.rs": {"milestones/mod.rs": "use crate::items::Item;\n"},
        "report/mod.rs": {"report/mod.rs": "use crate::panel::ProgramsPage;\n"},
        "items/mod.rs": {"items/mod.rs": "use crate::dev::seed::seed_demo;\n"},
        "quickcliq/mod.rs": {
            "shell/mod.rs": "use crate::matches::pages::MatchesPage;\n",
            "quickcliq/mod.rs": "use crate::matches::pages::MatchesPage;\n",
        },
        "accounts/mod.rs": {"accounts/mod.rs": "use crate::shell::App;\n"},
        "kernel/text.rs": {"kernel/text.rs": "fn f() { super::super::ui::forms::x(); }\n"},
        # A use group over several lines.
        "ui/day.rs (multi-line group)": {
            "ui/day.rs": "use crate::{\n    kernel::due_date,\n    accounts::CurrentUser,\n};\n"
        },
        # Two features that would use each other: the lower one is refused.
        "programs/store.rs (rank)": {"programs/store.rs": "use crate::items::store::complete;\n"},
        # Something other than an exported macro taken from the crate root.
        "items/store.rs (root name)": {"items/store.rs": "use crate::App;\n"},
        # An exported macro named at the root by a module that does not own it.
        "report/store.rs (root macro)": {"report/store.rs": "use crate::__on_db;\n"},
        # Another feature's routed page, in a file not called pages.rs.
        "report/page.rs (page module)": {
            "shell/mod.rs": shell,
            "report/page.rs": "use crate::matches::board::helper;\n",
        },
        # Two files of one feature that import each other, one of them through a third.
        "report/cache.rs (loop)": {
            "report/cache.rs": "use crate::report::store::Rows;\n",
            "report/store.rs": "use super::csv::x;\n",
            "report/csv.rs": "use crate::report::cache::{\n    Cache,\n};\n",
        },
    }
    right = {
        "kernel/mod.rs": "pub mod roles;\n",
        "kernel/roles.rs": "use super::text::x;\n",
        "items/mod.rs": "use crate::milestones::rule::ItemRule;\nuse crate::db::on_db;\n",
        "items/store.rs": "use super::Item;\nuse crate::kernel::{roles::Role, text};\nuse crate::{\n    db::Db,\n    matches::store::x,\n};\n",
        "db/mod.rs": "pub use crate::__on_db as on_db;\n",
        "shell/mod.rs": "use crate::panel::ProgramsPage;\n" + shell,
        "report/store.rs": "use crate::matches::store::listing;\n",
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
        for index, (case, files) in enumerate(cases.items()):
            tree = f"wrong{index}"
            for path, text in files.items():
                write(tree, path, text)
            problems = check(os.path.join(scratch, tree))
            if problems:
                print(f"self-test: caught {case}\n  {problems[0]}")
            else:
                failures += 1
                print(f"self-test: MISSED {case}")
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

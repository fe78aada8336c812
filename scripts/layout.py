#!/usr/bin/env python3
"""Checks that the README's Layout table matches the tree.

Every path a row names (its first cell) exists; every file or folder its description names in
backquotes (`store.rs`, `store/`) exists below that row's path; and every folder of `app/src`
and every top-level folder the repository tracks has a row.

    scripts/layout.py              check README.md; exit status 1 and one line per mismatch
    scripts/layout.py --self-test  show that a wrong row, a missing file and a missing row are caught
"""

import os
import re
import subprocess
import sys
import tempfile

NAME = re.compile(r"`([A-Za-z0-9_./{},-]+)`")
FILE_LIKE = re.compile(r"^[A-Za-z0-9_./-]+(\.(rs|sh|py|mjs|ts|css|sql|md)|/)$")
# Top-level entries that are not folders of the product: settings of tools.
NOT_IN_TABLE = {".cargo", ".ci"}


def expand(path):
    """`app/migrations/{sqlite,postgres}/` -> both paths."""
    match = re.search(r"\{([^}]*)\}", path)
    if not match:
        return [path]
    return [
        expanded
        for choice in match.group(1).split(",")
        for expanded in expand(path[: match.start()] + choice + path[match.end():])
    ]


def rows(readme):
    """(line number, paths, description) of each row of the Layout table."""
    found, inside = [], False
    for number, line in enumerate(readme.splitlines(), 1):
        if line.startswith("## "):
            inside = line.strip() == "## Layout"
            continue
        if not inside or not line.startswith("| `"):
            continue
        cells = line.strip().strip("|").split(" | ", 1)
        if len(cells) != 2:
            continue
        paths = [p for name in NAME.findall(cells[0]) for p in expand(name)]
        found.append((number, paths, cells[1]))
    return found


def below(root, name):
    """Whether a file or folder called `name` (a relative path) is somewhere below `root`."""
    name = name.rstrip("/")
    if os.path.exists(os.path.join(root, name)):
        return True
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in {"node_modules", "target", "test-results"}]
        if os.path.exists(os.path.join(folder, name)):
            return True
    return False


def check(root, tracked_top):
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        table = rows(f.read())
    problems = []
    covered = set()
    for number, paths, description in table:
        for path in paths:
            full = os.path.join(root, path)
            if not os.path.exists(full):
                problems.append(f"README.md:{number}: {path} is not in the tree")
                continue
            covered.add(os.path.normpath(path))
        folders = [p for p in paths if os.path.isdir(os.path.join(root, p))]
        if not folders:
            continue
        for name in NAME.findall(description):
            if not FILE_LIKE.match(name) or name.startswith("/"):
                continue
            # A path with a folder in it may name something elsewhere, from the top.
            if "/" in name.rstrip("/") and os.path.exists(os.path.join(root, name)):
                continue
            if not any(below(os.path.join(root, folder), name) for folder in folders):
                problems.append(
                    f"README.md:{number}: `{name}` is not below {', '.join(folders)}"
                )
    src = os.path.join(root, "app", "src")
    wanted = [f"app/src/{d}" for d in sorted(os.listdir(src)) if os.path.isdir(os.path.join(src, d))]
    wanted += [t for t in sorted(tracked_top) if t not in NOT_IN_TABLE and os.path.isdir(os.path.join(root, t))]
    for path in wanted:
        if not any(c == path or c.startswith(path + "/") for c in covered):
            problems.append(f"README.md: the Layout table has no row for {path}/")
    return problems


def tracked_top_level(root):
    names = subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    return {name.split("/", 1)[0] for name in names if "/" in name}


def self_test():
    readme = (
        "# x\n\n## Layout\n\n| path | what |\n|---|---|\n"
        "| `app/src/items/` | items (`store/`: `read.rs`), `completion.rs` |\n"
        "| `app/migrations/{sqlite,postgres}/` | schema |\n"
        "| `docs/rules.md` | rules |\n\n## Tests\n"
    )
    right = ["app/src/items/store/read.rs", "app/src/items/completion.rs",
             "app/migrations/sqlite/0001.sql", "app/migrations/postgres/0001.sql", "docs/rules.md"]
    cases = {
        "a right tree": ([], None),
        "a file the row names is gone": (["app/src/items/completion.rs"], None),
        "a row's path is gone": (["app/migrations/postgres/0001.sql"], None),
        "a folder without a row": ([], "app/src/people/mod.rs"),
    }
    failures = 0
    for case, (removed, added) in cases.items():
        with tempfile.TemporaryDirectory() as scratch:
            for path in right + ([added] if added else []):
                if path in removed:
                    continue
                os.makedirs(os.path.dirname(os.path.join(scratch, path)), exist_ok=True)
                open(os.path.join(scratch, path), "w").close()
            with open(os.path.join(scratch, "README.md"), "w") as f:
                f.write(readme)
            problems = check(scratch, {"app", "docs"})
            expected = case != "a right tree"
            if bool(problems) == expected:
                print(f"self-test: {case}: {problems[0] if problems else 'passes'}")
            else:
                failures += 1
                print(f"self-test: WRONG for {case}: {problems}")
    return failures


def main():
    if sys.argv[1:] == ["--self-test"]:
        sys.exit(1 if self_test() else 0)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    problems = check(root, tracked_top_level(root))
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} difference(s) between the README's Layout table and the tree.")
        sys.exit(1)
    print("Layout: the README's table matches the tree.")


if __name__ == "__main__":
    main()

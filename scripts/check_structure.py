#!/usr/bin/env python3
"""Check the module structure of the `app` and `server` crates (standard library only).

Every feature of app/src (auth, users, organizations, ...) is layered
    api.rs -> server/service.rs -> server/repo.rs
and features reach each other only through their services. This script keeps it so:

1. No import cycles between files. Each module path a file names (`use` trees such as
   `use crate::a::{b::C, d}`, `use super::x`, and inline paths such as
   `crate::users::server::service::list_users(..)`) becomes an edge to the file of the deepest
   module the path names. Edges to lib.rs and to mod.rs files that only declare modules, to a
   file's own `mod x;` children and to itself are ignored. Every strongly connected component of more than one file is reported,
   with one example line per edge inside it.
2. No feature uses another feature's repository (app/src/B/server/repo.rs or repo/**), and the
   server crate (the CLI, bootstrap, seeding) uses no app repository at all: it goes through
   services, which check the rules.
3. The guard's public ways in are called only where they belong: `invite_gate()` only from
   app/src/invitations/api.rs (Rust's `pub(in …)` cannot name a sibling module, so the
   compiler cannot say it; `auth_gate()` is `pub(in crate::auth)`).

Comments and string literals are blanked before scanning, so doc comments and SQL make no edges.
Known blind spots (kept simple on purpose): `pub use` re-exports in mod.rs files, paths through
a module alias (`use crate::a; a::b::f()` only counts `crate::a`), nested /* /* */ */ comments.
Usage: python3 scripts/check_structure.py [--graph]   (--graph prints every edge)
Exit status 0 when clean, 1 with the findings otherwise.
"""
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GATE_CALLERS = {"invite_gate": {"app/src/invitations/api.rs"}}
CRATES = {"app": ROOT / "app/src", "server": ROOT / "server/src"}

# Comments, string literals (plain, byte, raw) and char literals; lifetimes ('a) don't match.
LITERALS = re.compile(r"""//[^\n]*|/\*.*?\*/|(?<!\w)b?r(#*)".*?"\1|(?:(?<!\w)b)?"(?:\\.|[^"\\])*"|'(?:\\.[^']*|[^\\'])'""", re.S)


def blank(src):
    """Replace comments and literals by spaces, keeping the newlines (so line numbers hold)."""
    return LITERALS.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), src)


GLUE = re.compile(r"#!?\[[^\]]*\]|(?:pub(?:\([\w\s]*\))?\s+)?(?:mod|use)\b[^;{]*(?:\{[^}]*\}[^;]*)?;")


def is_glue(path):
    """True for lib.rs, and for a mod.rs holding nothing but `mod`, `use` and attributes: every
    file depends on those trivially. A mod.rs with code of its own (guard/mod.rs) is a real target."""
    if path.name == "lib.rs":
        return True
    return path.name == "mod.rs" and not GLUE.sub("", blank(path.read_text(encoding="utf-8"))).strip()


def module_of(crate, path):
    """Module path of a file: app/src/a/b.rs and app/src/a/b/mod.rs are both ['a', 'b']."""
    parts = list(path.relative_to(CRATES[crate]).with_suffix("").parts)
    return parts[:-1] if parts[-1] in ("mod", "lib", "main") else parts


def resolve(crate, segs):
    """The file of the deepest module named by segs (relative to the crate root), or None."""
    base = CRATES[crate]
    for k in range(len(segs), 0, -1):
        for cand in (base.joinpath(*segs[:k]).with_suffix(".rs"), base.joinpath(*segs[:k], "mod.rs")):
            if cand.is_file():
                return cand
    return None


def use_leaves(tree, offset):
    """Expand a use tree ('crate::a::{b::C, d as e}') into (segments, offset of the leaf)."""
    prefixes, cur, at, skip = [[]], [], offset, False
    for m in re.finditer(r"\$?\w+|[{},]", tree):
        tok = m.group()
        if tok in ("{", ",", "}"):
            if cur and tok != "{":
                yield prefixes[-1] + cur, at
            if tok == "{":
                prefixes.append(prefixes[-1] + cur)
            elif tok == "}":
                prefixes.pop()
            cur = []
        elif skip or tok == "as":
            skip = tok == "as"
        else:
            cur, at = cur + [tok], offset + m.start()
    if cur:
        yield prefixes[-1] + cur, at


PATH_PREFIXES = r"\$crate|crate|super|self|app|server"
TOKENS = re.compile(
    r"(?P<use>\buse\s+(?P<tree>[^;]*);)"
    r"|(?P<mod>\bmod\s+(?P<modname>\w+)\s*(?P<body>\{|;))"
    rf"|(?P<path>(?<![\w$:])(?:{PATH_PREFIXES})(?:\s*::\s*\w+)+)"
    r"|(?P<open>\{)|(?P<close>\})"
)


def scan(crate, path):
    """Return ([(target crate, segments from its root, line)] for every module path the file
    names, {names of the file's own `mod x;` children}). `super` inside an inline
    `mod tests { .. }` is relative to that inline module, as rustc reads it."""
    text = blank(path.read_text(encoding="utf-8"))
    here = module_of(crate, path)
    stack, depth, refs, children = [], 0, [], set()  # stack: inline `mod x {` as (name, depth)
    for m in TOKENS.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        if m.group("open"):
            depth += 1
        elif m.group("close"):
            depth -= 1
            if stack and stack[-1][1] == depth:
                stack.pop()
        elif m.group("mod"):
            if m.group("body") == "{":
                stack.append((m.group("modname"), depth))
                depth += 1
            elif not stack:
                children.add(m.group("modname"))
        else:
            if m.group("use"):
                leaves = use_leaves(m.group("tree"), m.start("tree"))
            else:
                leaves = [(re.findall(r"\$?\w+", m.group("path")), m.start())]
            module = here + [name for name, _ in stack]
            for segs, at in leaves:
                segs = segs[:-1] if segs[-1:] == ["self"] else segs
                target = absolute(crate, path, module, segs)
                if target:
                    refs.append((*target, text.count("\n", 0, at) + 1 if m.group("use") else line))
    return refs, children


def absolute(crate, path, module, segs):
    """(crate, segments from that crate's root) for a path, or None if external/unknown."""
    if not segs:
        return None
    head, rest = segs[0], segs[1:]
    if head in ("crate", "$crate"):
        return crate, rest
    if head == "app" and crate == "server":
        return "app", rest
    if head == "server" and crate == "server" and path.name == "main.rs":
        return "server", rest
    if head in ("self", "super"):
        mod = list(module)
        while segs and segs[0] in ("self", "super"):
            if segs[0] == "super":
                mod = mod[:-1]
            segs = segs[1:]
        return crate, mod + segs
    return None


def rel(p):
    return str(p.relative_to(ROOT))


def sccs(nodes, edges):
    """Tarjan's strongly connected components (the graph is small, so recursion is fine)."""
    index, low, stack, out = {}, {}, [], []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = stack[stack.index(v):]
            del stack[stack.index(v):]
            out.append(sorted(comp))

    for v in nodes:
        if v not in index:
            visit(v)
    return out


def main():
    files = [(c, p) for c, base in CRATES.items() for p in sorted(base.rglob("*.rs"))]
    edges, example, problems = defaultdict(set), {}, []
    for crate, path in files:
        refs, children = scan(crate, path)
        own_children = {resolve(crate, module_of(crate, path) + [c]) for c in children}
        lines = path.read_text(encoding="utf-8").splitlines()
        for tcrate, segs, line in refs:
            target = resolve(tcrate, segs)
            if target is None or target == path or target.name == "lib.rs":
                continue
            where = f"{rel(path)}:{line}: {lines[line - 1].strip()}"
            parts = target.relative_to(ROOT).parts  # ('app', 'src', feature, 'server', 'repo...', ...)
            if tcrate == "app" and len(parts) > 4 and parts[3] == "server" and parts[4] in ("repo", "repo.rs"):
                if crate == "server":
                    problems.append(f"repository use from the server crate: {rel(target)} <- {where}")
                elif path.relative_to(CRATES["app"]).parts[0] != parts[2]:
                    problems.append(f"cross-feature repository use: {rel(target)} <- {where}")
            if is_glue(target) or target in own_children:
                continue
            edges[path].add(target)
            example.setdefault((path, target), where)
    if "--graph" in sys.argv:
        for (src, dst), where in sorted(example.items()):
            print(f"{rel(src)} -> {rel(dst)}    ({where})")
    nodes = [p for _, p in files]
    for comp in sccs(nodes, edges):
        if len(comp) > 1:
            members = set(comp)
            lines = [f"cycle between {len(comp)} files: " + ", ".join(rel(p) for p in comp)]
            lines += [f"    {rel(s)} -> {rel(d)}    {example[(s, d)]}"
                      for s in comp for d in sorted(edges[s]) if d in members]
            problems.append("\n".join(lines))
    for crate, path in files:
        if rel(path) in GATE_CALLERS["invite_gate"] or rel(path) == "app/src/auth/server/guard/mod.rs":
            continue
        text = blank(path.read_text(encoding="utf-8"))
        for m in re.finditer(r"(?<!fn )\binvite_gate\s*\(", text):
            line = text.count("\n", 0, m.start()) + 1
            problems.append(f"invite_gate() outside invitations/api.rs: {rel(path)}:{line}")
    problems = list(dict.fromkeys(problems))
    if problems:
        print("\n".join(problems))
        print(f"structure: {len(files)} files, {len(example)} edges, {len(problems)} finding(s)")
        return 1
    print(f"structure: {len(files)} files, {len(example)} edges, no cycles, no cross-feature repository use")
    return 0


if __name__ == "__main__":
    sys.exit(main())

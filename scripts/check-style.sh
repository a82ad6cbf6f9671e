#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Kiln's checksrc (STYLE.md B.15): the rules no other tool knows, over src/ only.
#   - banned functions (and malloc/calloc/realloc/free/strdup outside base/mem.c,
#     printf/fprintf/puts outside base/log.c and app/main.c); comments and strings are ignored
#   - every file has an SPDX line and a file comment; every header has #pragma once
#   - every header compiles alone (a one-line file including it, with the Makefile's flags)
# Prints one line per problem ("file:line: message") and exits 1 when there is any.
# Usage: scripts/check-style.sh [files...]   (default: every .c/.h under src/)
set -u
cd "$(dirname "$0")/.."

if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find src -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
fi
problems=0
report() { echo "$1"; problems=$((problems + 1)); }

# ---------------------------------------------------------------- banned functions
banned_out=$(python3 - "${files[@]}" <<'PY'
import re, sys

BANNED = "strcpy strcat sprintf vsprintf gets strtok atoi atol atof strncpy strncat alloca " \
         "system signal rand localtime gmtime strerror assert".split()
HEAP = "malloc calloc realloc free strdup".split()
PRINT = "printf fprintf puts".split()
HEAP_OK = {"src/base/mem.c"}
PRINT_OK = {"src/base/log.c", "src/app/main.c"}

def strip(text):
    """Blank out comments, string and character literals, keeping newlines (line numbers)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + c if j - i >= 2 else text[i:j])
            i = j
        else:
            out.append(c); i += 1
    return "".join(out)

def pattern(names):
    # a call: the name not preceded by an identifier character, '.' or '->' (struct members)
    return re.compile(r"(?<![\w.>])(" + "|".join(names) + r")\s*\(")

checks = [(pattern(BANNED), None, "banned function"),
          (pattern(HEAP), HEAP_OK, "use mem_* or an arena (only base/mem.c calls"),
          (pattern(PRINT), PRINT_OK, "use log_* (only base/log.c and app/main.c print:")]
for path in sys.argv[1:]:
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError as e:
        print(f"{path}:1: cannot read: {e}"); continue
    code = strip(text)
    for lineno, line in enumerate(code.split("\n"), 1):
        if line.lstrip().startswith("#") and "include" in line:
            continue
        for rx, allowed, why in checks:
            if allowed is not None and path in allowed:
                continue
            for m in rx.finditer(line):
                name = m.group(1)
                if why == "banned function":
                    print(f"{path}:{lineno}: banned function {name}() (STYLE.md B.15)")
                elif allowed is HEAP_OK:
                    print(f"{path}:{lineno}: {name}() outside base/mem.c: use mem_* or an arena")
                else:
                    print(f"{path}:{lineno}: {name}() outside base/log.c and app/main.c: use log_*")
PY
)
if [ -n "$banned_out" ]; then
  while IFS= read -r l; do report "$l"; done <<<"$banned_out"
fi

# ---------------------------------------------------------------- SPDX, file comment, pragma once
for f in "${files[@]}"; do
  if ! head -n 3 "$f" | grep -q 'SPDX-License-Identifier:'; then
    report "$f:1: missing SPDX-License-Identifier line in the first 3 lines"
  fi
  # the file comment: a block comment starting within the first 6 lines, after the SPDX line
  if ! head -n 6 "$f" | tail -n +2 | grep -qE '^\s*/\*'; then
    report "$f:2: missing file comment (what the file is for) after the SPDX line"
  fi
  case $f in
    *.h)
      if ! grep -qE '^\s*#\s*pragma\s+once\b' "$f"; then
        report "$f:1: header without #pragma once"
      fi
      if grep -nE '^\s*#\s*(ifndef|define)\s+_*[A-Z0-9_]+_H_*\s*$' "$f" | grep -q .; then
        report "$f:1: include guard macro: use #pragma once only"
      fi
      ;;
  esac
done

# ---------------------------------------------------------------- each header compiles alone
cflags=$(make -s --no-print-directory print-CSTD print-WARN print-DEPS_CFLAGS 2>/dev/null | tr '\n' ' ')
if [ -z "$cflags" ]; then
  report "Makefile:1: cannot read CSTD/WARN/DEPS_CFLAGS with 'make print-VAR'"
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  for f in "${files[@]}"; do
    case $f in src/*.h) ;; *) continue ;; esac
    inc=${f#src/}
    printf '#include "%s"\n' "$inc" >"$tmp/one.c"
    # shellcheck disable=SC2086
    if ! gcc $cflags -Werror -Wno-unused-function -Isrc -Ibuild/debug/gen -fsyntax-only "$tmp/one.c" \
        >"$tmp/log" 2>&1; then
      report "$f:1: header does not compile on its own:"
      grep -E 'error|warning' "$tmp/log" | head -n 5 | sed 's/^/    /'
    fi
  done
fi

if [ "$problems" -gt 0 ]; then
  echo "check-style: $problems problem(s)"
  exit 1
fi
echo "check-style: ok (${#files[@]} files)"

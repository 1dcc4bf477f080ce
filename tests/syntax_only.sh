#!/bin/sh
# A compiler launcher for the header check: runs the compile command with
# -fsyntax-only (the check is that the header parses and instantiates; object
# code would double the time), then creates the object file the command names,
# so that the build counts the header as checked until it changes.
out=""
previous=""
for argument in "$@"; do
  [ "$previous" = "-o" ] && out=$argument
  previous=$argument
done
"$@" -fsyntax-only && : >"$out"

#!/bin/sh
# embed.sh NAME IN OUT -- writes a C file defining `const char NAME[]` with
# the bytes of IN (a text file), so documents ship inside the binary.
set -e
name="$1"; in="$2"; out="$3"
{
  echo "/* Generated from $in by scripts/embed.sh; do not edit. */"
  echo "const char $name[] ="
  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/  "/' -e 's/$/\\n"/' "$in"
  echo "  ;"
} > "$out.tmp"
mv "$out.tmp" "$out"

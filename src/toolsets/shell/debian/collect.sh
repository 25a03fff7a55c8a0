#!/bin/sh
# Collect the facts of a Debian 12 installation that the in-memory shell's base image reproduces: sizes, modes and
# owners of the binaries it offers, the installed packages (dpkg -l), and verbatim copies of the configuration
# files agents read. Run as root on a Debian 12 machine from this directory; review the diff before committing.
# Dates later than the World's clock are replaced in code (system-files.ts), never shown.
set -eu
cd "$(dirname "$0")"

# binaries.tsv: command path mode owner group size mtime(epoch) link-target (for the commands in commands.txt)
: > binaries.tsv
while read -r name dir; do
  [ -z "$name" ] && continue
  p="$dir/$name"
  if [ -L "$p" ]; then
    t=$(readlink "$p"); r=$(readlink -f "$p")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$p" "$(stat -c %a "$r")" "$(stat -c %U "$r")" "$(stat -c %G "$r")" "$(stat -c %s "$r")" "$(stat -c %Y "$r")" "$t" >> binaries.tsv
  elif [ -e "$p" ]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n' "$name" "$p" "$(stat -c %a "$p")" "$(stat -c %U "$p")" "$(stat -c %G "$p")" "$(stat -c %s "$p")" "$(stat -c %Y "$p")" >> binaries.tsv
  else
    echo "missing: $p" >&2
  fi
done < commands.txt

# packages.tsv: package version architecture description, for the packages in packages.txt
: > packages.tsv
while read -r pkg; do
  [ -z "$pkg" ] && continue
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" = installed ]; then
    dpkg-query -W -f='${Package}\t${Version}\t${Architecture}\t${binary:Summary}\n' "$pkg" >> packages.tsv
  else
    apt-cache show --no-all-versions "$pkg" | awk -v p="$pkg" '/^Version:/{v=$2}/^Architecture:/{a=$2}/^Description:/{sub(/^Description: /,"");d=$0} END{print p"\t"v"\t"a"\t"d}' >> packages.tsv
  fi
done < packages.txt

# etc/: verbatim configuration files
while read -r f; do
  [ -z "$f" ] && continue
  mkdir -p "files$(dirname "$f")"
  cp "$f" "files$f"
done < files.txt

# versions/ and help/: what `CMD --version` and `CMD --help` print (C.UTF-8, not on a terminal)
mkdir -p versions help
export LANG=C.UTF-8
while read -r name dir; do
  [ -z "$name" ] && continue
  case "$name" in
    awk|mawk) "$name" -W version > "versions/$name.txt" 2>&1 || true ;;
    ssh|scp|sftp|ssh-add|ssh-agent|ssh-keygen) ;;
    dash|sh) ;;
    *) timeout 5 "$name" --version > "versions/$name.txt" 2>/dev/null < /dev/null || rm -f "versions/$name.txt" ;;
  esac
  [ -s "versions/$name.txt" ] || rm -f "versions/$name.txt"
  timeout 5 "$name" --help > "help/$name.txt" 2>/dev/null < /dev/null || true
  [ -s "help/$name.txt" ] || rm -f "help/$name.txt"
done < commands.txt

# The shell's own ssh, rsync and openssl report these versions: keep the package list and curl's libraries in step.
sed -i -E 's/^(openssh-(client|server)\t)[^\t]*/\11:9.2p1-2+deb12u5/; s/^(rsync\t)[^\t]*/\13.2.7-1+deb12u2/; s/^((openssl|libssl3)\t)[^\t]*/\13.0.15-1~deb12u1/' packages.tsv
sed -i -E 's#OpenSSL/3\.0\.[0-9]+#OpenSSL/3.0.15#' versions/curl.txt
rm -f versions/rsync.txt help/rsync.txt 'help/[.txt' 'versions/[.txt'

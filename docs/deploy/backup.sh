#!/usr/bin/env bash
# Mutuals Network: one online backup with rotation (run nightly by mutuals-backup.service).
#
#   backup.sh DATA_DIR BACKUP_DIR
#
# Writes BACKUP_DIR/mutuals-<UTC time>.sqlite3 with `mutuals backup` (SQLite's online backup,
# safe while the server runs; the copy's integrity is checked before it counts), then deletes
# all but the newest $KEEP backups (default 14). $MUTUALS names the executable.
set -euo pipefail
umask 077

if [ "$#" -ne 2 ]; then
  echo "usage: $0 DATA_DIR BACKUP_DIR" >&2
  exit 64
fi
data=$1
backups=$2
keep=${KEEP:-14}
mutuals=${MUTUALS:-/opt/mutuals/bin/mutuals}
case "$keep" in
  '' | *[!0-9]* | 0) echo "KEEP must be a whole number of at least 1, not '$keep'" >&2; exit 64 ;;
esac

mkdir -p "$backups"
name="mutuals-$(date -u +%Y%m%dT%H%M%S.%NZ).sqlite3"
# Written under a temporary name and renamed once checked, so rotation never counts (or
# keeps) a half-written file.
"$mutuals" backup --data "$data" --to "$backups/$name.partial"
mv "$backups/$name.partial" "$backups/$name"
echo "Backup $backups/$name written and checked."

# Rotation: the names sort by time; keep the newest $keep.
find "$backups" -maxdepth 1 -name 'mutuals-*.sqlite3' -printf '%f\n' | sort | head -n "-$keep" |
  while read -r old; do
    rm -f -- "$backups/$old"
    echo "Removed the old backup $backups/$old."
  done

#!/usr/bin/env bash
# Mutuals Network: restore a backup into a fresh data folder (docs/DEPLOY.md, "Restore").
#
#   restore.sh BACKUP DATA_DIR
#
# BACKUP is a file made by `mutuals backup` (or backup.sh). DATA_DIR must not exist or be
# empty: a restore never writes over a database. The restored database is migrated to this
# version of mutuals (a backup from a newer version is refused) and checked with `mutuals
# check`; the script exits non-zero if either fails. Then point `serve --data` at DATA_DIR.
# $MUTUALS names the executable (default: `mutuals` on the PATH, else /opt/mutuals/bin/mutuals).
set -euo pipefail
umask 077

if [ "$#" -ne 2 ]; then
  echo "usage: $0 BACKUP DATA_DIR" >&2
  exit 64
fi
backup=$1
data=$2
mutuals=${MUTUALS:-$(command -v mutuals || echo /opt/mutuals/bin/mutuals)}

if [ ! -f "$backup" ] || [ ! -r "$backup" ]; then
  echo "restore: cannot read the backup $backup" >&2
  exit 66
fi
if [ -e "$data" ] && [ -n "$(ls -A "$data" 2>/dev/null)" ]; then
  echo "restore: $data is not empty; restore into a fresh folder (move the old one aside first)" >&2
  exit 73
fi

mkdir -p "$data"
chmod 700 "$data"
# Copied under a temporary name so a failed copy never looks like a database.
cp -- "$backup" "$data/mutuals.sqlite3.partial"
mv -- "$data/mutuals.sqlite3.partial" "$data/mutuals.sqlite3"
chmod 600 "$data/mutuals.sqlite3"

echo "Migrating the restored database to this version of mutuals..."
"$mutuals" migrate --data "$data"
echo "Checking it..."
if ! "$mutuals" check --data "$data"; then
  echo "restore: the restored database in $data failed the check; do not serve it" >&2
  exit 1
fi
echo "Restored $backup into $data. Serve it with: mutuals serve --data $data"

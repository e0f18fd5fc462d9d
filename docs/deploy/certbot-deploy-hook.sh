#!/usr/bin/env bash
# Mutuals Network: certbot deploy hook (docs/DEPLOY.md, "Let's Encrypt").
#
# Install as /etc/letsencrypt/renewal-hooks/deploy/mutuals (mode 0755). certbot runs it as
# root after each successful issue or renewal, with RENEWED_LINEAGE set to the live folder
# (/etc/letsencrypt/live/DOMAIN). It copies the new pair where the mutuals user can read it,
# then asks the server to read it again (SIGHUP through `systemctl reload`): new connections
# get the new certificate, open ones are not dropped. If the new pair is bad, the server logs
# why and keeps the old one (see `journalctl -u mutuals`).
set -euo pipefail
umask 077

lineage=${RENEWED_LINEAGE:?certbot sets RENEWED_LINEAGE for deploy hooks}
target=${MUTUALS_TLS_DIR:-/etc/mutuals/tls}
owner=${MUTUALS_USER:-mutuals}

install -d -m 0750 -o root -g "$owner" "$target"
# Each file is replaced by a rename, so the server never reads half of one.
for file in fullchain.pem privkey.pem; do
  install -m 0640 -o root -g "$owner" "$lineage/$file" "$target/.$file.new"
  mv -f "$target/.$file.new" "$target/$file"
done

# Reloads a running server (SIGHUP); does nothing when it is stopped (the first issue).
systemctl try-reload-or-restart mutuals
echo "mutuals: installed the certificate from $lineage in $target and asked the server to reload it."

#!/bin/sh
# Install the Debian 12 packages forumgate needs, only those that are missing.
# Idempotent: a second run installs nothing and does not touch the network.
set -eu

PKGS="build-essential pkg-config libetpan-dev libssl-dev libyaml-dev libsqlite3-dev
libevent-dev libcurl4-gnutls-dev libjansson-dev libxml2-dev libcmocka-dev libxxhash-dev zlib1g-dev libseccomp-dev
openssl python3 sqlite3 clang clang-format libclang-rt-14-dev tzdata nghttp2-proxy
libnews-nntpclient-perl tin slrn tmux suck swaks exim4-daemon-light dovecot-imapd mandoc
debhelper dpkg-dev fakeroot lintian"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	SUDO=""
elif command -v sudo >/dev/null 2>&1; then
	SUDO="sudo"
else
	echo "install-deps: need root or sudo to install:$missing" >&2
	exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing

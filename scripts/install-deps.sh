#!/usr/bin/env bash
# Installs everything mailrelay needs to build and test on Debian 12 (run as root).
# valijson comes from Debian's package, but only its headers are extracted: installing the
# package itself drags in Qt5 and more as a packaging artefact.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(
  build-essential cmake ninja-build pkg-config
  libpoco-dev libsodium-dev libsqlcipher-dev nlohmann-json3-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev
  python3 python3-nacl python3-jsonschema python3-cryptography swaks curl openssl postfix procps
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  # postfix asks questions on install; answer them so the install never waits for input.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The benchmark uses postfix's smtp-source/smtp-sink tools only; its daemon must not hold :25.
if command -v postfix >/dev/null && pgrep -x master >/dev/null; then
  postfix stop >/dev/null 2>&1 || true
fi

if [[ ! -f /usr/local/include/valijson/validator.hpp ]]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download libvalijson-dev >/dev/null 2>&1 || {
     apt-get update -qq && apt-get download libvalijson-dev; })
  dpkg -x "$tmp"/libvalijson-dev_*.deb "$tmp/x"
  mkdir -p /usr/local/include
  cp -r "$tmp/x/usr/include/valijson" /usr/local/include/
  chmod -R a+rX /usr/local/include/valijson
  rm -rf "$tmp"
fi
echo "install-deps: all dependencies present"

#!/usr/bin/env bash
# Installs everything promlite needs to build, test and benchmark on Debian 12.
# Idempotent: packages already present are skipped by apt. apt packages only.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PKGS=(
  # toolchain
  cmake g++ make pkg-config git
  # libraries (see docs/design-notes.md for why each one is here)
  libabsl-dev libre2-dev libzstd-dev libsnappy-dev libprotobuf-dev protobuf-compiler
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev libyaml-cpp-dev nlohmann-json3-dev
  libcrypt-dev libcli11-dev
  # tests and benchmarks
  catch2 libbenchmark-dev openssl python3 curl
  # real peers for integration and compatibility tests
  prometheus prometheus-node-exporter prometheus-alertmanager victoria-metrics
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends keeps the peers' optional extras out; policy-rc.d keeps
# their services from starting (tests start their own instances on loopback).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

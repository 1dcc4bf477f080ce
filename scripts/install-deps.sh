#!/usr/bin/env bash
# Installs, with apt, whatever of Quarry's build and test dependencies is missing.
#   scripts/install-deps.sh            what building the library and the examples needs
#   scripts/install-deps.sh --tests    also the test, benchmark and PostgreSQL server packages
set -euo pipefail

packages=(cmake ninja-build g++ pkg-config libsqlite3-dev libfmt-dev libboost1.81-dev libpq-dev libcpp-httplib-dev nlohmann-json3-dev)
if [[ "${1:-}" == "--tests" ]]; then
  packages+=(clang catch2 libbenchmark-dev postgresql-15 python3-sqlalchemy python3-psycopg2)
fi

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "quarry: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "quarry: run this as root (or install the packages above yourself)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null

# Shared by tools/demo, tools/test and tools/bench: install what is missing,
# then configure and build. Sourced, not run.
set -euo pipefail

AIDLEDGER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Debian 12 packages the build, the tests and the benchmark need.
AIDLEDGER_PACKAGES=(
  g++ cmake ninja-build pkg-config
  librocksdb-dev rocksdb-tools libprotobuf-dev protobuf-compiler libabsl-dev
  libgtest-dev libgmock-dev libssl-dev libcli11-dev libcpp-httplib-dev zlib1g-dev libboost1.74-dev
  libzip-dev libexpat1-dev libxlsxwriter-dev libsimdjson-dev libdeflate-dev gettext
  openssl curl python3 sqlite3 postgresql-15 libpqxx-dev patroni etcd-server etcd-client
  chromium chromium-driver python3-selenium fonts-noto-cjk
)

aidledger_install() {
  local missing=()
  local package
  for package in "${AIDLEDGER_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "aidledger needs these Debian packages; install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The dashboard's chart library (server/dashboard/package.json, pinned by
# its package-lock.json) from the npm registry, with `npm ci`, which checks
# every package against the lock file's integrity hash. Done again only when
# the lock file changed. The binary embeds it: nothing is fetched at run time.
aidledger_install_front_end() {
  local dir="$AIDLEDGER_ROOT/server/dashboard"
  local installed="$dir/node_modules/.package-lock.json"
  if [ -f "$installed" ] && [ "$installed" -nt "$dir/package-lock.json" ] \
      && [ -f "$dir/node_modules/echarts/dist/echarts.common.min.js" ]; then
    return 0
  fi
  if ! command -v npm >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "aidledger needs npm (Node.js) for the dashboard's chart library: sudo apt-get install -y npm" >&2
      exit 1
    fi
    echo "installing: npm" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  echo "installing the dashboard's chart library (npm ci)" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
}

# aidledger_build BUILD_DIR [extra cmake args...]: configure once, then build
# (only the targets in $AIDLEDGER_BUILD_TARGETS when it is set).
aidledger_build() {
  local build_dir="$1"
  shift
  aidledger_install_front_end
  if [ ! -f "$build_dir/build.ninja" ]; then
    cmake -S "$AIDLEDGER_ROOT" -B "$build_dir" -G Ninja "$@" >/dev/null
  fi
  local targets=()
  local target
  for target in ${AIDLEDGER_BUILD_TARGETS:-}; do targets+=(--target "$target"); done
  cmake --build "$build_dir" "${targets[@]}" -- -j "$(nproc)"
}

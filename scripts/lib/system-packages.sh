# shellcheck shell=bash
# Sourced by scripts/run and scripts/test: installs missing Debian/Ubuntu packages.
#
#   ensure_system_packages pkg...    install the packages dpkg does not list as installed
#   ensure_commands cmd=pkg...       install pkg when cmd is not on PATH (tools such as curl)
#
# apt-get update runs only when something has to be installed; sudo is used only when not
# root and sudo exists. On systems without dpkg (macOS) it does nothing: the toolchain
# provides the libraries there.

_tp_pkg_installed() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

_tp_apt_install() {
    local -a as_root=()
    if [[ "$(id -u)" -ne 0 ]]; then
        if command -v sudo >/dev/null 2>&1; then
            as_root=(sudo)
        else
            echo "missing system packages: $*; run as root or install sudo, or install them yourself:" >&2
            echo "  apt-get update && apt-get install -y $*" >&2
            return 1
        fi
    fi
    echo "installing system packages: $*"
    ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get update -q
    ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

ensure_system_packages() {
    if ! command -v dpkg >/dev/null 2>&1; then
        return 0
    fi
    local -a missing=()
    local pkg
    for pkg in "$@"; do
        _tp_pkg_installed "$pkg" || missing+=("$pkg")
    done
    if [[ ${#missing[@]} -gt 0 ]]; then
        _tp_apt_install "${missing[@]}"
    fi
}

ensure_commands() {
    local -a missing=()
    local pair
    for pair in "$@"; do
        command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        return 0
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "missing tools; install these packages: ${missing[*]}" >&2
        return 1
    fi
    _tp_apt_install "${missing[@]}"
}

# The libraries the Swift build links on Linux (Foundation networking/XML, GRDB's SQLite).
# shellcheck disable=SC2034 # used by the scripts that source this file
TASKPULSE_SYSTEM_PACKAGES=(libsqlite3-dev libcurl4-openssl-dev libxml2-dev)

require_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        echo "swift not found on PATH: install a Swift 6.1+ toolchain (https://www.swift.org/install/linux/)" >&2
        return 1
    fi
}

#!/bin/sh
# Installs the iterate binary:  curl -fsSL https://github.com/iterate/iterate/releases/latest/download/install.sh | sh
# Every download is checked against the release's SHA256SUMS; on a mismatch nothing is installed.
# Everything runs from main() on the last line, so a download cut short executes nothing.
set -eu

REPOSITORY="https://github.com/iterate/iterate"

usage() {
  cat <<EOF
Install iterate, the AI coding agent orchestrator.

Usage: install.sh [--version X] [--no-modify-path] [--no-completions] [-h]

  --version X        install release X (default: the latest release)
  --no-modify-path   do not add the install folder to PATH in a shell rc file or \$GITHUB_PATH
  --no-completions   do not install the bash, zsh and fish completion scripts
  -h, --help         show this help

Environment:
  ITERATE_INSTALL_DIR    where the binary goes (default: \$HOME/.iterate/bin)
  ITERATE_DOWNLOAD_URL   folder holding the archives and SHA256SUMS (default: the GitHub release)
EOF
}

say() { printf '%s\n' "$*" >&2; }
die() {
  say "install.sh: $*"
  exit 1
}

download() { # url file
  if command -v curl >/dev/null 2>&1; then
    error=$(curl --fail --silent --show-error --location --retry 2 --output "$2" "$1" 2>&1) ||
      die "cannot download $1: ${error#curl: }"
  elif command -v wget >/dev/null 2>&1; then
    wget --quiet --tries=3 --output-document="$2" "$1" || die "cannot download $1"
  else
    die "neither curl nor wget is installed; install one and run this again"
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 -r "$1" | cut -d ' ' -f 1
  else
    die "no sha256sum, shasum or openssl to verify the download with"
  fi
}

# Prints the release target for this machine: <os>-<arch>[-baseline][-musl].
detect_target() {
  case $(uname -s) in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    MINGW* | MSYS* | CYGWIN*) os=windows ;;
    *) die "unsupported operating system: $(uname -s)" ;;
  esac
  case $(uname -m) in
    x86_64 | amd64) arch=x64 ;;
    arm64 | aarch64) arch=arm64 ;;
    *) die "unsupported CPU architecture: $(uname -m)" ;;
  esac
  # An x64 shell under Rosetta still runs on an arm64 Mac: the native build is faster.
  if [ "$os" = darwin ] && [ "$arch" = x64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null)" = 1 ]; then
    arch=arm64
  fi
  target=$os-$arch
  if [ "$arch" = x64 ]; then
    if [ "$os" = darwin ]; then
      sysctl -n machdep.cpu.leaf7_features 2>/dev/null | grep -qi avx2 || target=$target-baseline
    else
      grep -qwi avx2 /proc/cpuinfo 2>/dev/null || target=$target-baseline
    fi
  fi
  if [ "$os" = linux ] && is_musl; then target=$target-musl; fi
  printf '%s\n' "$target"
}

is_musl() {
  if getconf GNU_LIBC_VERSION >/dev/null 2>&1; then return 1; fi
  if ldd --version 2>&1 | grep -qi musl; then return 0; fi
  ls /lib/ld-musl-* >/dev/null 2>&1
}

# Plain http would let anyone on the path swap both the archive and its checksum; only loopback is exempt.
check_url() {
  case $1 in
    https://*) ;;
    http://127.0.0.1[:/]* | http://localhost[:/]* | http://\[::1\][:/]*) ;;
    *) die "refusing to download from $1: use https (plain http is allowed for loopback addresses only)" ;;
  esac
}

rc_file() {
  case ${SHELL:-} in
    */fish) printf '%s\n' "${XDG_CONFIG_HOME:-$HOME/.config}/fish/config.fish" ;;
    */zsh) printf '%s\n' "${ZDOTDIR:-$HOME}/.zshrc" ;;
    */bash)
      if [ "$(uname -s)" = Darwin ]; then printf '%s\n' "$HOME/.bash_profile"; else printf '%s\n' "$HOME/.bashrc"; fi
      ;;
    *) printf '%s\n' "$HOME/.profile" ;;
  esac
}

# One line per rc file, recognisable by its comment so `iterate uninstall` can take it out again.
add_to_path() { # dir
  if [ -n "${GITHUB_PATH:-}" ] && ! grep -qxF "$1" "$GITHUB_PATH" 2>/dev/null; then
    printf '%s\n' "$1" >>"$GITHUB_PATH"
    say "added $1 to \$GITHUB_PATH"
  fi
  case :${PATH:-}: in *:"$1":*) return ;; esac
  rc=$(rc_file)
  case $rc in
    *.fish) line="set --export PATH \"$1\" \$PATH # added by iterate install.sh" ;;
    *) line="export PATH=\"$1:\$PATH\" # added by iterate install.sh" ;;
  esac
  if [ -f "$rc" ] && grep -qxF "$line" "$rc"; then
    say "$rc already puts $1 on PATH; open a new shell to use iterate"
    return
  fi
  mkdir -p "$(dirname "$rc")"
  printf '\n%s\n' "$line" >>"$rc"
  say "added $1 to PATH in $rc; open a new shell (or run: $line) to use iterate"
}

# Where each shell looks for a user's own completion scripts: bash-completion and fish load them
# from there by themselves; zsh has no such folder, so its rc file gets a line (source_zsh_completion).
completion_file() { # shell
  data=${XDG_DATA_HOME:-$HOME/.local/share}
  case $1 in
    bash) printf '%s\n' "$data/bash-completion/completions/iterate" ;;
    zsh) printf '%s\n' "$data/zsh/site-functions/_iterate" ;;
    fish) printf '%s\n' "$data/fish/vendor_completions.d/iterate.fish" ;;
  esac
}

install_completions() { # binary
  for shell in bash zsh fish; do
    file=$(completion_file "$shell")
    if mkdir -p "$(dirname "$file")" 2>/dev/null && "$1" completion "$shell" >"$file.$$.new" 2>/dev/null; then
      mv -f "$file.$$.new" "$file"
    else
      rm -f "$file.$$.new"
      say "could not write the $shell completion script to $file"
    fi
  done
}

# The fpath entry serves a compinit later in .zshrc; sourcing registers it with one that ran before.
source_zsh_completion() {
  [ "$(rc_file)" = "${ZDOTDIR:-$HOME}/.zshrc" ] || return 0
  file=$(completion_file zsh)
  line="fpath=(\"$(dirname "$file")\" \$fpath) && source \"$file\" # added by iterate install.sh"
  rc=$(rc_file)
  if [ -f "$rc" ] && grep -qxF "$line" "$rc"; then return; fi
  printf '\n%s\n' "$line" >>"$rc"
  say "added iterate's completion to $rc"
}

main() {
  version=""
  modify_path=1
  completions=1
  while [ $# -gt 0 ]; do
    case $1 in
      --version)
        [ $# -ge 2 ] || die "--version needs a version, e.g. --version 1.2.3"
        version=${2#v}
        shift 2
        ;;
      --version=*)
        version=${1#--version=}
        version=${version#v}
        shift
        ;;
      --no-modify-path) modify_path=0 && shift ;;
      --no-completions) completions=0 && shift ;;
      -h | --help) usage && exit 0 ;;
      *)
        say "install.sh: unknown option $1 (see --help)"
        exit 2
        ;;
    esac
  done

  target=$(detect_target)
  case $target in
    windows-*) archive=iterate-$target.zip binary=iterate.exe ;;
    *) archive=iterate-$target.tar.gz binary=iterate ;;
  esac
  if [ -n "${ITERATE_DOWNLOAD_URL:-}" ]; then
    base=${ITERATE_DOWNLOAD_URL%/}
  elif [ -n "$version" ]; then
    base=$REPOSITORY/releases/download/v$version
  else
    base=$REPOSITORY/releases/latest/download
  fi
  check_url "$base/"
  dir=${ITERATE_INSTALL_DIR:-$HOME/.iterate/bin}

  tmp=$(mktemp -d 2>/dev/null || mktemp -d -t iterate)
  trap 'rm -rf "$tmp"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  say "downloading $base/$archive"
  download "$base/SHA256SUMS" "$tmp/SHA256SUMS"
  download "$base/$archive" "$tmp/$archive"
  expected=$(awk -v f="$archive" '$2 == f || $2 == "*" f { print $1 }' "$tmp/SHA256SUMS")
  [ -n "$expected" ] || die "SHA256SUMS at $base lists no $archive; nothing was installed"
  actual=$(sha256_of "$tmp/$archive")
  [ "$expected" = "$actual" ] ||
    die "checksum mismatch for $archive (expected $expected, got $actual); nothing was installed"

  mkdir "$tmp/unpacked"
  case $archive in
    *.zip) unzip -q "$tmp/$archive" -d "$tmp/unpacked" >/dev/null || die "cannot unpack $archive (is unzip installed?)" ;;
    *) tar -xzf "$tmp/$archive" -C "$tmp/unpacked" || die "cannot unpack $archive" ;;
  esac
  [ -f "$tmp/unpacked/$binary" ] || die "$archive holds no $binary; nothing was installed"

  # Copy next to the destination first, so the final rename is atomic and a running iterate keeps working.
  mkdir -p "$dir" || die "cannot create $dir"
  staged="$dir/.$binary.$$.new"
  cp "$tmp/unpacked/$binary" "$staged" 2>/dev/null || die "cannot write to $dir"
  chmod 755 "$staged"
  if ! installed=$("$staged" --version 2>/dev/null); then
    rm -f "$staged"
    die "the downloaded $target binary does not run on this machine; nothing was installed"
  fi
  if [ -n "$version" ] && [ "$installed" != "$version" ]; then
    rm -f "$staged"
    die "asked for version $version but the download is version $installed; nothing was installed"
  fi
  mv -f "$staged" "$dir/$binary" || die "cannot replace $dir/$binary"

  # Windows shells have no completion folders of these kinds.
  case $target in windows-*) completions=0 ;; esac
  if [ "$completions" = 1 ]; then install_completions "$dir/$binary"; fi
  if [ "$modify_path" = 1 ]; then add_to_path "$dir"; fi
  if [ "$modify_path" = 1 ] && [ "$completions" = 1 ]; then source_zsh_completion; fi
  printf 'installed iterate %s to %s\n' "$installed" "$dir/$binary"
}

main "$@"

#!/usr/bin/env bash
# Installs an argocd-eso-plugin release binary: downloads the archive for this machine and its .sha256 from the
# release, verifies the checksum, and puts the binary in $DEST (default /usr/local/bin). A checksum mismatch is
# fatal (exit 3, nothing installed, never a fallback). With ALLOW_BUILD=true, a release that cannot be downloaded
# (no such version, no archive for this architecture, no network) is built from source with cargo instead;
# otherwise that is exit 2.
#
#   VERSION   release tag, e.g. v0.2.0 (required)
#   REPO      owner/name on GitHub (default your-org/argocd-eso-plugin)
#   BASE_URL  where the release assets are (default https://github.com/$REPO/releases/download/$VERSION)
#   DEST      install directory (default /usr/local/bin)
#   ALLOW_BUILD  true: fall back to `cargo install --locked --git ... --tag $VERSION`
set -euo pipefail

: "${VERSION:?VERSION (a release tag such as v0.2.0) is required}"
REPO="${REPO:-your-org/argocd-eso-plugin}"
BASE_URL="${BASE_URL:-https://github.com/$REPO/releases/download/$VERSION}"
DEST="${DEST:-/usr/local/bin}"
ALLOW_BUILD="${ALLOW_BUILD:-false}"

case "$(uname -m)" in
  x86_64 | amd64) target=x86_64-unknown-linux-musl ;;
  aarch64 | arm64) target=aarch64-unknown-linux-musl ;;
  *) target="" ;;
esac
if [ "$(uname -s)" != Linux ]; then target=""; fi

build() {
  if [ "$ALLOW_BUILD" != true ]; then
    echo "install.sh: $1; set ALLOW_BUILD=true to build from source instead" >&2
    exit 2
  fi
  echo "install.sh: $1; building $VERSION from source with cargo (minutes)" >&2
  cargo install --locked --git "https://github.com/$REPO" --tag "$VERSION" --root "$(dirname "$DEST")" argocd-eso-plugin
  exit 0
}

[ -n "$target" ] || build "no release binary for $(uname -s) $(uname -m)"
archive="argocd-eso-plugin-$VERSION-$target.tar.gz"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fetch() { curl --fail --silent --show-error --location --retry 3 --output "$2" "$1"; }
if ! fetch "$BASE_URL/$archive" "$work/$archive" || ! fetch "$BASE_URL/$archive.sha256" "$work/$archive.sha256"; then
  build "could not download $BASE_URL/$archive"
fi
# The .sha256 file is `sha256sum` output: "<hex>  <file name>". Only the hex is trusted, checked against our file.
expected="$(cut -d' ' -f1 < "$work/$archive.sha256")"
actual="$(sha256sum "$work/$archive" | cut -d' ' -f1)"
if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
  echo "install.sh: checksum mismatch for $archive (expected ${expected:-nothing}, got $actual); nothing installed" >&2
  exit 3
fi
tar -xzf "$work/$archive" -C "$work"
mkdir -p "$DEST"
install -m 0755 "$work/argocd-eso-plugin-$VERSION-$target/argocd-eso-plugin" "$DEST/argocd-eso-plugin"
echo "install.sh: installed $("$DEST/argocd-eso-plugin" --version) to $DEST ($archive, sha256 $actual)" >&2

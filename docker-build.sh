#!/usr/bin/env bash
# Build the TrendMaster image and push it to a registry:  ./docker-build.sh VERSION
#
# Environment:
#   REGISTRY    required: where the image goes, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com
#               (ECR, as the seed) or registry.example.com/platform
#   IMAGE_NAME  image name under REGISTRY (default trendmaster-ai)
#   PLATFORM    target platform (default linux/amd64)
#   PUSH        "false" builds and tags only (default true)
#   ECR_LOGIN   "auto" (default): log in with `aws ecr get-login-password` when REGISTRY is an ECR
#               host; "false": the caller has logged in already
#   DOCKER      docker-compatible client (default docker)
#
# The tag is VERSION exactly; a version is never pushed as "latest" (the chart pins a tag or digest).
set -euo pipefail

usage() { echo "usage: REGISTRY=host[/path] $0 VERSION   (e.g. REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com $0 1.4.0)" >&2; }

if [[ $# -ne 1 ]]; then usage; exit 2; fi
version="$1"
if [[ ! "$version" =~ ^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; then
  echo "docker-build: VERSION '$version' is not a semantic version like 1.4.0 or 1.4.0-rc.1" >&2
  exit 2
fi
if [[ -z "${REGISTRY:-}" ]]; then
  echo "docker-build: set REGISTRY, e.g. REGISTRY=123456789012.dkr.ecr.eu-west-1.amazonaws.com" >&2
  usage
  exit 2
fi

docker="${DOCKER:-docker}"
registry="${REGISTRY%/}"
image="$registry/${IMAGE_NAME:-trendmaster-ai}:$version"
platform="${PLATFORM:-linux/amd64}"
context="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
revision="$(git -C "$context" rev-parse HEAD 2>/dev/null || echo unknown)"

host="${registry%%/*}"
if [[ "${PUSH:-true}" != "false" && "${ECR_LOGIN:-auto}" != "false" && "$host" =~ ^[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$ ]]; then
  region="${BASH_REMATCH[1]}"
  echo "docker-build: logging in to ECR $host ($region)"
  aws ecr get-login-password --region "$region" | "$docker" login --username AWS --password-stdin "$host"
fi

echo "docker-build: building $image for $platform"
"$docker" build \
  --pull \
  --platform "$platform" \
  --build-arg "VERSION=$version" \
  --label "org.opencontainers.image.revision=$revision" \
  --tag "$image" \
  "$context"

if [[ "${PUSH:-true}" == "false" ]]; then
  echo "docker-build: built $image (not pushed: PUSH=false)"
  exit 0
fi
"$docker" push "$image"
digest="$("$docker" inspect --format '{{index .RepoDigests 0}}' "$image" 2>/dev/null || true)"
echo "docker-build: pushed $image${digest:+ ($digest)}"
echo "docker-build: in the chart values: image.tag: \"$version\"${digest:+ or image.digest: \"${digest#*@}\"}"

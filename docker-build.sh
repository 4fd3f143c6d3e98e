#!/usr/bin/env bash
# Build the TrendMaster image and push it to a registry:  ./docker-build.sh VERSION
#
# Environment:
#   REGISTRY    where the image goes, e.g. registry.example.com/platform. Unset: the ECR registry
#               of the AWS account the AWS CLI is logged in to (aws sts get-caller-identity), in
#               AWS_REGION / AWS_DEFAULT_REGION / `aws configure get region`, as the guide's step 1
#   IMAGE_NAME  image name under REGISTRY (default trendmaster-ai)
#   PLATFORM    target platform (default linux/amd64)
#   PUSH        "false" builds and tags only (default true)
#   ECR_LOGIN   "auto" (default): for an ECR registry, log in with `aws ecr get-login-password` and
#               create the repository when it does not exist; "false": the caller did both already
#   DOCKER      docker-compatible client (default docker)
#
# The tag is VERSION exactly; a version is never pushed as "latest" (the chart pins a tag or digest).
set -euo pipefail

usage() { echo "usage: [REGISTRY=host[/path]] $0 VERSION   (e.g. $0 v1.0.0: the AWS account's ECR; or REGISTRY=registry.example.com/platform $0 1.4.0)" >&2; }

if [[ $# -ne 1 ]]; then usage; exit 2; fi
version="$1"
if [[ ! "$version" =~ ^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]]; then
  echo "docker-build: VERSION '$version' is not a semantic version like 1.4.0 or 1.4.0-rc.1" >&2
  exit 2
fi
if [[ -z "${REGISTRY:-}" ]]; then
  # The guide's default: the ECR registry of the account the AWS CLI is logged in to.
  if ! account="$(aws sts get-caller-identity --query Account --output text)"; then
    echo "docker-build: REGISTRY is not set and the AWS CLI cannot tell the account (aws sts get-caller-identity failed above): log in to AWS, or set REGISTRY" >&2
    exit 2
  fi
  region="${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region || true)}}"
  if [[ -z "$region" ]]; then
    echo "docker-build: REGISTRY is not set and no AWS region is configured: set AWS_REGION (or REGISTRY)" >&2
    exit 2
  fi
  REGISTRY="$account.dkr.ecr.$region.amazonaws.com"
  echo "docker-build: REGISTRY not set: using the ECR registry of AWS account $account in $region"
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
  # ECR refuses a push to a repository that does not exist.
  repository="${image#"$host"/}"
  repository="${repository%:*}"
  if ! aws ecr describe-repositories --region "$region" --repository-names "$repository" > /dev/null 2>&1; then
    echo "docker-build: creating the ECR repository $repository"
    aws ecr create-repository --region "$region" --repository-name "$repository" --image-scanning-configuration scanOnPush=true > /dev/null
  fi
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

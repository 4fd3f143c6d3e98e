// docker-build.sh with the stand-in `docker` and `aws` commands of test/stand-ins/cli-bin/, which
// record their arguments (no container engine or AWS account here), and the Dockerfile checked
// against what the build needs.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";

const SCRIPT = join(repoRoot(), "docker-build.sh");

/** The stand-in `docker` and `aws` (test/stand-ins/cli-bin/) on PATH, recording into a fresh calls.log. */
function recordingBin(): { env: Record<string, string>; dir: string; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), "trendmaster-docker-build-"));
  const log = join(dir, "calls.log");
  return {
    dir,
    env: { PATH: `${join(repoRoot(), "test", "stand-ins", "cli-bin")}:${process.env.PATH ?? ""}`, STAND_IN_CALLS_LOG: log },
    calls: () => readFileSync(log, "utf8").trim().split("\n"),
  };
}

function runScript(args: readonly string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("bash", [SCRIPT, ...args], { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("docker-build.sh", () => {
  it.each([
    ["no VERSION", [], { REGISTRY: "registry.example.com/platform" }, "usage:"],
    ["VERSION latest", ["latest"], { REGISTRY: "registry.example.com/platform" }, "is not a semantic version"],
  ])("refuses %s with exit 2", (_name, args, env, message) => {
    const result = runScript(args, env);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  });

  const DIGEST = `sha256:${"ab".repeat(32)}`;

  it("the guide's ./docker-build.sh v1.0.0: the AWS account's ECR, login, repository created, build, push, digest", () => {
    const { env, dir, calls } = recordingBin();
    const result = runScript(["v1.0.0"], { ...env, STAND_IN_AWS_ACCOUNT: "123456789012", STAND_IN_AWS_REGION: "eu-west-1" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
    const image = `${registry}/trendmaster-ai:v1.0.0`;
    const log = calls();
    expect(log.slice(0, 2)).toEqual(["aws sts get-caller-identity --query Account --output text", "aws configure get region"]);
    // The two ends of one pipe: either may record first.
    expect(log.slice(2, 4).sort()).toEqual(["aws ecr get-login-password --region eu-west-1", `docker login --username AWS --password-stdin ${registry}`]);
    expect(readFileSync(join(dir, "calls.log.stdin"), "utf8")).toBe("stand-in-ecr-password\n");
    expect(log.slice(4, 6)).toEqual([
      "aws ecr describe-repositories --region eu-west-1 --repository-names trendmaster-ai",
      "aws ecr create-repository --region eu-west-1 --repository-name trendmaster-ai --image-scanning-configuration scanOnPush=true",
    ]);
    expect(log[6]).toMatch(new RegExp(`^docker build --pull --platform linux/amd64 --build-arg VERSION=v1\\.0\\.0 --label org\\.opencontainers\\.image\\.revision=\\S+ --tag ${image.replace(/\./g, "\\.")} ${repoRoot()}$`));
    expect(log.slice(7)).toEqual([`docker push ${image}`, `docker inspect --format {{index .RepoDigests 0}} ${image}`]);
    expect(result.stdout).toContain(`using the ECR registry of AWS account 123456789012 in eu-west-1`);
    expect(result.stdout).toContain(`image.digest: "${DIGEST}"`);
  });

  it("REGISTRY overrides the account's ECR; an existing repository is not created again; AWS_REGION wins over the CLI's region", () => {
    const { env, calls } = recordingBin();
    const registry = "210987654321.dkr.ecr.us-east-1.amazonaws.com/platform";
    const result = runScript(["1.4.0"], { ...env, REGISTRY: registry, AWS_REGION: "eu-central-1", STAND_IN_ECR_REPOSITORIES: "platform/trendmaster-ai" });
    expect(result.status).toBe(0);
    const log = calls();
    expect(log.some((l) => l.startsWith("aws sts ") || l.startsWith("aws configure "))).toBe(false);
    expect(log).toContain("aws ecr get-login-password --region us-east-1");
    expect(log).toContain("aws ecr describe-repositories --region us-east-1 --repository-names platform/trendmaster-ai");
    expect(log.some((l) => l.startsWith("aws ecr create-repository"))).toBe(false);
    expect(log).toContain(`docker push ${registry}/trendmaster-ai:1.4.0`);
  });

  it.each([
    ["without AWS credentials", {}, "the AWS CLI cannot tell the account"],
    ["without a region", { STAND_IN_AWS_ACCOUNT: "123456789012" }, "no AWS region is configured: set AWS_REGION"],
  ])("no REGISTRY %s: exit 2 naming what is missing, nothing built", (_name, extra, message) => {
    const { env, calls } = recordingBin();
    const result = runScript(["v1.0.0"], { ...env, ...extra });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(calls().some((l) => l.startsWith("docker "))).toBe(false);
  });

  it("PUSH=false on another registry: builds and tags only, no login, no push", () => {
    const { env, calls } = recordingBin();
    const result = runScript(["2.0.0-rc.1"], { ...env, REGISTRY: "registry.example.com/platform/", IMAGE_NAME: "tm", PUSH: "false" });
    expect(result.status).toBe(0);
    const log = calls();
    expect(log).toHaveLength(1);
    expect(log[0]).toContain("docker build ");
    expect(log[0]).toContain("--tag registry.example.com/platform/tm:2.0.0-rc.1 ");
  });
});

describe("Dockerfile", () => {
  const dockerfile = readFileSync(join(repoRoot(), "Dockerfile"), "utf8");
  const dockerignore = readFileSync(join(repoRoot(), ".dockerignore"), "utf8");
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const [build = "", runtime = ""] = stages;

  it("has a build and a runtime stage; only production dependencies reach the runtime", () => {
    expect(stages).toHaveLength(2);
    expect(build).toMatch(/npm ci /);
    expect(build).toMatch(/npm run build/);
    expect(build).toMatch(/npm prune --omit=dev/);
    expect(runtime).toContain("COPY --from=build /src/node_modules ./node_modules");
    expect(runtime).not.toMatch(/^RUN npm /m);
  });

  it("runs as 1001:1001 the entrypoint the chart relies on", () => {
    expect(runtime).toMatch(/^USER 1001:1001$/m);
    expect(runtime).toContain('ENTRYPOINT ["node", "/app/dist/cli/main.js"]');
    expect(runtime).toMatch(/HOME=\/tmp/);
  });

  it("copies every folder tsconfig compiles, and .dockerignore lets each through", () => {
    const tsconfig = JSON.parse(readFileSync(join(repoRoot(), "tsconfig.json"), "utf8")) as { include: string[] };
    for (const folder of [...tsconfig.include, "examples"]) {
      expect(build).toContain(`COPY ${folder} ./${folder}`);
      expect(dockerignore.split("\n")).toContain(`!${folder}`);
    }
  });
});

// docker-build.sh with stand-in `docker` and `aws` commands that record their arguments (no
// container engine here), and the Dockerfile checked against what the build needs.
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";

const SCRIPT = join(repoRoot(), "docker-build.sh");

/** A folder with `docker` and `aws` that append their argv (one line per call) to calls.log. */
function recordingBin(): { bin: string; calls: () => string[] } {
  const bin = mkdtempSync(join(tmpdir(), "trendmaster-fake-docker-"));
  const log = join(bin, "calls.log");
  for (const tool of ["docker", "aws"]) {
    const path = join(bin, tool);
    writeFileSync(path, `#!/bin/sh\necho "${tool} $*" >> "${log}"\n[ "$1 $2" = "ecr get-login-password" ] && echo secret-password\n[ "$1" = "login" ] && cat >> "${log}.stdin"\n[ "$1" = "inspect" ] && echo "registry/x@sha256:${"ab".repeat(32)}"\nexit 0\n`);
    chmodSync(path, 0o755);
  }
  return { bin, calls: () => readFileSync(log, "utf8").trim().split("\n") };
}

function runScript(args: readonly string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("bash", [SCRIPT, ...args], { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("docker-build.sh", () => {
  it.each([
    ["no VERSION", [], { REGISTRY: "registry.example.com/platform" }, "usage:"],
    ["VERSION latest", ["latest"], { REGISTRY: "registry.example.com/platform" }, "is not a semantic version"],
    ["no REGISTRY", ["1.4.0"], {}, "set REGISTRY"],
  ])("refuses %s with exit 2", (_name, args, env, message) => {
    const result = runScript(args, env);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it("ECR: logs in for the registry's region, builds VERSION for linux/amd64, pushes, prints the digest", () => {
    const { bin, calls } = recordingBin();
    const registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
    const result = runScript(["1.4.0"], { REGISTRY: registry, PATH: `${bin}:${process.env.PATH ?? ""}` });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    const image = `${registry}/trendmaster-ai:1.4.0`;
    const log = calls();
    // The two ends of one pipe: either may record first.
    expect(log.slice(0, 2).sort()).toEqual(["aws ecr get-login-password --region eu-west-1", `docker login --username AWS --password-stdin ${registry}`]);
    expect(readFileSync(join(bin, "calls.log.stdin"), "utf8")).toBe("secret-password\n");
    expect(log[2]).toMatch(new RegExp(`^docker build --pull --platform linux/amd64 --build-arg VERSION=1\\.4\\.0 --label org\\.opencontainers\\.image\\.revision=\\S+ --tag ${image.replace(/\./g, "\\.")} ${repoRoot()}$`));
    expect(log.slice(3)).toEqual([`docker push ${image}`, `docker inspect --format {{index .RepoDigests 0}} ${image}`]);
    expect(result.stdout).toContain(`image.digest: "sha256:${"ab".repeat(32)}"`);
  });

  it("PUSH=false on another registry: builds and tags only, no login, no push", () => {
    const { bin, calls } = recordingBin();
    const result = runScript(["2.0.0-rc.1"], { REGISTRY: "registry.example.com/platform/", IMAGE_NAME: "tm", PUSH: "false", PATH: `${bin}:${process.env.PATH ?? ""}` });
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

// The stand-in's HTTP surface seen raw, below any client library.
import { request } from "node:https";
import { type KubeApiStandIn, startKubeApiStandIn } from "./index.js";

interface RawResponse {
  code: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe("kube-apiserver stand-in over raw HTTPS", () => {
  let api: KubeApiStandIn;
  const send = (method: string, path: string, options: { token?: string | null; accept?: string; body?: string; contentType?: string } = {}): Promise<RawResponse> =>
    new Promise((resolve, reject) => {
      const url = new URL(path, api.url);
      const token = options.token === undefined ? api.users[0]?.token : options.token;
      const headers: Record<string, string> = { Accept: options.accept ?? "application/json" };
      if (token !== null && token !== undefined) headers.Authorization = `Bearer ${token}`;
      if (options.contentType !== undefined) headers["Content-Type"] = options.contentType;
      const outgoing = request(url, { method, ca: api.caPem, headers }, (incoming) => {
        let body = "";
        incoming.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
        incoming.on("end", () => resolve({ code: incoming.statusCode ?? 0, headers: incoming.headers, body }));
      });
      outgoing.on("error", reject);
      outgoing.end(options.body);
    });

  beforeAll(async () => {
    api = await startKubeApiStandIn();
  });
  afterAll(async () => api?.stop());

  it.each([
    ["no token", "GET", "/api/v1/namespaces/default/configmaps", { token: null }, 401, '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}'],
    ["a path outside the API", "GET", "/nowhere", {}, 404, "404 page not found\n"],
    ["a group it does not serve", "GET", "/apis/apps/v1/deployments", {}, 404, '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}'],
    ["protobuf only", "GET", "/api/v1/namespaces", { accept: "application/vnd.kubernetes.protobuf" }, 406, expect.stringContaining('"reason":"NotAcceptable"')],
    ["health without credentials", "GET", "/readyz", { token: null }, 200, "ok"],
  ])("answers %s", async (_name, method, path, options, code, body) => {
    const response = await send(method, path, options);
    expect(response.code).toBe(code);
    expect(response.body).toEqual(body);
  });

  it("answers in YAML when asked", async () => {
    const response = await send("GET", "/api/v1/namespaces/default", { accept: "application/yaml" });
    expect(response.headers["content-type"]).toBe("application/yaml");
    expect(response.body).toContain("kind: Namespace\n");
  });

  it("writes warnings as RFC 7234 Warning headers", async () => {
    const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "warned" }, "unknown \"field\"": 1 });
    const response = await send("POST", "/api/v1/namespaces/default/configmaps", { body, contentType: "application/json" });
    expect(response.code).toBe(201);
    expect(response.headers.warning).toBe('299 - "unknown field \\"unknown \\\\\\"field\\\\\\"\\""');
  });

  it("refuses a body over 3 MiB", async () => {
    const body = JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "huge" }, data: { blob: "x".repeat(3 * 1024 * 1024) } });
    const response = await send("POST", "/api/v1/namespaces/default/configmaps", { body, contentType: "application/json" });
    expect([response.code, JSON.parse(response.body).reason]).toEqual([413, "RequestEntityTooLarge"]);
  });
});

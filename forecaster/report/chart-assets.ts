/**
 * uPlot's browser build and stylesheet, read from node_modules where npm installed them: the
 * report inlines them, so it never fetches a script from a CDN (or anything else).
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type { ChartAssets } from "./report-html.js";

let loaded: Promise<ChartAssets> | undefined;

export function loadChartAssets(): Promise<ChartAssets> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    let dist: string;
    try {
      dist = path.join(path.dirname(require.resolve("uplot/package.json")), "dist");
    } catch {
      throw new Error("the uplot package is not installed: run `npm ci` (the report inlines its chart library from node_modules)");
    }
    const [script, style] = await Promise.all([readFile(path.join(dist, "uPlot.iife.min.js"), "utf8"), readFile(path.join(dist, "uPlot.min.css"), "utf8")]);
    return { script, style };
  })();
  return loaded;
}

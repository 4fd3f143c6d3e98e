/** The forecast engine's public face: the worker pool, its job type and the pure recommendation types. */
export { createForecastEngine, type ForecastEngine, type ForecastEngineOptions } from "./forecast-engine.js";
export { runForecastJob, type ForecastJob, type ForecastOutcome } from "./forecast-job.js";
export type { Recommendation, GuardrailBand, Confidence } from "../logic/recommend.js";

/** JSON logs (pino) at LOG_LEVEL, to stdout; the cycle sees only the CycleLog shape. */
import { pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config.js";

export function createLogger(level: LogLevel, name = "trendmaster-forecaster", destination?: DestinationStream | NodeJS.WritableStream): Logger {
  const options = { name, level, base: { component: "forecaster" }, timestamp: pino.stdTimeFunctions.isoTime };
  return destination ? pino(options, destination) : pino(options);
}

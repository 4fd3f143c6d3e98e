/**
 * libfaketime's variables from this process's environment (`faketime -f "+Ns"` sets them), for the
 * processes tests start with a clean environment: the forecaster, the webhook and git then keep the
 * test's clock, so data, caches and stamps made here mean the same to them. Empty otherwise.
 */
export function shiftedClockEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && (entry[0] === "LD_PRELOAD" || entry[0].startsWith("FAKETIME") || entry[0] === "DONT_FAKE_MONOTONIC")),
  );
}

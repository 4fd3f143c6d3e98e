// Jest's ESM loader copies every property of `process` when a module imports node:process (the
// WASI shim under the Prophet optimiser does). Reading `process.stdin` creates it: a socket on the
// worker's stdin pipe that kept the worker alive after its tests ("A worker process has failed to
// exit gracefully"). No test reads stdin: once created, it must not hold the worker open.
const descriptor = Object.getOwnPropertyDescriptor(process, "stdin");
if (descriptor?.get && descriptor.configurable) {
  Object.defineProperty(process, "stdin", {
    configurable: true,
    enumerable: descriptor.enumerable,
    get() {
      const stdin = descriptor.get.call(process);
      stdin.unref?.();
      return stdin;
    },
  });
}

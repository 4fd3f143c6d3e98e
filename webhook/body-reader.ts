import type { IncomingMessage } from "node:http";
import type { NextFunction, Request, RequestHandler, Response } from "express";

/**
 * Buffers reused for request bodies. A 500 KiB body read as chunks and concatenated is garbage
 * that lives as long as its transfer, long enough to be promoted: V8 then runs a full
 * mark-compact every few dozen requests. One buffer per request in flight, reused, makes none.
 */
export class BodyPool {
  private free: Buffer[] = [];
  private freeBytes = 0;
  /** The views handed out and not yet given back: only those may come back (a slice of Node's shared slab never does). */
  private readonly lent = new WeakSet<Buffer>();

  constructor(private readonly maxFreeBytes = 8 * 1024 * 1024) {}

  /** A buffer of exactly `length` bytes (a view of a pooled one when one is big enough). */
  acquire(length: number): Buffer {
    const index = this.free.findIndex((buffer) => buffer.length >= length);
    let whole: Buffer;
    if (index < 0) whole = Buffer.allocUnsafeSlow(Math.max(length, 64 * 1024));
    else {
      whole = this.free.splice(index, 1)[0] as Buffer;
      this.freeBytes -= whole.length;
    }
    const view = whole.subarray(0, length);
    this.lent.add(view);
    return view;
  }

  /** Give back a buffer from acquire() that nothing references any more; any other buffer is ignored. */
  release(view: Buffer): void {
    if (!this.lent.delete(view)) return;
    // allocUnsafeSlow gave the view its own ArrayBuffer, starting at 0.
    const whole = Buffer.from(view.buffer, 0, view.buffer.byteLength);
    if (this.freeBytes + whole.length > this.maxFreeBytes) return;
    this.free.push(whole);
    this.freeBytes += whole.length;
  }
}

/** Shaped as raw-body's errors, so the error handler counts and answers them alike. */
function abortedError(expected: number, received: number): Error {
  return Object.assign(new Error("request aborted"), { status: 400, statusCode: 400, expose: true, code: "ECONNABORTED", expected, length: expected, received, type: "request.aborted" });
}

/**
 * The body into one pooled buffer, when its length is declared, within `limit`, and not encoded;
 * anything else (chunked, gzip, over the limit) goes to `fallback` (express.raw), which knows
 * those cases and their errors. `req.body` is a Buffer either way; the handler gives it back to
 * the pool (release ignores buffers it did not lend) once nothing uses it.
 */
export function readBodyInto(pool: BodyPool, limit: number, fallback: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const declared = req.headers["content-length"];
    const encoding = (req.headers["content-encoding"] ?? "identity").toLowerCase();
    const length = declared !== undefined && /^\d{1,10}$/.test(declared) ? Number(declared) : Number.NaN;
    if (!(length <= limit) || encoding !== "identity" || req.headers["transfer-encoding"] !== undefined) return fallback(req, res, next);
    const body = pool.acquire(length);
    let received = 0;
    let settled = false;
    const stream = req as IncomingMessage;
    const settle = (error?: Error) => {
      if (settled) return;
      settled = true;
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("aborted", onAborted);
      stream.off("error", onError);
      if (error) {
        pool.release(body);
        return next(error);
      }
      (req as { body?: unknown }).body = body;
      return next();
    };
    const onData = (chunk: Buffer) => {
      // The parser stops at Content-Length: more cannot arrive; guard anyway rather than overrun.
      const room = Math.min(chunk.length, length - received);
      chunk.copy(body, received, 0, room);
      received += chunk.length;
    };
    const onEnd = () => (received === length ? settle() : settle(Object.assign(new Error("request size did not match content length"), { status: 400, statusCode: 400, expose: true, expected: length, length, received, type: "request.size.invalid" })));
    const onAborted = () => settle(abortedError(length, received));
    const onError = (error: Error) => settle(error);
    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("aborted", onAborted);
    stream.on("error", onError);
  };
}

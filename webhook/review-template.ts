/**
 * The bytes of a posted AdmissionReview with its request uid cut out. The API server gives every
 * call a new uid; a body equal to a remembered one in every other byte is the same review for
 * another uid, recognised with two memory comparisons instead of a JSON parse.
 */
export interface UidTemplate {
  /** The body the template was cut from. */
  readonly body: Buffer;
  /** body[start, end) is the uid's text, between its quotes. */
  readonly start: number;
  readonly end: number;
}

/** Longer uids are not templated (the API server's are 36-character UUIDs). */
const MAX_UID_BYTES = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/**
 * A uid whose JSON text is its bytes: printable ASCII without quote or backslash. Any such text
 * between the template's quotes is one string token, so the rest of the body parses the same.
 */
function isPlainUid(bytes: Buffer, start: number, end: number): boolean {
  if (end <= start || end - start > MAX_UID_BYTES) return false;
  for (let i = start; i < end; i++) {
    const byte = bytes[i] as number;
    if (byte < 0x20 || byte > 0x7e || byte === QUOTE || byte === BACKSLASH) return false;
  }
  return true;
}

function isJsonSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

/** Where the request's uid is in `body` (the first `"uid":"<uid>"`), when the uid is plain text. */
export function uidPosition(body: Buffer, uid: string): { readonly start: number; readonly end: number } | undefined {
  const uidBytes = Buffer.from(uid, "latin1");
  if (uidBytes.toString("latin1") !== uid || !isPlainUid(uidBytes, 0, uidBytes.length)) return undefined;
  const needle = Buffer.from(`"uid":"${uid}"`, "latin1");
  const at = body.indexOf(needle);
  return at < 0 ? undefined : { start: at + 7, end: at + needle.length - 1 };
}

/**
 * The template of `body` around the first `"uid":"<uid>"` in it, where `uid` is the request's
 * (already parsed from `body`). The position is a candidate: that it is the request's uid, and
 * not another field with the same text, is proven by a later body that differs only there and
 * parses to its own uid (see AnswerMemo). Undefined when the uid is not plain text. The template
 * holds a copy of the body.
 */
export function uidTemplateOf(body: Buffer, uid: string): UidTemplate | undefined {
  const position = uidPosition(body, uid);
  // A copy: the caller's buffer is reused for the next request.
  return position && { body: Buffer.from(body), ...position };
}

/**
 * The uid of `body` when it equals the template's body in every byte outside the uid: the same
 * text before, the same after, and a plain uid between (a string value: the byte before its
 * opening quote, spaces aside, is a colon). Undefined otherwise.
 */
export function uidMatching(template: UidTemplate, body: Buffer): string | undefined {
  const { body: known, start, end } = template;
  const suffixLength = known.length - end;
  const uidEnd = body.length - suffixLength;
  if (uidEnd <= start || uidEnd - start > MAX_UID_BYTES) return undefined;
  if (body.compare(known, 0, start, 0, start) !== 0) return undefined;
  if (body.compare(known, end, known.length, uidEnd, body.length) !== 0) return undefined;
  if (known[end] !== QUOTE || known[start - 1] !== QUOTE) return undefined;
  let before = start - 2;
  while (before >= 0 && isJsonSpace(known[before])) before--;
  if (known[before] !== COLON) return undefined;
  if (!isPlainUid(body, start, uidEnd)) return undefined;
  return body.toString("latin1", start, uidEnd);
}

import { ADMISSION_API_VERSION, type AdmissionReview } from "./admission/review.js";

/** Every answer starts so: reviewOf() puts apiVersion, kind, then response, whose first field is the uid. */
const ANSWER_HEAD = `{"apiVersion":"${ADMISSION_API_VERSION}","kind":"AdmissionReview","response":{"uid":`;

/** An answer as bytes, and for an AdmissionReview its bytes after the uid (the same for every uid). */
export interface EncodedAnswer {
  readonly bytes: Buffer;
  readonly afterUid?: Buffer;
}

/** Serialize once, to bytes: the HTTP layer sends them as they are, with their length. */
export function encodeAnswer(body: AdmissionReview | { readonly error: string }): EncodedAnswer {
  const json = JSON.stringify(body);
  const bytes = Buffer.from(json, "utf8");
  const uid = "response" in body ? body.response?.uid : undefined;
  if (uid === undefined) return { bytes };
  const lead = `${ANSWER_HEAD}${JSON.stringify(uid)}`;
  if (!json.startsWith(lead)) return { bytes };
  return { bytes, afterUid: bytes.subarray(Buffer.byteLength(lead, "utf8")) };
}

/** The answer for a plain uid (printable ASCII without quote or backslash: its JSON is itself in quotes). */
export function answerWithUid(uid: string, afterUid: Buffer): Buffer[] {
  return [Buffer.from(`${ANSWER_HEAD}"${uid}"`, "latin1"), afterUid];
}

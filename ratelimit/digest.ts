import { createHash } from "node:crypto";

/** sha256 over a ConfigMap's data and binaryData, key order independent: what "the config" is for change detection. */
export function configDataDigest(data: Readonly<Record<string, string>> | undefined, binaryData?: Readonly<Record<string, string>>): string {
  const hash = createHash("sha256");
  const feed = (prefix: string, record: Readonly<Record<string, string>> | undefined) => {
    for (const key of Object.keys(record ?? {}).sort()) {
      const value = (record as Record<string, string>)[key] as string;
      hash.update(`${prefix}${key.length}:${key}${Buffer.byteLength(value)}:`).update(value);
    }
  };
  feed("d", data);
  feed("b", binaryData);
  return `sha256:${hash.digest("hex")}`;
}

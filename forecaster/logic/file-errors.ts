/** Why a file cannot be read, in words (a directory is the usual mistake). */
export function unreadableReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? (/\b(E[A-Z]+)\b/.exec((error as Error).message)?.[1]);
  if (code === "EISDIR") return "is a directory, not a file";
  if (code === "EACCES" || code === "EPERM") return "cannot be read (permission denied)";
  return `cannot be read (${code ?? (error as Error).message})`;
}

import { ANNOTATIONS } from "../../ratelimit/annotations.js";
import type { UserInfo } from "./review.js";

export type BreakGlass =
  | { readonly kind: "none" }
  | { readonly kind: "accepted"; readonly user: string; readonly reason: string }
  | { readonly kind: "refused"; readonly user: string; readonly reason: string };

/** Longest reason kept (annotations, logs, Slack): enough for an incident link and a sentence. */
const MAX_REASON_CHARS = 200;

/**
 * Break-glass: a write carrying trendmaster.io/override-reason from a user or group on the
 * allow-list is admitted unclamped. From anyone else the annotation is ignored (and said so).
 */
export function assessBreakGlass(
  annotations: Readonly<Record<string, string>>,
  userInfo: UserInfo,
  allowList: { readonly users: readonly string[]; readonly groups: readonly string[] },
): BreakGlass {
  const raw = Object.hasOwn(annotations, ANNOTATIONS.overrideReason) ? annotations[ANNOTATIONS.overrideReason] : undefined;
  const reason = (raw ?? "").replace(/\s+/g, " ").trim().slice(0, MAX_REASON_CHARS);
  if (reason === "") return { kind: "none" };
  const user = userInfo.username ?? "";
  const allowed = (user !== "" && allowList.users.includes(user)) || (userInfo.groups ?? []).some((g) => allowList.groups.includes(g));
  return { kind: allowed ? "accepted" : "refused", user: user === "" ? "(unknown user)" : user, reason };
}

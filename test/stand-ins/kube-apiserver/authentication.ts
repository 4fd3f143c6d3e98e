// Bearer-token authentication, like kube-apiserver's --token-auth-file: each token maps to a
// user name and groups, which admission then sends in AdmissionReview's userInfo.
import { randomBytes } from "node:crypto";

/** A user the stand-in knows; `token` is generated when omitted. */
export interface StandInUser {
  name: string;
  groups?: string[];
  token?: string;
  /** Sent in userInfo as service-account tokens carry them (uid, extra such as authentication.kubernetes.io/pod-name). */
  uid?: string;
  extra?: Record<string, string[]>;
}

/** authentication.k8s.io/v1 UserInfo, as admission and SelfSubjectReview send it. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface KnownUser {
  name: string;
  token: string;
  info: UserInfo;
}

/** Like the apiserver, every authenticated user is also in system:authenticated. */
const AUTHENTICATED_GROUP = "system:authenticated";

export const DEFAULT_USERS: readonly StandInUser[] = [{ name: "admin", groups: ["system:masters"] }];

export function registerUsers(users: readonly StandInUser[]): KnownUser[] {
  return users.map((user) => {
    const groups = [...(user.groups ?? [])];
    if (!groups.includes(AUTHENTICATED_GROUP)) groups.push(AUTHENTICATED_GROUP);
    const info: UserInfo = { username: user.name, ...(user.uid === undefined ? {} : { uid: user.uid }), groups, ...(user.extra === undefined ? {} : { extra: user.extra }) };
    return { name: user.name, token: user.token ?? randomBytes(24).toString("hex"), info };
  });
}

/** The user behind an `Authorization: Bearer` header, or undefined (answered with 401). */
export function authenticate(users: readonly KnownUser[], authorization: string | undefined): KnownUser | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
  if (!match) return undefined;
  return users.find((user) => user.token === match[1]);
}

import { useSyncExternalStore } from "react";

/**
 * The keys of the fittings started on this device: each fitting's id and the access token the
 * server returned once, when it was created. Kept in localStorage until the photos' retention
 * ends (`expiresAt`), so a shopper who closes the browser can come back to the results and erase
 * the data; removed at once on erasure. Why localStorage and not a cookie: README "The access
 * token on the shopper's device".
 *
 * Nothing else about the shopper is kept here except the fit feedback they sent (outcome and
 * comfort, never the comment), so the results can show it and let them change it.
 */

export interface SentFeedback {
  fit: string;
  comfort: number;
}

export interface SavedFitting {
  id: string;
  accessToken: string;
  createdAt: string;
  expiresAt: string;
  feedback: Record<string, SentFeedback>;
}

const STORAGE_KEY = "earfit.fittings";
const DAY_MS = 24 * 60 * 60 * 1000;

type Listener = () => void;
const listeners = new Set<Listener>();
let cache: SavedFitting[] | null = null;

function isSavedFitting(value: unknown): value is SavedFitting {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record["id"] === "string" &&
    typeof record["accessToken"] === "string" &&
    typeof record["createdAt"] === "string" &&
    typeof record["expiresAt"] === "string"
  );
}

function read(): SavedFitting[] {
  try {
    const raw = globalThis.localStorage?.getItem(STORAGE_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : [];
    if (!Array.isArray(parsed)) return [];
    const now = Date.now();
    const kept = parsed
      .filter(isSavedFitting)
      .filter((saved) => Date.parse(saved.expiresAt) > now)
      .map((saved) => ({ ...saved, feedback: typeof saved.feedback === "object" && saved.feedback ? saved.feedback : {} }));
    // An expired key is dropped from storage too, not only from this page.
    if (kept.length !== parsed.length) globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(kept));
    return kept;
  } catch {
    // Storage disabled (some private modes) or corrupt: no saved fittings.
    return [];
  }
}

function write(fittings: SavedFitting[]): void {
  cache = fittings;
  try {
    if (fittings.length > 0) globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(fittings));
    else globalThis.localStorage?.removeItem(STORAGE_KEY);
  } catch {
    // Kept in memory for this page when storage is unavailable.
  }
  for (const listener of listeners) listener();
}

/** Every unexpired fitting of this device, newest first. */
export function listSavedFittings(): SavedFitting[] {
  cache ??= read();
  return cache;
}

export function getSavedFitting(id: string): SavedFitting | null {
  return listSavedFittings().find((saved) => saved.id === id) ?? null;
}

/** Remember a fitting's key until `expiresAt`, when its data's retention ends. */
export function saveFittingKey({
  id,
  accessToken,
  expiresAt,
  createdAt = new Date(),
}: {
  id: string;
  accessToken: string;
  expiresAt: Date;
  createdAt?: Date;
}): void {
  const previous = getSavedFitting(id);
  const saved: SavedFitting = {
    id,
    accessToken,
    createdAt: previous?.createdAt ?? createdAt.toISOString(),
    expiresAt: expiresAt.toISOString(),
    feedback: previous?.feedback ?? {},
  };
  write([saved, ...listSavedFittings().filter((other) => other.id !== id)]);
}

/** When a fitting created at `createdAt` reaches the end of its `retentionDays`. */
export function retentionEnd(createdAt: Date, retentionDays: number): Date {
  return new Date(createdAt.getTime() + retentionDays * DAY_MS);
}

export function forgetFitting(id: string): void {
  write(listSavedFittings().filter((saved) => saved.id !== id));
}

export function rememberFeedback(id: string, productId: number, feedback: SentFeedback): void {
  write(
    listSavedFittings().map((saved) =>
      saved.id === id ? { ...saved, feedback: { ...saved.feedback, [String(productId)]: feedback } } : saved,
    ),
  );
}

/** The token for a request to `/api/v1/fittings/<id>/…`, if this device holds that fitting's key. */
export function accessTokenForPath(pathname: string): string | null {
  const match = /\/api\/v1\/fittings\/([^/?#]+)/.exec(pathname);
  if (!match?.[1]) return null;
  return getSavedFitting(decodeURIComponent(match[1]))?.accessToken ?? null;
}

/** Read storage again: another tab changed it, or a test seeded it. */
export function reloadSavedFittings(): void {
  cache = read();
  for (const listener of listeners) listener();
}

function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  const onStorage = (event: StorageEvent) => {
    if (event.key === STORAGE_KEY || event.key === null) reloadSavedFittings();
  };
  globalThis.addEventListener?.("storage", onStorage);
  return () => {
    listeners.delete(listener);
    globalThis.removeEventListener?.("storage", onStorage);
  };
}

export function useSavedFittings(): SavedFitting[] {
  return useSyncExternalStore(subscribe, listSavedFittings, listSavedFittings);
}

export function useSavedFitting(id: string): SavedFitting | null {
  const all = useSavedFittings();
  return all.find((saved) => saved.id === id) ?? null;
}

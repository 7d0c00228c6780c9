import { useSyncExternalStore } from "react";

/**
 * The active fitting: its id and the one-time access token the server returned when it was
 * created. Kept in memory and mirrored to sessionStorage so a reload keeps the shopper's place
 * (sessionStorage dies with the tab, unlike localStorage, so the token does not linger).
 * Cleared on erasure.
 */
export type FittingStep = "capture" | "results";

export interface FittingSession {
  id: string;
  accessToken: string;
  step: FittingStep;
}

const STORAGE_KEY = "earfit.fitting";

type Listener = () => void;
const listeners = new Set<Listener>();
let current: FittingSession | null = readStorage();

function readStorage(): FittingSession | null {
  try {
    const raw = globalThis.sessionStorage?.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed: unknown = JSON.parse(raw);
    if (
      typeof parsed === "object" &&
      parsed !== null &&
      "id" in parsed &&
      "accessToken" in parsed &&
      typeof parsed.id === "string" &&
      typeof parsed.accessToken === "string"
    ) {
      const step = "step" in parsed && parsed.step === "results" ? "results" : "capture";
      return { id: parsed.id, accessToken: parsed.accessToken, step };
    }
  } catch {
    // Storage disabled (private mode) or corrupt: start without a fitting.
  }
  return null;
}

function writeStorage(session: FittingSession | null): void {
  try {
    if (session) globalThis.sessionStorage?.setItem(STORAGE_KEY, JSON.stringify(session));
    else globalThis.sessionStorage?.removeItem(STORAGE_KEY);
  } catch {
    // In-memory state still works when storage is unavailable.
  }
}

function emit(): void {
  for (const listener of listeners) listener();
}

export function getFittingSession(): FittingSession | null {
  return current;
}

export function startFittingSession(id: string, accessToken: string): void {
  current = { id, accessToken, step: "capture" };
  writeStorage(current);
  emit();
}

export function setFittingStep(step: FittingStep): void {
  if (!current || current.step === step) return;
  current = { ...current, step };
  writeStorage(current);
  emit();
}

export function clearFittingSession(): void {
  current = null;
  writeStorage(null);
  emit();
}

/** Re-read storage; for tests that seed sessionStorage before rendering. */
export function reloadFittingSessionFromStorage(): void {
  current = readStorage();
  emit();
}

function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useFittingSession(): FittingSession | null {
  return useSyncExternalStore(subscribe, getFittingSession, getFittingSession);
}

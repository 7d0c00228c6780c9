import { useSyncExternalStore } from "react";

import type { Answers } from "./schemas";

/**
 * What the shopper has said before the fitting exists: the consent version they accepted and
 * their answers so far. Kept in sessionStorage, so a reload or Back keeps them, and gone when the
 * tab closes; cleared once the fitting is created (the server holds the answers from then on).
 */
export interface AnswersDraft {
  consentVersion: string | null;
  answers: Answers;
  /** The fitting these answers went into, once sent: the questions then say so instead. */
  sentTo: string | null;
}

const STORAGE_KEY = "earfit.draft";
const EMPTY: AnswersDraft = { consentVersion: null, answers: {}, sentTo: null };

type Listener = () => void;
const listeners = new Set<Listener>();
let current: AnswersDraft | null = null;

function read(): AnswersDraft {
  try {
    const raw = globalThis.sessionStorage?.getItem(STORAGE_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : null;
    if (typeof parsed === "object" && parsed !== null && "answers" in parsed && typeof parsed.answers === "object" && parsed.answers) {
      const consentVersion = "consentVersion" in parsed && typeof parsed.consentVersion === "string" ? parsed.consentVersion : null;
      const sentTo = "sentTo" in parsed && typeof parsed.sentTo === "string" ? parsed.sentTo : null;
      return { consentVersion, answers: parsed.answers as Answers, sentTo };
    }
  } catch {
    // Storage disabled or corrupt: start empty.
  }
  return EMPTY;
}

function write(draft: AnswersDraft): void {
  current = draft;
  try {
    if (draft === EMPTY) globalThis.sessionStorage?.removeItem(STORAGE_KEY);
    else globalThis.sessionStorage?.setItem(STORAGE_KEY, JSON.stringify(draft));
  } catch {
    // In memory only.
  }
  for (const listener of listeners) listener();
}

export function getAnswersDraft(): AnswersDraft {
  current ??= read();
  return current;
}

/** Consent starts a new draft (the answers of one already sent are not offered again). */
export function acceptConsent(version: string): void {
  const draft = getAnswersDraft();
  write({ consentVersion: version, answers: draft.sentTo ? {} : draft.answers, sentTo: null });
}

export function setDraftAnswers(answers: Answers): void {
  write({ ...getAnswersDraft(), answers });
}

/** The answers went into fitting `fittingId`: forget them, remember only where they went. */
export function markAnswersSent(fittingId: string): void {
  write({ ...EMPTY, sentTo: fittingId });
}

export function clearAnswersDraft(): void {
  write(EMPTY);
}

/** Read storage again; for tests that seed it. */
export function reloadAnswersDraft(): void {
  current = read();
  for (const listener of listeners) listener();
}

function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useAnswersDraft(): AnswersDraft {
  return useSyncExternalStore(subscribe, getAnswersDraft, getAnswersDraft);
}

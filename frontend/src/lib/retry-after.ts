/**
 * A wait in words, from a response's Retry-After header: a shopper reads "try again in about 45
 * minutes", never "wait 2717 seconds".
 */

/** Seconds to wait: Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | null {
  if (!header) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return null;
  return Math.max(0, Math.round((date - now) / 1000));
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/** "in a few seconds", "in about 30 seconds", "in about a minute", "in about 45 minutes", "in about 2 hours". */
export function waitInWords(seconds: number): string {
  if (seconds < 10) return "in a few seconds";
  if (seconds < 50) return `in about ${plural(Math.round(seconds / 10) * 10, "second")}`;
  const minutes = Math.round(seconds / 60);
  if (minutes <= 1) return "in about a minute";
  if (minutes < 60) return `in about ${plural(minutes, "minute")}`;
  const hours = Math.round(minutes / 60);
  if (hours === 1) return "in about an hour";
  if (hours < 24) return `in about ${plural(hours, "hour")}`;
  return "tomorrow";
}
